package pools

import (
	"math/big"
)

// RoundCheck is the outcome of checking a posted payout round against the pool's log and the
// chain's sales: OK, or exactly what differs.
type RoundCheck struct {
	Round uint64
	// Root and Total are what the operator posted; ComputedRoot and ComputedTotal what this node
	// computes from the log and the sales up to the round's block.
	Root, ComputedRoot   [32]byte
	Total, ComputedTotal *big.Int
	// Discrepancies are the contributors whose published entitlement differs from the computed
	// one (only when published entitlements were given).
	Discrepancies []Discrepancy
	OK            bool
}

// VerifyRound recomputes the entitlements of round r from st and the sales up to r.UpToBlock,
// builds their payout tree, and compares its root and total with r's; when published is not nil
// (the entitlements the operator publishes beside the root), it also names each contributor whose
// published entitlement differs. No entitlements at all compute to the zero root and a zero total.
// An error means the inputs could not be used (Entitlements' errors), not that the round is wrong.
func VerifyRound(st *State, r *Round, sales []Sale, published []Entitlement) (RoundCheck, error) {
	computed, err := Entitlements(st, sales, r.UpToBlock)
	if err != nil {
		return RoundCheck{}, err
	}
	check := RoundCheck{Round: r.Number, Root: r.Root, Total: r.Total, ComputedTotal: new(big.Int)}
	if len(computed) > 0 {
		tree, err := BuildTree(computed)
		if err != nil {
			return RoundCheck{}, err
		}
		check.ComputedRoot, check.ComputedTotal = tree.Root(), tree.Total()
	}
	if published != nil {
		check.Discrepancies = Compare(computed, published)
	}
	check.OK = check.Root == check.ComputedRoot && r.Total != nil && r.Total.Cmp(check.ComputedTotal) == 0 &&
		len(check.Discrepancies) == 0
	return check, nil
}
