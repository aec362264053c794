package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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

// Correction is the step that corrects item of entry e (of subject's
// casebook) to value, typed as a person would ("18.5", "yes", a choice's
// code), with the reason for the change: the step a site records with its
// answer to a query. The value is checked against the design's item when
// the entry was made through a form (EINVALID naming the item).
func (e CasebookEntry) Correction(subject, item, value, reason string) (StepInput, error) {
	value, reason = strings.TrimSpace(value), strings.TrimSpace(reason)
	if reason == "" {
		return StepInput{}, marketplace.Errorf(marketplace.EINVALID, "Reason for change required: say why %s of entry %d is corrected.", item, e.Index)
	}
	var def *marketplace.ItemDef
	for _, v := range e.Values {
		if v.Item == item {
			def = v.Def
		}
	}
	var raw json.RawMessage
	switch {
	case def != nil:
		var msg string
		if raw, msg = def.Parse(value); msg != "" {
			return StepInput{}, marketplace.Errorf(marketplace.EINVALID, "%s (%s): %s.", def.Label, item, msg)
		}
	case isJSONNumber(value):
		raw = json.RawMessage(value)
	default:
		raw, _ = json.Marshal(value)
	}
	items := map[string]json.RawMessage{item: raw}
	var data any = items
	if e.Form != "" {
		data = marketplace.FormData{Design: e.Design, Event: e.Event, Form: e.Form, Items: items}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return StepInput{}, fmt.Errorf("correction of entry %d: %w", e.Index, err)
	}
	at := e.Index
	return StepInput{Ref: "correction", Type: string(e.Type), Subject: subject, Data: b, Corrects: &at, Reason: reason}, nil
}

func isJSONNumber(s string) bool {
	var n json.Number
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	return d.Decode(&n) == nil && !d.More()
}
