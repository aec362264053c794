package pools

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// Candidate is a contribution offered to a release: its contributor, how many records it holds
// after the pool's pipeline ran on the patient's node, and the patient's quasi-identifiers as
// that pipeline generalized them (patient-level: one tuple per contribution, in the
// configuration's column order).
type Candidate struct {
	Account          common.Address
	Contribution     [32]byte
	Records          int
	QuasiIdentifiers []string
}

// CheckUnion enforces k-anonymity over the union of the candidates: candidates are grouped by
// their quasi-identifier tuple, and a group of fewer than k patients waits for a later version,
// with a reason its patients understand; so does a contribution with no records. kept is sorted
// by account, as a Release's Members; waiting is sorted by account too. One candidate per account
// (a member's current contribution).
func CheckUnion(cands []Candidate, k int) (kept []Member, waiting []Waiting) {
	groups := map[string]int{}
	for _, c := range cands {
		if c.Records > 0 {
			groups[qiKey(c.QuasiIdentifiers)]++
		}
	}
	for _, c := range cands {
		if c.Records < 1 {
			waiting = append(waiting, Waiting{Account: c.Account, Contribution: c.Contribution,
				Reason: "your contribution holds no records after the pool's anonymization: it waits for a new contribution"})
			continue
		}
		if n := groups[qiKey(c.QuasiIdentifiers)]; n < k {
			waiting = append(waiting, Waiting{Account: c.Account, Contribution: c.Contribution, Reason: smallGroupReason(n, k)})
			continue
		}
		kept = append(kept, Member{Account: c.Account, Contribution: c.Contribution, Records: c.Records})
	}
	slices.SortFunc(kept, compareMembers)
	slices.SortFunc(waiting, func(a, b Waiting) int { return bytes.Compare(a.Account[:], b.Account[:]) })
	return kept, waiting
}

// qiKey is a tuple's key: each value quoted, so that no two tuples share one.
func qiKey(qi []string) string {
	var b strings.Builder
	for _, v := range qi {
		b.WriteString(strconv.Quote(v))
	}
	return b.String()
}

// smallGroupReason tells a patient why their records wait.
func smallGroupReason(n, k int) string {
	patients := "patients"
	if n == 1 {
		patients = "patient"
	}
	return fmt.Sprintf("your records fall in a group of %d %s, fewer than the pool's k = %d: they wait for the next version", n, patients, k)
}
