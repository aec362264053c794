package dp

import (
	"errors"
	"math/big"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// A refund gives back exactly what was spent, never more; concurrent
// spends and refunds leave the budget where the successful spends that
// were not refunded put it, never over its limits (run with -race).
func TestBudget_refundReleasesASpend(t *testing.T) {
	b, err := NewBudget(big.NewRat(1, 1), big.NewRat(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	tenth := big.NewRat(1, 10)
	if err := b.Spend("ann", tenth); err != nil {
		t.Fatal(err)
	}
	if err := b.Refund("ann", big.NewRat(2, 10)); !errors.Is(err, anonymize.ErrInvalid) {
		t.Fatalf("refund of more than spent: %v", err)
	}
	if err := b.Refund("bob", tenth); !errors.Is(err, anonymize.ErrInvalid) {
		t.Fatalf("refund to one who spent nothing: %v", err)
	}
	if err := b.Refund("ann", tenth); err != nil {
		t.Fatal(err)
	}
	if l, r := b.Remaining("ann"); l.Cmp(big.NewRat(1, 1)) != 0 || r.Cmp(big.NewRat(1, 2)) != 0 {
		t.Fatalf("after the refund: listing %s, ann %s", l.RatString(), r.RatString())
	}
	if st := b.Snapshot(); st.Spent != "0" || len(st.SpentBy) != 0 {
		t.Fatalf("snapshot after the refund: %+v", st)
	}

	// 40 requesters each try 10 spends of 1/10, refunding every other one:
	// the listing's 1 binds, and what stays spent is what was kept.
	var wg sync.WaitGroup
	var mu sync.Mutex
	kept := new(big.Rat)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := string(rune('A' + i))
			for j := range 10 {
				if b.Spend(who, tenth) != nil {
					continue
				}
				if j%2 == 0 {
					if err := b.Refund(who, tenth); err != nil {
						t.Error(err)
					}
					continue
				}
				mu.Lock()
				kept.Add(kept, tenth)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	st := b.Snapshot()
	if spent, _ := new(big.Rat).SetString(st.Spent); spent.Cmp(kept) != 0 || spent.Cmp(big.NewRat(1, 1)) > 0 {
		t.Fatalf("spent %s, kept %s", st.Spent, kept.RatString())
	}
	if _, err := RestoreBudget(st); err != nil {
		t.Fatalf("the state after refunds does not restore: %v", err)
	}
}
