package app

import (
	"context"

	"github.com/medmarket/medmarket/marketplace"
)

// Casebook returns subject's casebook in trial ref (subject: the sponsor's
// id or the pseudonym): its events and forms, each value with its
// corrections in place, queries and SDV marks, and the locks in force.
// ENOTFOUND when the subject has no entry in the trial.
func (a *App) Casebook(ctx context.Context, ref, subject string) (TrialCasebook, error) {
	t, err := a.Trial(ctx, ref)
	if err != nil {
		return TrialCasebook{}, err
	}
	first, err := a.TrialSteps(ctx, ref, StepFilter{Subject: subject, Limit: 1})
	if err != nil {
		return TrialCasebook{}, err
	}
	if len(first) == 0 {
		return TrialCasebook{}, marketplace.Errorf(marketplace.ENOTFOUND, "Subject %s has no entry in trial %s.", subject, t.Identifier)
	}
	team, steps, err := a.trialReplay(ctx, ref)
	if err != nil {
		return TrialCasebook{}, err
	}
	return BuildCasebook(t.Trial, steps, team, first[0].Step.Subject), nil
}

// TrialProgress returns trial ref's dashboard: enrolment and visit progress
// per site and subject, open queries, adverse events (serious ones
// flagged), the anchoring state and the database lock.
func (a *App) TrialProgress(ctx context.Context, ref string) (TrialDashboard, error) {
	t, err := a.Trial(ctx, ref)
	if err != nil {
		return TrialDashboard{}, err
	}
	team, steps, err := a.trialReplay(ctx, ref)
	if err != nil {
		return TrialDashboard{}, err
	}
	return BuildTrialDashboard(t, steps, team), nil
}

// trialReplay reads the team replay, then the entries: the entries cover
// at least what the replay holds (the views leave out any recorded in
// between).
func (a *App) trialReplay(ctx context.Context, ref string) (*TrialTeamState, []TrialEntry, error) {
	team, err := a.TrialTeam(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	steps, err := a.TrialSteps(ctx, ref, StepFilter{})
	if err != nil {
		return nil, nil, err
	}
	return team, steps, nil
}
