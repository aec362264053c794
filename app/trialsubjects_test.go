package app

import (
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
)

func TestTrialSubjectIDs_recordedSubjectsByPseudonym(t *testing.T) {
	ctx := t.Context()
	a, c := sponsorApp(t, t.TempDir())
	defer closeApp(t, a)
	if _, err := a.RegisterTrial(ctx, c, "Aspirin after minor stroke", "NCT07654321", "protocol.pdf", strings.NewReader("%PDF protocol v1")); err != nil {
		t.Fatal(err)
	}
	es, err := a.RecordTrialSteps(ctx, c, "NCT07654321", []trials.StepInput{{Type: "consent", Subject: "S-001"}})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := a.TrialSubjectIDs(ctx, "NCT07654321")
	if err != nil {
		t.Fatal(err)
	}
	p := es[len(es)-1].Step.Subject
	if len(ids) != 1 || ids[p] != "S-001" {
		t.Errorf("subject ids %v, want %s=S-001", ids, p)
	}
	if _, err := a.TrialSubjectIDs(ctx, "NCT-nope"); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("unknown trial: %v", err)
	}
}
