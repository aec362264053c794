package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// TrialTeam returns trial ref's log replayed: its staff and their roles
// over time, its design versions, queries and locks.
func (a *App) TrialTeam(ctx context.Context, ref string) (*TrialTeamState, error) {
	svc, t, err := a.findTrial(ctx, ref)
	if rt, ok := a.joinedTrial(ctx, ref, err); ok {
		return a.remoteTeam(rt)
	} else if err != nil {
		return nil, err
	}
	return svc.Team(ctx, t.ID)
}

// AuthorizeStaff records, signed by the sponsor who, that account g.Account
// may sign as g.Role at g.Site under the printed name g.Name.
func (a *App) AuthorizeStaff(ctx context.Context, who Actor, ref string, g marketplace.StaffGrant) (TrialEntry, error) {
	return a.recordGrant(ctx, who, ref, marketplace.StepStaffAuthorization, g, "")
}

// RevokeStaff records, signed by the sponsor who, that g's authorization
// ends, with the reason; the account's later entries are refused.
func (a *App) RevokeStaff(ctx context.Context, who Actor, ref string, g marketplace.StaffGrant, reason string) (TrialEntry, error) {
	return a.recordGrant(ctx, who, ref, marketplace.StepStaffRevocation, g, reason)
}

func (a *App) recordGrant(ctx context.Context, who Actor, ref string, typ marketplace.StepType, g marketplace.StaffGrant, reason string) (TrialEntry, error) {
	g.Name, g.Site = strings.TrimSpace(g.Name), strings.TrimSpace(g.Site)
	if typ == marketplace.StepStaffRevocation && g.Name == "" {
		// The name is the one the grant was made under.
		if tm, err := a.TrialTeam(ctx, ref); err == nil {
			for _, x := range tm.Grants(g.Account) {
				g.Name = x.Name
			}
		}
	}
	if err := g.Validate(); err != nil {
		return TrialEntry{}, err
	}
	data, err := json.Marshal(g)
	if err != nil {
		return TrialEntry{}, err
	}
	return a.recordOne(ctx, who, ref, trials.StepInput{Ref: string(typ), Type: string(typ), Data: data, Reason: reason})
}

// RaiseQuery records a monitor's or data manager's question about entry
// (and item of it, when not empty).
func (a *App) RaiseQuery(ctx context.Context, who Actor, ref string, entry uint64, item, text string) (TrialEntry, error) {
	data, err := queryText(text, true)
	if err != nil {
		return TrialEntry{}, err
	}
	return a.recordOne(ctx, who, ref, trials.StepInput{Ref: "query", Type: string(marketplace.StepQuery), Concerns: &entry, Item: item, Data: data})
}

// AnswerQuery records the site's answer to query, with correction (a step
// correcting the queried entry) first when the data was wrong: both are
// signed together, or neither.
func (a *App) AnswerQuery(ctx context.Context, who Actor, ref string, query uint64, text string, correction *StepInput) ([]TrialEntry, error) {
	data, err := queryText(text, true)
	if err != nil {
		return nil, err
	}
	var inputs []trials.StepInput
	if correction != nil {
		if correction.Ref == "" {
			correction.Ref = "correction"
		}
		inputs = append(inputs, *correction)
	}
	inputs = append(inputs, trials.StepInput{Ref: "answer", Type: string(marketplace.StepQueryAnswer), Concerns: &query, Data: data})
	return a.RecordTrialSteps(ctx, who, ref, inputs)
}

// CloseQuery records that the query is resolved (text may be empty).
func (a *App) CloseQuery(ctx context.Context, who Actor, ref string, query uint64, text string) (TrialEntry, error) {
	data, err := queryText(text, false)
	if err != nil {
		return TrialEntry{}, err
	}
	return a.recordOne(ctx, who, ref, trials.StepInput{Ref: "close", Type: string(marketplace.StepQueryClose), Concerns: &query, Data: data})
}

// MarkVerified records a monitor's source data verification of entry (or
// of one item of it).
func (a *App) MarkVerified(ctx context.Context, who Actor, ref string, entry uint64, item string) (TrialEntry, error) {
	return a.recordOne(ctx, who, ref, trials.StepInput{Ref: "sdv", Type: string(marketplace.StepSDV), Concerns: &entry, Item: item})
}

// LockCasebook locks subject's casebook (subject: the sponsor's id or the
// pseudonym) with a reason; unlock reopens it.
func (a *App) LockCasebook(ctx context.Context, who Actor, ref, subject, reason string, unlock bool) (TrialEntry, error) {
	typ := marketplace.StepCasebookLock
	if unlock {
		typ = marketplace.StepCasebookUnlock
	}
	return a.recordOne(ctx, who, ref, trials.StepInput{Ref: string(typ), Type: string(typ), Subject: subject, Reason: reason})
}

// LockTrial locks (or unlocks) the whole trial's database with a reason.
func (a *App) LockTrial(ctx context.Context, who Actor, ref, reason string, unlock bool) (TrialEntry, error) {
	typ := marketplace.StepDatabaseLock
	if unlock {
		typ = marketplace.StepDatabaseUnlock
	}
	return a.recordOne(ctx, who, ref, trials.StepInput{Ref: string(typ), Type: string(typ), Reason: reason})
}

func (a *App) recordOne(ctx context.Context, who Actor, ref string, in trials.StepInput) (TrialEntry, error) {
	es, err := a.RecordTrialSteps(ctx, who, ref, []trials.StepInput{in})
	var ie trials.InputErrors
	if errors.As(err, &ie) && len(ie) == 1 {
		// One action, one entry: its problem needs no "step 1:" in front.
		msg := strings.TrimPrefix(ie[0].Msg, "refused: ")
		return TrialEntry{}, marketplace.Errorf(marketplace.EINVALID, "Not recorded: %s.", strings.TrimSuffix(msg, "."))
	}
	if err != nil {
		return TrialEntry{}, err
	}
	return es[0], nil
}

// queryText is the data of a query, an answer or a closing.
func queryText(text string, required bool) (json.RawMessage, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "" && required:
		return nil, marketplace.Errorf(marketplace.EINVALID, "Text required: say what is asked or answered.")
	case text == "":
		return nil, nil
	case len(text) > 4000:
		return nil, marketplace.Errorf(marketplace.EINVALID, "Text is %d bytes, at most 4000 allowed.", len(text))
	}
	return json.Marshal(marketplace.QueryText{Text: text})
}

// TrialRolesOf returns what account may do in trial ref now: TrialSponsor
// for its sponsor, its staff grants, or nothing (a stranger: no forms).
func (a *App) TrialRolesOf(ctx context.Context, ref string, account common.Address) ([]marketplace.StaffGrant, error) {
	tm, err := a.TrialTeam(ctx, ref)
	if err != nil {
		return nil, err
	}
	return tm.Roles(account), nil
}
