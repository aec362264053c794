package dp

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"

	"github.com/medmarket/medmarket/anonymize"
)

// ErrBudget is the cause of every refusal to spend: errors.Is(err,
// ErrBudget) tells the caller the query was refused, not broken.
var ErrBudget = errors.New("privacy budget exhausted")

// OverspendError is the refusal [Budget.Spend] returns: what was asked and
// what is left of the listing's and the requester's ε. It wraps [ErrBudget].
type OverspendError struct {
	Requester     string
	Asked         *big.Rat
	ListingLeft   *big.Rat
	RequesterLeft *big.Rat
}

func (e *OverspendError) Error() string {
	return fmt.Sprintf("query needs ε %s but the listing has %s of its budget remaining and requester %q has %s remaining",
		e.Asked.RatString(), e.ListingLeft.RatString(), e.Requester, e.RequesterLeft.RatString())
}

func (e *OverspendError) Unwrap() error { return ErrBudget }

// Budget accounts the ε spent on one listing: a total for the listing and
// a cap for each requester. Arithmetic is exact (big.Rat), so ten spends of
// 1/10 fill a budget of 1 exactly. It is safe for concurrent use; each
// Spend is atomic.
type Budget struct {
	mu           sync.Mutex
	total        *big.Rat
	perRequester *big.Rat
	spent        *big.Rat
	spentBy      map[string]*big.Rat
}

// NewBudget returns an unspent budget. Both limits must be positive; a
// per-requester cap above the total is allowed (the total binds).
func NewBudget(total, perRequester *big.Rat) (*Budget, error) {
	if total == nil || total.Sign() <= 0 {
		return nil, fmt.Errorf("budget: total ε %v is not positive: %w", total, anonymize.ErrInvalid)
	}
	if perRequester == nil || perRequester.Sign() <= 0 {
		return nil, fmt.Errorf("budget: per-requester ε %v is not positive: %w", perRequester, anonymize.ErrInvalid)
	}
	return &Budget{
		total:        new(big.Rat).Set(total),
		perRequester: new(big.Rat).Set(perRequester),
		spent:        new(big.Rat),
		spentBy:      map[string]*big.Rat{},
	}, nil
}

// Spend charges eps to the listing and to requester, or charges nothing
// and returns an [*OverspendError] when either would go over its limit.
// eps must be positive and requester non-empty.
func (b *Budget) Spend(requester string, eps *big.Rat) error {
	if requester == "" {
		return fmt.Errorf("budget: requester is empty: %w", anonymize.ErrInvalid)
	}
	if eps == nil || eps.Sign() <= 0 {
		return fmt.Errorf("budget: ε %v is not positive: %w", eps, anonymize.ErrInvalid)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	listingLeft, requesterLeft := b.remaining(requester)
	if eps.Cmp(listingLeft) > 0 || eps.Cmp(requesterLeft) > 0 {
		return &OverspendError{Requester: requester, Asked: new(big.Rat).Set(eps),
			ListingLeft: listingLeft, RequesterLeft: requesterLeft}
	}
	b.spent.Add(b.spent, eps)
	if b.spentBy[requester] == nil {
		b.spentBy[requester] = new(big.Rat)
	}
	b.spentBy[requester].Add(b.spentBy[requester], eps)
	return nil
}

// Remaining returns the ε left of the listing and of requester's cap (the
// requester's is what its cap allows, even when the listing has less).
func (b *Budget) Remaining(requester string) (listing, forRequester *big.Rat) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.remaining(requester)
}

func (b *Budget) remaining(requester string) (listing, forRequester *big.Rat) {
	listing = new(big.Rat).Sub(b.total, b.spent)
	forRequester = new(big.Rat).Set(b.perRequester)
	if s := b.spentBy[requester]; s != nil {
		forRequester.Sub(forRequester, s)
	}
	return listing, forRequester
}

// BudgetState is a [Budget]'s state in a form a store can keep: every ε as
// an exact fraction string ("3/10"), requesters sorted.
type BudgetState struct {
	Total        string
	PerRequester string
	Spent        string
	SpentBy      []RequesterSpend
}

// RequesterSpend is the ε one requester has spent.
type RequesterSpend struct {
	Requester string
	Spent     string
}

// Snapshot returns the budget's state, consistent as of one instant.
func (b *Budget) Snapshot() BudgetState {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := BudgetState{Total: b.total.RatString(), PerRequester: b.perRequester.RatString(), Spent: b.spent.RatString()}
	for r, s := range b.spentBy {
		st.SpentBy = append(st.SpentBy, RequesterSpend{Requester: r, Spent: s.RatString()})
	}
	sort.Slice(st.SpentBy, func(i, j int) bool { return st.SpentBy[i].Requester < st.SpentBy[j].Requester })
	return st
}

// RestoreBudget rebuilds a budget from a [BudgetState]. It refuses a state
// whose numbers do not parse, whose spends are negative, or whose
// requesters' spends do not add up to the listing's.
func RestoreBudget(st BudgetState) (*Budget, error) {
	total, err := parseEps("total", st.Total)
	if err != nil {
		return nil, err
	}
	per, err := parseEps("per-requester", st.PerRequester)
	if err != nil {
		return nil, err
	}
	b, err := NewBudget(total, per)
	if err != nil {
		return nil, err
	}
	if b.spent, err = parseEps("spent", st.Spent); err != nil {
		return nil, err
	}
	sum := new(big.Rat)
	for _, rs := range st.SpentBy {
		s, err := parseEps("spent by "+rs.Requester, rs.Spent)
		if err != nil {
			return nil, err
		}
		if _, dup := b.spentBy[rs.Requester]; dup || rs.Requester == "" {
			return nil, fmt.Errorf("budget state: requester %q is empty or listed twice: %w", rs.Requester, anonymize.ErrInvalid)
		}
		b.spentBy[rs.Requester] = s
		sum.Add(sum, s)
	}
	if sum.Cmp(b.spent) != 0 {
		return nil, fmt.Errorf("budget state: requesters' spends add up to %s, not the listing's %s: %w",
			sum.RatString(), b.spent.RatString(), anonymize.ErrInvalid)
	}
	return b, nil
}

func parseEps(field, s string) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() < 0 {
		return nil, fmt.Errorf("budget state: %s ε %q is not a non-negative number: %w", field, s, anonymize.ErrInvalid)
	}
	return r, nil
}

// Refund gives back eps that Spend charged to requester, when what it was
// spent on was not delivered (the answer failed or could not be recorded):
// a reservation released. It refuses (anonymize.ErrInvalid, changing
// nothing) to give back more than requester has spent.
func (b *Budget) Refund(requester string, eps *big.Rat) error {
	if eps == nil || eps.Sign() <= 0 {
		return fmt.Errorf("budget: refund ε %v is not positive: %w", eps, anonymize.ErrInvalid)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.spentBy[requester]
	if s == nil || s.Cmp(eps) < 0 {
		return fmt.Errorf("budget: refund of ε %s to %q, who spent less: %w", eps.RatString(), requester, anonymize.ErrInvalid)
	}
	s.Sub(s, eps)
	if s.Sign() == 0 {
		delete(b.spentBy, requester)
	}
	b.spent.Sub(b.spent, eps)
	return nil
}
