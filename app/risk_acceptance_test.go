package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// Safe Harbor leaves each of Synthea's 27 patients unique (highest risk
// 100 %, threshold 20 %): the gate refuses without an acceptance, refuses
// an acceptance below the figure, and publishes with one that covers it,
// recording who and when on the card, which says so in plain words.
func TestPublish_riskAcceptance(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	alice := addr(t, a, "alice")
	req := func(acc *RiskAcceptance) PublishRequest {
		return PublishRequest{Input: patientsCSV, Preset: "safe-harbor", Title: "Whole patients", Price: ether("0.01"), Terms: hmb, AcceptRisk: acc}
	}
	_, err := a.Publish(ctx, ByAccount("alice", "pw"), req(nil))
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "highest prosecutor risk is 1, policy allows at most 0.2") ||
		!strings.Contains(err.Error(), "accept it explicitly") {
		t.Fatalf("without an acceptance: %v", err)
	}
	_, err = a.Publish(ctx, ByAccount("alice", "pw"), req(&RiskAcceptance{Risk: 0.3, Words: "fine"}))
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "accepted a highest risk of 30 %, but the release's highest risk is 100 % (threshold 20 %)") {
		t.Fatalf("accepting 30 %% of 100 %%: %v", err)
	}
	if drafts, _ := a.Drafts(ctx); len(drafts) != 0 {
		t.Fatalf("refused publishes left drafts: %+v", drafts)
	}
	before := time.Now().UTC().Truncate(time.Second)
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), req(&RiskAcceptance{Risk: 1, Words: "My own synthetic record; I accept."}))
	if err != nil {
		t.Fatal(err)
	}
	acc := p.Verdict.Accepted
	if !p.Verdict.Pass || acc == nil || acc.By != alice.Hex() || acc.At.Before(before) || acc.Highest != 1 || acc.Threshold != 0.2 {
		t.Fatalf("verdict %+v, accepted %+v", p.Verdict, acc)
	}
	if p.Report.Verdict == nil || p.Report.Verdict.Accepted == nil {
		t.Errorf("the report's verdict %+v does not record the acceptance", p.Report.Verdict)
	}
	// The card as buyers fetch it records the acceptance.
	l, err := a.Listing(ctx, p.ListingID)
	if err != nil {
		t.Fatal(err)
	}
	c := l.Card
	if c == nil || c.RiskAccepted == nil {
		t.Fatalf("listed card %+v has no risk acceptance", c)
	}
	ra := c.RiskAccepted
	if ra.By != alice.Hex() || ra.Risk != 1 || ra.Threshold != 0.2 || ra.Words != "My own synthetic record; I accept." {
		t.Errorf("card's acceptance %+v", ra)
	}
	want := "The publisher accepted a highest re-identification risk of 100 % (threshold 20 %) on " + acc.At.UTC().Format("2006-01-02") + "."
	if ra.String() != want {
		t.Errorf("card says %q, want %q", ra.String(), want)
	}
}
