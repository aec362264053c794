package frontend

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/app"
)

// TestBrowser_pool: alice creates a pool (k = 2, the default pipeline for
// Synthea patients), two 1960s women (Synthea rows 16 and 5) each see
// what joining shares and join with their own records file, alice sees
// both kept over the union and releases version 1, a researcher buys it,
// alice posts a payout round, and the first patient sees the version
// holding her records and what she can claim. Screenshots:
// pools-patient.png, pools-operator.png (and pools-join.png, the
// disclosure).
func TestBrowser_pool(t *testing.T) {
	if testing.Short() {
		t.Skip("a pool's whole life in a browser")
	}
	rows := patientRows(t, 16, 5)
	ctx, problems := newBrowser(t)
	f := newPoolFixture(t)
	ctx, cancel := context.WithTimeout(ctx, 180*time.Second)
	defer cancel()
	dir := t.TempDir()
	files := make([]string, len(rows))
	for i, r := range rows {
		files[i] = filepath.Join(dir, []string{"pat1.csv", "pat2.csv"}[i])
		if err := os.WriteFile(files[i], r, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	browserSignIn(t, ctx, f.srv.URL, "alice", operatePath)
	runSteps(t, ctx, "create the pool",
		browserStep{"form", chromedp.WaitVisible(`#create-pool-form`)},
		browserStep{"name", chromedp.SetValue(`#pool-name`, "Synthea adults, Massachusetts")},
		browserStep{"description", chromedp.SetValue(`#pool-description`, "Synthetic patients of one state, pooled for research.")},
		browserStep{"k", chromedp.SetValue(`#pool-k`, "2")},
		browserStep{"submit", jsClick(`#create-pool-button`)},
		browserStep{"pool page", chromedp.WaitVisible(`#pool-contract`)},
	)
	pool := must(chromedp.Run(ctx, chromedp.Text(`#pool-contract`)))(t)
	card := "#pool-" + pool

	for i, name := range []string{"pat1", "pat2"} {
		browserSignIn(t, ctx, f.srv.URL, name, poolsPath+"?hub="+url.QueryEscape(f.hub))
		runSteps(t, ctx, name+" joins",
			browserStep{"pool listed", chromedp.WaitVisible(card)},
			browserStep{"file", chromedp.SetUploadFiles(card+` input[name=file]`, []string{files[i]})},
			browserStep{"preview", jsClick(card + ` .preview-button`)},
			browserStep{"disclosure", chromedp.WaitVisible(`#disclosure`)},
		)
		if i == 0 {
			text := must(chromedp.Run(ctx, chromedp.Text(`#disclosure`)))(t)
			for _, w := range []string{"BIRTHDATE", "1960", "SSN", "GENDER=F", "k = 2", "stay licensed to their buyers"} {
				if !strings.Contains(text, w) {
					t.Errorf("the disclosure does not say %q: %s", w, text)
				}
			}
			saveScreenshot(t, ctx, "pools-join.png")
		}
		runSteps(t, ctx, name+" confirms",
			browserStep{"consent", jsClick(`#join-consent`)},
			browserStep{"passphrase", chromedp.SetValue(`#join-passphrase`, name+"-pass")},
			browserStep{"join", jsClick(`#join-pool-button`)},
			browserStep{"joined", chromedp.WaitVisible(`#my-pool-` + pool)},
		)
	}

	browserSignIn(t, ctx, f.srv.URL, "alice", operatePath+pool+"/")
	runSteps(t, ctx, "release",
		browserStep{"both kept", chromedp.WaitVisible(`//p[@id="union-summary"][contains(., "2 kept, 0 waiting")]`)},
		browserStep{"release", jsClick(`#release-button`)},
		browserStep{"released", chromedp.WaitVisible(`//p[@id="pool-message"][contains(., "Version 1 released with 2 patients")]`)},
	)
	op, err := f.a.OperatedPoolOf(t.Context(), common.HexToAddress(pool))
	if err != nil || len(op.Versions) != 1 {
		t.Fatalf("versions %+v, %v", op.Versions, err)
	}
	if _, err := f.a.Buy(t.Context(), app.ByAccount("bob", "bob-pass"), op.Versions[0].ListingID, app.BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	runSteps(t, ctx, "payout",
		browserStep{"payout", jsClick(`#payout-button`)},
		browserStep{"posted", chromedp.WaitVisible(`//p[@id="pool-message"][contains(., "Payout round 1 posted")]`)},
	)
	if cur := must(chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#nav a[aria-current]")].map(a => a.getAttribute("href"))`)))(t); len(cur) != 1 || cur[0] != poolsPath {
		t.Errorf("current sections %v, want Pools only", cur)
	}
	if loc := must(chromedp.Run(ctx, chromedp.Location()))(t); loc != f.srv.URL+operatePath+pool+"/" {
		t.Errorf("after the payout the address bar shows %s, not the pool's page", loc)
	}
	saveScreenshot(t, ctx, "pools-operator.png")

	browserSignIn(t, ctx, f.srv.URL, "pat1", poolsPath)
	runSteps(t, ctx, "pat1's pools",
		browserStep{"version 1", chromedp.WaitVisible(`//p[@class="pool-versions"][contains(., "Versions holding your records:")]/a[@class="pool-version"][contains(., "version 1")]`)},
		browserStep{"claimable", chromedp.WaitVisible(`//button[@class="claim-button"][contains(., "Claim 0.00475 ETH")]`)},
	)
	saveScreenshot(t, ctx, "pools-patient.png")
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}
