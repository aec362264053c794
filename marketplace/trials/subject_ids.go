package trials

import (
	"context"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// The log holds subjects by pseudonym only, but the trial team on the node
// that recorded them knows them by the sponsor's own subject ids (S-001).
// When Record pseudonymizes a subject id, the node keeps the pair in its
// buntdb under "trialsubject:<trial hex>:<pseudonym>" = subject id, so its
// pages can show "S-001 (S-1e72…)" to the team. The pairs never leave the
// node: exports, the chain and other nodes see pseudonyms only. Previews and
// timeline filters pseudonymize too, but keep nothing.

// subjectIDKey is the buntdb key of pseudonym's subject id in trial id.
func subjectIDKey(id common.Hash, pseudonym string) string {
	return subjectIDPrefix(id) + pseudonym
}

func subjectIDPrefix(id common.Hash) string {
	return "trialsubject:" + strings.TrimPrefix(id.Hex(), "0x") + ":"
}

// saveSubjectIDs keeps, for each input whose subject was a subject id (not
// already a pseudonym), the id of the pseudonym its step holds. steps[i] is
// inputs[i]'s step. st (its mu held) remembers the pseudonyms kept since
// the process started, so a batch about known subjects writes nothing
// (and costs no second fsync).
func (s *Service) saveSubjectIDs(st *logState, id common.Hash, inputs []StepInput, steps []marketplace.Step) error {
	pairs := map[string]string{}
	for i, in := range inputs {
		subject := strings.TrimSpace(in.Subject)
		if subject == "" || marketplace.IsSubjectPseudonym(subject) || i >= len(steps) || steps[i].Subject == "" || st.subjects[steps[i].Subject] {
			continue
		}
		pairs[steps[i].Subject] = subject
	}
	if len(pairs) == 0 {
		return nil
	}

	err := s.db.Update(func(tx *buntdb.Tx) error {
		for p, subject := range pairs {
			if _, _, err := tx.Set(subjectIDKey(id, p), subject, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return marketplace.Wrap(marketplace.EINTERNAL, err, "Trial %s: keep the subject ids of %d pseudonyms", id.Hex(), len(pairs))
	}
	if st.subjects == nil {
		st.subjects = map[string]bool{}
	}
	for p := range pairs {
		st.subjects[p] = true
	}
	return nil
}

// SubjectIDs returns the subject ids this node recorded for trial id, by
// pseudonym: the sponsor's own ids, for its trial team's eyes only (callers
// decide who may see them). Subjects recorded on other nodes, or given by
// pseudonym, are absent.
func (s *Service) SubjectIDs(ctx context.Context, id common.Hash) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	prefix := subjectIDPrefix(id)
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendGreaterOrEqual("", prefix, func(k, v string) bool {
			if !strings.HasPrefix(k, prefix) {
				return false
			}
			out[strings.TrimPrefix(k, prefix)] = v
			return true
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read subject ids of trial %s: %w", id.Hex(), err)
	}
	return out, nil
}
