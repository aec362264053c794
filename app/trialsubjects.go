package app

import "context"

// TrialSubjectIDs returns the subject ids this node recorded for trial ref,
// by pseudonym ("S-1e72…" -> "S-001"): the sponsor's own ids, which only
// the trial team on this node may see. Callers decide who sees them; to
// everyone else a subject is its pseudonym. ENOTFOUND when the trial is
// not known here. A trial joined from another node maps none: its
// pseudonyms are keyed on that node.
func (a *App) TrialSubjectIDs(ctx context.Context, ref string) (map[string]string, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if _, ok := a.joinedTrial(ctx, ref, err); ok {
		return map[string]string{}, nil
	} else if err != nil {
		return nil, err
	}
	return svc.SubjectIDs(ctx, t.ID)
}
