package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
)

// The wizard's Safe Harbor counts ages at the app's clock: the same birth
// year is 90+ on one day and kept 90 years earlier.
func TestPreviewAnonymization_countsAgesAtTheAppClock(t *testing.T) {
	csv := "id,birthdate,gender,condition\np1,1925-09-03,F,asthma\np2,1970-01-02,M,diabetes\n"
	run := func(now time.Time) []string {
		a := &App{now: func() time.Time { return now }}
		owner := common.Address{1}
		p, err := a.PreviewAnonymization(t.Context(), PreviewRequest{Reader: strings.NewReader(csv), Name: "p.csv", Preset: "safe-harbor", Owner: owner})
		if err != nil {
			t.Fatal(err)
		}
		kept, ok := a.previews.get(now, owner, p.ID)
		if !ok {
			t.Fatalf("dry run %q not kept for its owner", p.ID)
		}
		return kept.result.Table.Column("birthdate").Values()
	}
	if got := run(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{anonymize.Over89, "1970"}) {
		t.Errorf("in 2025: birth years %v, want [90+ 1970]", got)
	}
	if got := run(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"1925", "1970"}) {
		t.Errorf("in 2000: birth years %v, want [1925 1970]", got)
	}
}
