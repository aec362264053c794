package app

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// poolPipeline is a pool's pipeline for Synthea patients.csv rows:
// birth date to its decade and gender are the quasi-identifiers, Safe
// Harbor removes the identifiers.
const poolPipeline = `
suggest_roles: false
columns:
  BIRTHDATE: {role: quasi-identifier, hierarchy: {auto: date}}
  GENDER: {role: quasi-identifier}
  Id: {role: direct-identifier}
transforms:
  - name: generalize
    levels: {BIRTHDATE: 3}
  - name: safe-harbor
`

// patientFiles writes one CSV file per patient of the Synthea export
// (rows, 1-based, of patients.csv): each patient's own record.
func patientFiles(t testing.TB, rows ...int) []string {
	t.Helper()
	b, err := os.ReadFile(patientsCSV)
	if os.IsNotExist(err) {
		t.Skip("../shared/data absent: the Synthea export is needed")
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	dir := t.TempDir()
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = filepath.Join(dir, fmt.Sprintf("patient-%02d.csv", r))
		if err := os.WriteFile(out[i], []byte(lines[0]+"\n"+lines[r]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func poolRequest(t testing.TB, k int) PoolRequest {
	t.Helper()
	cfg, err := anonymize.LoadConfig(strings.NewReader(poolPipeline))
	if err != nil {
		t.Fatal(err)
	}
	return PoolRequest{Name: "Synthea adults, Massachusetts", Description: "Patients of one synthetic state, pooled.", FeeBasisPoints: 500,
		Pipeline: cfg, K: k, Price: ether("0.01"), Terms: hmb}
}

// poolHub opens an embedded node (alice, bob, carol funded) serving its
// provider API as a pool's hub, and returns it with the hub's URL.
func poolHub(t *testing.T) (*App, string) {
	t.Helper()
	a := marketApp(t, t.TempDir())
	if _, _, err := a.ready(); err != nil {
		t.Fatal(err)
	}
	hub := httptest.NewServer(a.ProviderHandler())
	t.Cleanup(hub.Close)
	if err := a.SetPublicURL(hub.URL); err != nil {
		t.Fatal(err)
	}
	return a, hub.URL
}

// joinPatients makes an account patient<i> on a for each file, which joins
// pool with it; it returns the accounts.
func joinPatients(t *testing.T, a *App, hub string, pool common.Address, files []string) []common.Address {
	t.Helper()
	var out []common.Address
	for i, f := range files {
		name := fmt.Sprintf("patient%d", i)
		acct, err := a.CreateAccount(context.Background(), name, "pw")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.JoinPool(context.Background(), ByAccount(name, "pw"), PoolJoinRequest{Hub: hub, Pool: pool, Path: f, ConfigVersion: 1}); err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
		out = append(out, acct.Address)
	}
	return out
}

// TestPool_joinReleaseSellPayClaimWithdraw runs a pool's life on one
// embedded node: alice operates it, six patients join from their records,
// k = 2 over the union keeps four and tells two why they wait, the
// version sells twice, the payout round pays every share (one patient
// claims for itself, the hub claims for the others), a patient withdraws
// and the next version leaves them out, and the pool verifies.
func TestPool_joinReleaseSellPayClaimWithdraw(t *testing.T) {
	ctx := context.Background()
	// Rows: 1960s F (16, 5), 1960s M (18, 19), 1950s F (23), 1940s M (9).
	files := patientFiles(t, 16, 5, 18, 19, 23, 9)
	a, hub := poolHub(t)
	cfg, err := a.CreatePool(ctx, ByAccount("alice", "pw"), poolRequest(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	pool := cfg.Contract
	prev, err := a.PreviewPoolJoin(ctx, PoolJoinRequest{Hub: hub, Pool: pool, Path: files[0], ConfigVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkDisclosure(t, prev.Disclosure)
	patients := joinPatients(t, a, hub, pool, files)

	u, err := a.CheckPoolUnion(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Kept) != 4 || len(u.Waiting) != 2 || !strings.Contains(u.Waiting[0].Reason, "fewer than") {
		t.Fatalf("union: kept %d, waiting %+v", len(u.Kept), u.Waiting)
	}
	v1 := releaseAndSell(t, a, pool, 4, "bob", "carol")

	firstPayout(t, a, pool, ether("0.02"))
	claimEveryShare(t, a, pool, patients, ether("0.02"))

	st, err := a.PoolStandingOf(ctx, "", pool, patients[0])
	if err != nil {
		t.Fatal(err)
	}
	if !st.Active || len(st.Versions) != 1 || st.Round != 1 || st.Claimable.Sign() != 0 || st.Claimed.Sign() == 0 {
		t.Fatalf("standing %+v", st)
	}

	v2 := withdrawThenRelease(t, a, pool, patients)
	check, err := a.VerifyPool(ctx, "", pool)
	if err != nil || !check.OK() || len(check.Rounds) != 1 || check.OnChain != 1 || v1.Listing == v2.Listing {
		t.Fatalf("verify: %+v, %v", check, err)
	}
}

// firstPayout posts round 1 (the sales, all collected) and checks that a
// second round with nothing sold since, and a stranger's, are refused.
func firstPayout(t *testing.T, a *App, pool common.Address, sales *big.Int) {
	t.Helper()
	ctx := context.Background()
	pay, err := a.PostPoolPayout(ctx, ByAccount("alice", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if pay.Round.Number != 1 || pay.Round.Total.Cmp(sales) != 0 || pay.Collected.Cmp(sales) != 0 {
		t.Fatalf("payout %+v", pay)
	}
	if _, err := a.PostPoolPayout(ctx, ByAccount("alice", "pw"), pool); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("a second payout with no sale since: %v", err)
	}
	if _, err := a.PostPoolPayout(ctx, ByAccount("bob", "pw"), pool); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("a payout by a stranger: %v", err)
	}
}

// withdrawThenRelease: patient1 withdraws; without her, patient0 is the
// only 1960s woman, so version 2 holds the two 1960s men and tells
// patient0 why she waits.
func withdrawThenRelease(t *testing.T, a *App, pool common.Address, patients []common.Address) PoolRelease {
	t.Helper()
	ctx := context.Background()
	if _, err := a.WithdrawFromPool(ctx, ByAccount("patient1", "pw"), pool); err != nil {
		t.Fatal(err)
	}
	v2, err := a.ReleasePool(ctx, ByAccount("alice", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range v2.Release.Members {
		if m.Account == patients[1] {
			t.Fatalf("version 2 holds patient1, who withdrew: %+v", v2.Release.Members)
		}
	}
	if len(v2.Release.Members) != 2 {
		t.Fatalf("version 2 members %+v", v2.Release.Members)
	}
	st, err := a.PoolStandingOf(ctx, "", pool, patients[0])
	if err != nil || !strings.Contains(st.Waiting, "group of 1 patient") || len(st.Versions) != 1 {
		t.Fatalf("patient0 after version 2: %+v, %v", st, err)
	}
	return v2
}

// releaseAndSell releases pool's next version (holding want patients),
// checks its listing, and sells it to each buyer; the first downloads it.
func releaseAndSell(t *testing.T, a *App, pool common.Address, want int, buyers ...string) PoolRelease {
	t.Helper()
	ctx := context.Background()
	v, err := a.ReleasePool(ctx, ByAccount("alice", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Release.Members) != want {
		t.Fatalf("version %d holds %d patients, want %d", v.Release.Version, len(v.Release.Members), want)
	}
	l, err := a.Listing(ctx, v.Listing)
	if err != nil || l.Seller != pool || l.Card == nil || l.Card.Pool == nil || l.Card.Pool.Patients != want ||
		l.Card.Pool.Contributions != v.Release.Root {
		t.Fatalf("listing %+v, %v", l, err)
	}
	for _, buyer := range buyers {
		if _, err := a.Buy(ctx, ByAccount(buyer, "pw"), v.Listing, BuyConfirmation{AcceptTerms: true}); err != nil {
			t.Fatalf("%s buys: %v", buyer, err)
		}
	}
	var got bytes.Buffer
	if _, err := a.Download(ctx, ByAccount(buyers[0], "pw"), v.Listing, DownloadRequest{Writer: &got}); err != nil {
		t.Fatal(err)
	}
	if n := releaseRows(t, got.Bytes(), "patients"); n != want {
		t.Fatalf("the version bought holds %d patients, want %d", n, want)
	}
	return v
}

// claimEveryShare claims every share of the latest round: patient0 for
// itself (funded here), alice (the hub) for the other patients and her
// fee; the claims pay the sales exactly and empty the pool.
func claimEveryShare(t *testing.T, a *App, pool common.Address, patients []common.Address, sales *big.Int) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.Fund(ctx, "patient0", ether("1")); err != nil {
		t.Fatal(err)
	}
	paid := new(big.Int)
	c, err := a.ClaimFromPool(ctx, ByAccount("patient0", "pw"), "", pool, common.Address{})
	if err != nil {
		t.Fatal(err)
	}
	paid.Add(paid, c.Paid)
	for _, who := range append(patients[1:], addr(t, a, "alice")) {
		c, err := a.ClaimFromPool(ctx, ByAccount("alice", "pw"), "", pool, who)
		if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
			continue // waiting: no share
		}
		if err != nil {
			t.Fatalf("claim for %s: %v", who.Hex(), err)
		}
		paid.Add(paid, c.Paid)
	}
	if paid.Cmp(sales) != 0 {
		t.Fatalf("claims paid %s wei, the sales were %s", paid, sales)
	}
	if _, err := a.ClaimFromPool(ctx, ByAccount("alice", "pw"), "", pool, patients[0]); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("claiming twice: %v", err)
	}
	bal, err := a.chain.BalanceAt(ctx, pool, nil)
	if err != nil || bal.Sign() != 0 {
		t.Fatalf("pool balance after every claim: %s, %v", bal, err)
	}
}

// checkDisclosure: what joining sends is the pipeline's output, and the
// identifiers stay on the patient's node.
func checkDisclosure(t *testing.T, d PoolDisclosure) {
	t.Helper()
	if len(d.Tables) != 1 || d.Tables[0].Name != "patients" || d.Records != 1 {
		t.Fatalf("disclosure %+v", d)
	}
	for _, col := range []string{"SSN", "FIRST", "LAST", "ADDRESS", "Id"} {
		if !slices.Contains(d.Kept, col) {
			t.Errorf("column %s leaves the patient's node: kept %v", col, d.Kept)
		}
	}
	for _, col := range d.Tables[0].Columns {
		if slices.Contains(d.Kept, col.Name) {
			t.Errorf("column %s is said both to leave and to stay", col.Name)
		}
	}
	if len(d.QuasiIdentifiers) != 2 || !strings.HasPrefix(d.QuasiIdentifiers[0], "BIRTHDATE=") {
		t.Errorf("quasi-identifiers %v", d.QuasiIdentifiers)
	}
}

// releaseRows counts the rows of table in a release package.
func releaseRows(t *testing.T, pkg []byte, table string) int {
	t.Helper()
	if _, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg))); err != nil {
		t.Fatalf("not a release package: %v", err)
	}
	_, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(pkg), int64(len(pkg)), anonymize.ZIPLimits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Name == table {
			return tb.NumRows()
		}
	}
	t.Fatalf("no table %s", table)
	return 0
}
