package dp

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// 100 goroutines spend at once (run with -race): 20 requesters, 5
// requests each of ε = 3/10, a per-requester cap of 1 and a listing total
// of 10. Each requester can afford 3 (0.9); 20 × 0.9 = 18 is above the
// total, so the listing's limit binds too. The accepted spends add up to
// at most the total, no requester goes over its cap, the state adds up,
// and every refusal names both remaining budgets.
func TestBudget_neverExceededUnderConcurrentSpends(t *testing.T) {
	total, per, eps := big.NewRat(10, 1), big.NewRat(1, 1), big.NewRat(3, 10)
	b, err := NewBudget(total, per)
	if err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = b.Spend(fmt.Sprintf("requester-%02d", i%20), eps)
		}()
	}
	close(start)
	wg.Wait()

	accepted := new(big.Rat)
	byRequester := map[string]*big.Rat{}
	refused := 0
	for i, err := range errs {
		r := fmt.Sprintf("requester-%02d", i%20)
		if err == nil {
			accepted.Add(accepted, eps)
			if byRequester[r] == nil {
				byRequester[r] = new(big.Rat)
			}
			byRequester[r].Add(byRequester[r], eps)
			continue
		}
		refused++
		var over *OverspendError
		if !errors.As(err, &over) || !errors.Is(err, ErrBudget) {
			t.Fatalf("refusal %v is not an OverspendError wrapping ErrBudget", err)
		}
		if over.Requester != r || !strings.Contains(err.Error(), "listing has") ||
			!strings.Contains(err.Error(), over.ListingLeft.RatString()) ||
			!strings.Contains(err.Error(), fmt.Sprintf("requester %q has %s remaining", r, over.RequesterLeft.RatString())) {
			t.Errorf("refusal %q does not name the listing's and the requester's remaining budget", err)
		}
		if eps.Cmp(over.ListingLeft) <= 0 && eps.Cmp(over.RequesterLeft) <= 0 {
			t.Errorf("refused %s although listing had %s and requester %s", eps.RatString(), over.ListingLeft.RatString(), over.RequesterLeft.RatString())
		}
	}
	if accepted.Cmp(total) > 0 {
		t.Fatalf("accepted spends add up to %s, above the total %s", accepted.RatString(), total.RatString())
	}
	// The listing fills: 33 spends of 3/10 = 9.9; the 34th would pass 10.
	if want := big.NewRat(99, 10); accepted.Cmp(want) != 0 {
		t.Errorf("accepted %s, want %s (the total fills to within one spend)", accepted.RatString(), want.RatString())
	}
	for r, s := range byRequester {
		if s.Cmp(per) > 0 {
			t.Errorf("%s spent %s, above its cap %s", r, s.RatString(), per.RatString())
		}
	}
	st := b.Snapshot()
	if st.Spent != accepted.RatString() {
		t.Errorf("snapshot says %s spent, the accepted spends add up to %s", st.Spent, accepted.RatString())
	}
	t.Logf("%d accepted (ε %s), %d refused", 100-refused, accepted.RatString(), refused)
}

