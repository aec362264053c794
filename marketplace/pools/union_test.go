package pools

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// candidates returns n candidates (accounts first+1 .. first+n) sharing one quasi-identifier tuple.
func candidates(first, n int, qi ...string) []Candidate {
	out := make([]Candidate, n)
	for i := range out {
		a := common.BigToAddress(big.NewInt(int64(first + i + 1)))
		out[i] = Candidate{Account: a, Contribution: contribution(first+i, 0), Records: 3, QuasiIdentifiers: qi}
	}
	return out
}

func TestCheckUnion_groupOfKIsKeptGroupOfKMinusOneWaits(t *testing.T) {
	const k = 5
	var cands []Candidate
	cands = append(cands, candidates(0, k, "40-49", "F")...)     // k: kept
	cands = append(cands, candidates(100, k-1, "40-49", "M")...) // k-1: waits
	cands = append(cands, candidates(200, 1, "90-99", "F")...)   // 1: waits
	// Reverse so the result's order must come from sorting.
	for i, j := 0, len(cands)-1; i < j; i, j = i+1, j-1 {
		cands[i], cands[j] = cands[j], cands[i]
	}
	kept, waiting := CheckUnion(cands, k)
	if len(kept) != k || len(waiting) != k {
		t.Fatalf("%d kept, %d waiting; want %d and %d", len(kept), len(waiting), k, k)
	}
	for i, m := range kept {
		if want := common.BigToAddress(big.NewInt(int64(i + 1))); m.Account != want || m.Records != 3 {
			t.Errorf("kept[%d] = %s with %d records, want %s with 3", i, m.Account.Hex(), m.Records, want.Hex())
		}
	}
	for i, w := range waiting {
		if i > 0 && waiting[i-1].Account.Cmp(w.Account) >= 0 {
			t.Error("waiting not sorted by account")
		}
	}
	if want := "your records fall in a group of 4 patients, fewer than the pool's k = 5: they wait for the next version"; waiting[0].Reason != want {
		t.Errorf("reason %q, want %q", waiting[0].Reason, want)
	}
	if want := "a group of 1 patient,"; !strings.Contains(waiting[4].Reason, want) {
		t.Errorf("reason %q, want %q", waiting[4].Reason, want)
	}
}

func TestCheckUnion_tuplesDoNotRunTogether(t *testing.T) {
	// ("a", "bc") and ("ab", "c") are different groups, though their values concatenate alike.
	cands := append(candidates(0, 1, "a", "bc"), candidates(1, 1, "ab", "c")...)
	if kept, _ := CheckUnion(cands, 2); len(kept) != 0 {
		t.Errorf("kept %v", kept)
	}
}

func TestCheckUnion_contributionWithoutRecordsWaitsAndDoesNotCount(t *testing.T) {
	cands := candidates(0, 3, "x")
	cands[0].Records = 0
	kept, waiting := CheckUnion(cands, 3)
	if len(kept) != 0 || len(waiting) != 3 {
		t.Fatalf("%d kept, %d waiting; want 0 and 3 (two patients with records are fewer than k = 3)", len(kept), len(waiting))
	}
	if !strings.Contains(waiting[0].Reason, "no records") {
		t.Errorf("reason %q", waiting[0].Reason)
	}
}
