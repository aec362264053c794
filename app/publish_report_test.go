package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// TestPublish_refusesAReportTooLargeForTheCard: an anonymization report
// larger than a card holds is not dropped from the card in silence: the
// publish is refused, naming the report's size and the limit, and nothing is
// listed.
func TestPublish_refusesAReportTooLargeForTheCard(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	alice := addr(t, a, "alice")
	p, err := a.PreviewAnonymization(ctx, PreviewRequest{Path: patientsCSV, Preset: "safe-harbor-k5", Owner: alice})
	if err != nil {
		t.Fatal(err)
	}
	req := PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5", Title: "Wide report", Tags: []string{"synthea"},
		DataTypes: []string{"patients"}, Price: ether("0.01"), Terms: hmb, Preview: p.ID}
	kept, _ := a.previews.get(a.now(), alice, p.ID)
	res := kept.result
	// A report as a very wide table gives: many hundreds of KiB.
	for i := range 3000 {
		res.Report.Warnings = append(res.Report.Warnings, fmt.Sprintf("column_%d: %s", i, strings.Repeat("x", 200)))
	}
	_, err = a.Publish(ctx, ByAccount("alice", "pw"), req)
	if marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("publish with a %d-warning report: %v; want EINVALID", len(res.Report.Warnings), err)
	}
	msg := marketplace.ErrorMessage(err)
	if !strings.Contains(msg, fmt.Sprint(marketplace.MaxCardReportBytes)) || !strings.Contains(msg, "report is ") {
		t.Errorf("refusal %q does not name the report's size and the limit", msg)
	}
	if ls, n, err := a.Search(ctx, marketplace.CatalogFilter{}); err != nil || n != 0 {
		t.Errorf("catalog after the refused publish: %d listings (%v), %v", n, ls, err)
	}
}
