package app

import (
	"context"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// TestBuy_concurrentBuysByOneAccountAllSucceed: 20 buys (renewals) of one
// listing sent at once by one account all succeed, queued by the chain
// layer instead of clashing on the account's nonce.
func TestBuy_concurrentBuysByOneAccountAllSucceed(t *testing.T) {
	ctx := context.Background()
	a, p, sg := listedWithBobUnlocked(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.Buy(ctx, BySigner(sg), p.ListingID, BuyConfirmation{AcceptTerms: true})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			t.Errorf("concurrent buy: %v", err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d concurrent buys failed", failed, n)
	}
	l, err := a.Listing(ctx, p.ListingID)
	if err != nil || l.Sales != n {
		t.Fatalf("listing after %d buys: %d sales, %v", n, l.Sales, err)
	}
}

// listedWithBobUnlocked is a market app with a listing of patients (30
// days, one seat) and bob's signer unlocked for the whole test, so that
// the test's concurrent calls share one account's transaction queue.
func listedWithBobUnlocked(t *testing.T) (*App, Published, *vault.Signer) {
	t.Helper()
	a := marketApp(t, t.TempDir())
	p := publishPatients(t, a, marketplace.Terms{Use: marketplace.HMB, DurationDays: 30, Seats: 1}, nil)
	sg, release, err := a.signer(context.Background(), ByAccount("bob", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return a, p, sg
}
