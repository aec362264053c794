package app

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// twoTrialNodes opens node A (the sponsor's, serving its provider API) and
// node B on one geth --dev chain, the contracts deployed from A and their
// addresses handed to B. The sponsor "sam" lives on A.
func twoTrialNodes(t *testing.T, wrap func(a *App, h http.Handler) http.Handler) (a, b *App, urlA string, sam Actor) {
	t.Helper()
	g := chaintest.StartGeth(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	open := func(dir string) *App {
		x, err := Open(t.Context(), Options{DataDir: dir, Version: "test", LightScrypt: true, Chain: ChainOptions{RPC: g.URL}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeApp(t, x) })
		return x
	}
	a = open(dirA)
	sam = ByAccount("sam", "sam-pass")
	acct, err := a.CreateAccount(t.Context(), sam.name, sam.pass)
	if err != nil {
		t.Fatal(err)
	}
	g.Fund(t, acct.Address, new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18)))
	if _, err := a.Deploy(t.Context(), sam.name, sam.pass, false); err != nil {
		t.Fatal(err)
	}
	dep, err := os.ReadFile(filepath.Join(dirA, "deployments.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "deployments.json"), dep, 0o600); err != nil {
		t.Fatal(err)
	}
	b = open(dirB)
	h := a.ProviderHandler()
	if wrap != nil {
		h = wrap(a, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return a, b, srv.URL + "/", sam
}

// A sponsor on node A registers a trial and authorizes a coordinator whose
// account lives on node B. B joins the trial and records a visit signed on
// B with the coordinator's key; A's log holds it, signed by the
// coordinator; B's verified export shows it, and B reads the trial, its
// steps and its team from it. An account on B the sponsor never authorized
// is refused, and nothing is appended.
func TestRemoteTrial_staffOnAnotherNodeSignForThemselves(t *testing.T) {
	if testing.Short() {
		t.Skip("runs geth")
	}
	ctx := t.Context()
	a, b, urlA, sam := twoTrialNodes(t, nil)
	cora, eve := ByAccount("cora", "cora-pass"), ByAccount("eve", "eve-pass")
	coraAcct, err := b.CreateAccount(ctx, cora.name, cora.pass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateAccount(ctx, eve.name, eve.pass); err != nil {
		t.Fatal(err)
	}
	tr, err := a.RegisterTrial(ctx, sam, "Two-node trial", "NCT13300001", "protocol.pdf", strings.NewReader("%PDF two nodes"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthorizeStaff(ctx, sam, tr.Identifier, marketplace.StaffGrant{Account: coraAcct.Address, Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"}); err != nil {
		t.Fatal(err)
	}

	joinRemoteTrial(t, a, b, urlA, tr)

	// The coordinator records a visit on B, through the same use case the
	// UI and the CLI call.
	start := time.Now()
	es, err := b.RecordTrialSteps(ctx, cora, tr.ID.Hex(), []StepInput{{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"weight_kg":81}`)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a visit recorded from node B (prepare, sign, submit, export, verify against the chain): %s", time.Since(start))
	if len(es) != 1 || es[0].Step.Who != coraAcct.Address || es[0].Step.Name != "Cora Coordinator" {
		t.Fatalf("recorded on B: %+v", es)
	}
	onA, err := a.TrialSteps(ctx, tr.Identifier, StepFilter{Offset: es[0].Index})
	if err != nil || len(onA) != 1 || onA[0].Step.Who != coraAcct.Address || onA[0].LeafHash != es[0].LeafHash {
		t.Fatalf("A's log: %+v, %v", onA, err)
	}
	if rep, err := a.VerifyTrialLog(ctx, tr.Identifier); err != nil || !rep.OK() {
		t.Fatalf("A's log verifies: %v", err)
	}

	size := readRemoteTrial(t, b, cora, tr.ID.Hex(), es[0])

	// An account on B the sponsor never authorized: refused, to record and
	// to read; a wrong passphrase signs nothing.
	_, err = b.RecordTrialSteps(ctx, eve, tr.ID.Hex(), []StepInput{{Type: "visit", Subject: "S-001"}})
	wantCode(t, err, marketplace.EFORBIDDEN)
	_, _, err = b.RemoteTrialExport(ctx, eve, tr.ID.Hex())
	wantCode(t, err, marketplace.EFORBIDDEN)
	_, err = b.RecordTrialSteps(ctx, ByAccount("cora", "wrong"), tr.ID.Hex(), []StepInput{{Type: "visit", Subject: "S-001"}})
	wantCode(t, err, marketplace.EFORBIDDEN)
	if st, err := a.Trial(ctx, tr.Identifier); err != nil || st.Log.Size != size {
		t.Fatalf("A's log after refusals: %+v, %v (want %d entries)", st.Log, err, size)
	}
}

// readRemoteTrial checks B's export of the trial, verified against B's
// chain, and that B reads the trial, its steps and its team from it, by
// identifier from then on; it returns the log's size.
func readRemoteTrial(t *testing.T, b *App, cora Actor, id string, visit TrialEntry) uint64 {
	t.Helper()
	ctx := t.Context()
	e, rep, err := b.RemoteTrialExport(ctx, cora, id)
	if err != nil || !rep.OK() || len(e.Entries) != int(visit.Index)+1 {
		t.Fatalf("B's export: %v", err)
	}
	steps, err := b.TrialSteps(ctx, "NCT13300001", StepFilter{Type: marketplace.StepVisit})
	if err != nil || len(steps) != 1 || steps[0].Step.Who != visit.Step.Who || steps[0].LeafHash != visit.LeafHash {
		t.Fatalf("B's steps: %+v, %v", steps, err)
	}
	if sum, err := b.Trial(ctx, "NCT13300001"); err != nil || sum.Title != "Two-node trial" || sum.Log.Size != uint64(len(e.Entries)) {
		t.Fatalf("B's trial: %+v, %v", sum, err)
	}
	if x, err := b.ExportTrial(ctx, "NCT13300001"); err != nil || len(x.Entries) != len(e.Entries) {
		t.Fatalf("B's export, kept: %v", err)
	}
	if ts, err := b.Trials(ctx); err != nil || len(ts) != 1 || ts[0].Identifier != "NCT13300001" || ts[0].Node == "" {
		t.Fatalf("B's trials: %+v, %v", ts, err)
	}
	if roles, err := b.TrialRolesOf(ctx, "NCT13300001", visit.Step.Who); err != nil || len(roles) != 1 || roles[0].Role != marketplace.RoleCoordinator {
		t.Fatalf("B's team: %+v, %v", roles, err)
	}
	return uint64(len(e.Entries))
}

// joinRemoteTrial joins trial tr of node A (at urlA) on node B.
func joinRemoteTrial(t *testing.T, a, b *App, urlA string, tr marketplace.Trial) {
	t.Helper()
	ctx := t.Context()
	// B joins; before anything was read, B knows the trial by id only.
	if err := b.JoinTrial(ctx, urlA, "NCT13300001"); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("join by identifier: %v", err)
	}
	if err := b.JoinTrial(ctx, urlA, "0x"+strings.Repeat("ab", 32)); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("join a trial the chain never registered: %v", err)
	}
	if err := b.JoinTrial(ctx, "http://user:pw@127.0.0.1/", tr.ID.Hex()); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("join with a URL carrying credentials: %v", err)
	}
	if err := b.JoinTrial(ctx, urlA, tr.ID.Hex()); err != nil {
		t.Fatal(err)
	}
	if err := a.JoinTrial(ctx, urlA, tr.ID.Hex()); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Errorf("A joining its own trial: %v", err)
	}
	if rts, err := b.RemoteTrials(ctx); err != nil || len(rts) != 1 || rts[0].Sponsor != tr.Sponsor || rts[0].NodeURL != urlA {
		t.Fatalf("B's joined trials: %+v, %v", rts, err)
	}
}

// When the log moves on between prepare and submit (the sponsor records
// on A meanwhile), A refuses the submit as a conflict and B prepares and
// signs again: the visit goes in after the sponsor's entry.
func TestRemoteTrial_movedLogIsPreparedAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs geth")
	}
	ctx := t.Context()
	var submits atomic.Int32
	var sponsorEntry TrialEntry
	moveFirst := func(a *App, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/submit") && submits.Add(1) == 1 {
				es, err := a.RecordTrialSteps(r.Context(), ByAccount("sam", "sam-pass"), "NCT13300003", []StepInput{{Type: "site_activation", Site: "A"}})
				if err != nil {
					t.Error(err)
				} else {
					sponsorEntry = es[0]
				}
			}
			h.ServeHTTP(w, r)
		})
	}
	a, b, urlA, sam := twoTrialNodes(t, moveFirst)
	cora := ByAccount("cora", "cora-pass")
	coraAcct, err := b.CreateAccount(ctx, cora.name, cora.pass)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := a.RegisterTrial(ctx, sam, "Moving trial", "NCT13300003", "protocol.pdf", strings.NewReader("%PDF moving"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthorizeStaff(ctx, sam, tr.Identifier, marketplace.StaffGrant{Account: coraAcct.Address, Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := b.JoinTrial(ctx, urlA, tr.ID.Hex()); err != nil {
		t.Fatal(err)
	}
	es, err := b.RecordTrialSteps(ctx, cora, tr.ID.Hex(), []StepInput{{Type: "visit", Subject: "S-001"}})
	if err != nil {
		t.Fatal(err)
	}
	if submits.Load() != 2 || es[0].Index != sponsorEntry.Index+1 {
		t.Fatalf("%d submits; visit at %d, the sponsor's entry at %d", submits.Load(), es[0].Index, sponsorEntry.Index)
	}
}