// Exact arithmetic: ten spends of 1/10 fill a budget of 1 exactly (in
// float64, 0.1 added ten times is 0.9999999999999999 and an eleventh
// would slip through).
func TestBudget_exactArithmetic(t *testing.T) {
	b, err := NewBudget(big.NewRat(1, 1), big.NewRat(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	tenth, _ := new(big.Rat).SetString("0.1")
	for i := range 10 {
		if err := b.Spend("r", tenth); err != nil {
			t.Fatalf("spend %d refused: %v", i+1, err)
		}
	}
	err = b.Spend("r", big.NewRat(1, 1_000_000))
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("spend past a full budget: %v, want ErrBudget", err)
	}
	want := `query needs ε 1/1000000 but the listing has 0 of its budget remaining and requester "r" has 0 remaining`
	if err.Error() != want {
		t.Errorf("refusal %q, want %q", err, want)
	}
}

func TestBudget_perRequesterCapLeavesOthersTheirShare(t *testing.T) {
	b, err := NewBudget(big.NewRat(3, 1), big.NewRat(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Spend("alice", big.NewRat(1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Spend("alice", big.NewRat(1, 2)); !errors.Is(err, ErrBudget) {
		t.Fatalf("alice over her cap: %v, want ErrBudget", err)
	}
	if err := b.Spend("bob", big.NewRat(1, 2)); err != nil {
		t.Fatalf("bob within his cap: %v", err)
	}
	listing, bob := b.Remaining("bob")
	if listing.Cmp(big.NewRat(3, 2)) != 0 || bob.Cmp(big.NewRat(1, 2)) != 0 {
		t.Errorf("remaining listing %s, bob %s; want 3/2 and 1/2", listing.RatString(), bob.RatString())
	}
}

func TestBudget_snapshotRestoreRoundTrip(t *testing.T) {
	b, err := NewBudget(big.NewRat(5, 1), big.NewRat(2, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		r   string
		eps *big.Rat
	}{{"bob", big.NewRat(1, 3)}, {"alice", big.NewRat(3, 2)}, {"bob", big.NewRat(1, 7)}} {
		if err := b.Spend(s.r, s.eps); err != nil {
			t.Fatal(err)
		}
	}
	st := b.Snapshot()
	back, err := RestoreBudget(st)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Snapshot(); fmt.Sprint(got) != fmt.Sprint(st) {
		t.Errorf("restored %+v, want %+v", got, st)
	}
	if err := back.Spend("alice", big.NewRat(1, 2)); err != nil {
		t.Errorf("alice's last 1/2 refused after restore: %v", err)
	}
	if err := back.Spend("alice", big.NewRat(1, 100)); !errors.Is(err, ErrBudget) {
		t.Errorf("alice past her cap after restore: %v, want ErrBudget", err)
	}
}

func TestRestoreBudget_refusesBadState(t *testing.T) {
	good := BudgetState{Total: "5", PerRequester: "2", Spent: "1", SpentBy: []RequesterSpend{{"a", "1/2"}, {"b", "1/2"}}}
	for name, mutate := range map[string]func(*BudgetState){
		"total not a number": func(s *BudgetState) { s.Total = "lots" },
		"negative spend":     func(s *BudgetState) { s.SpentBy[0].Spent = "-1/2"; s.SpentBy[1].Spent = "3/2" },
		"spends do not add":  func(s *BudgetState) { s.Spent = "2" },
		"requester twice":    func(s *BudgetState) { s.SpentBy[1].Requester = "a" },
		"zero per-requester": func(s *BudgetState) { s.PerRequester = "0" },
		"empty requester":    func(s *BudgetState) { s.SpentBy[0].Requester = "" },
	} {
		st := good
		st.SpentBy = append([]RequesterSpend(nil), good.SpentBy...)
		mutate(&st)
		if _, err := RestoreBudget(st); !errors.Is(err, anonymize.ErrInvalid) {
			t.Errorf("%s: %v, want an error wrapping ErrInvalid", name, err)
		}
	}
	if _, err := RestoreBudget(good); err != nil {
		t.Errorf("good state refused: %v", err)
	}
}

func TestBudget_refusesInvalidSpends(t *testing.T) {
	b, err := NewBudget(big.NewRat(1, 1), big.NewRat(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Spend("", big.NewRat(1, 2)); !errors.Is(err, anonymize.ErrInvalid) {
		t.Errorf("empty requester: %v", err)
	}
	if err := b.Spend("r", new(big.Rat)); !errors.Is(err, anonymize.ErrInvalid) {
		t.Errorf("zero ε: %v", err)
	}
	if _, err := NewBudget(new(big.Rat), big.NewRat(1, 1)); !errors.Is(err, anonymize.ErrInvalid) {
		t.Errorf("zero total: %v", err)
	}
}
