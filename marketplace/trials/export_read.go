package trials

import (
	"github.com/medmarket/medmarket/marketplace"
)

// A node that joined a trial whose log lives on another node reads it from
// the trial's export, once verified (Verify): its steps and its team.

// Team replays the export's entries into the trial's team, as the trial's
// node does with its log: a step the team's checks refuse changes nothing.
// Call it on a verified export; it recovers no signature.
func (e *Export) Team() *Team {
	tm := NewTeam(e.Trial)
	for i := range e.Entries {
		step := e.Entries[i].Step
		if step == nil {
			step = &marketplace.Step{Index: e.Entries[i].Index, Type: "undecodable"}
		}
		tm.Apply(step, tm.Check(step) == nil)
	}
	return tm
}

// Steps returns the export's entries that match f, oldest first, as
// Service.Steps does on the trial's node. f.Subject must be a pseudonym:
// only the trial's node turns subject ids into pseudonyms (EINVALID).
func (e *Export) Steps(f StepFilter) ([]Entry, error) {
	if f.Subject != "" && !marketplace.IsSubjectPseudonym(f.Subject) {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Subject %q: on a trial whose log is on another node, give the subject's pseudonym (S- and 32 hex digits): only the trial's node knows subject ids.", f.Subject)
	}
	var out []Entry
	for _, x := range e.Entries {
		if x.Index < f.Offset || x.Step == nil {
			continue
		}
		if (f.Type != "" && x.Step.Type != f.Type) || (f.Subject != "" && x.Step.Subject != f.Subject) {
			continue
		}
		out = append(out, Entry{Index: x.Index, Step: *x.Step, Signature: x.Signature, LeafHash: leafHash(x.Leaf)})
		if f.Limit > 0 && len(out) >= f.Limit {
			break
		}
	}
	return out, nil
}
