package app

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
	"github.com/medmarket/medmarket/marketplace/objectstore/s3test"
	"github.com/medmarket/medmarket/marketplace/pools"
)

// poolNodes are the nodes of a pool on one geth --dev chain: the
// operator's hub, two patients' nodes and a researchers' node, each with
// its own data directory and keystore.
type poolNodes struct {
	g                *chaintest.Geth
	hub, p1, p2, res *App
	hubURL           string
	dirs             map[*App]string
}

func startPoolNodes(t *testing.T, hubOpts func(*Options)) *poolNodes {
	t.Helper()
	n := &poolNodes{g: chaintest.StartGeth(t), dirs: map[*App]string{}}
	open := func(dir string, tune func(*Options)) *App {
		o := Options{DataDir: dir, Version: "test", LightScrypt: true, Chain: ChainOptions{RPC: n.g.URL}}
		if tune != nil {
			tune(&o)
		}
		x, err := Open(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		closeAtEnd(t, x)
		n.dirs[x] = dir
		return x
	}
	hubDir := t.TempDir()
	n.hub = open(hubDir, hubOpts)
	n.account(t, n.hub, "olga")
	if _, err := n.hub.Deploy(t.Context(), "olga", "pw", false); err != nil {
		t.Fatal(err)
	}
	dep, err := os.ReadFile(filepath.Join(hubDir, "deployments.json"))
	if err != nil {
		t.Fatal(err)
	}
	var others []*App
	for range 3 {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "deployments.json"), dep, 0o600); err != nil {
			t.Fatal(err)
		}
		others = append(others, open(dir, nil))
	}
	n.p1, n.p2, n.res = others[0], others[1], others[2]
	if _, _, err := n.hub.ready(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.hub.ProviderHandler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	if err := n.hub.SetPublicURL(srv.URL); err != nil {
		t.Fatal(err)
	}
	n.hubURL = srv.URL + "/"
	return n
}

// account creates a funded account on node a.
func (n *poolNodes) account(t *testing.T, a *App, name string) common.Address {
	t.Helper()
	acct, err := a.CreateAccount(t.Context(), name, "pw")
	if err != nil {
		t.Fatal(err)
	}
	n.g.Fund(t, acct.Address, ether("1"))
	return acct.Address
}

// TestPool_threeNodesOnGeth is the pool of issue 15 end to end on a real
// geth --dev: twenty Synthea patients join from two patients' nodes, the
// hub releases a version (k = 3 over the union keeps twelve), two
// researchers buy it from their own node and one decrypts it, the
// operator posts a payout round, every patient with a share claims from
// their own node but one, offline, whose share the hub claims for it; a
// patient withdraws and the next version leaves them out; the researchers'
// node verifies the pool from the hub's log and the chain.
func TestPool_threeNodesOnGeth(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts geth --dev and five nodes")
	}
	ctx := context.Background()
	// Kept at k = 3: 1970s men (11 12 21 27 4), 1980s women (15 22 26 8),
	// 2010s men (1 10 20); the other eight wait.
	rows1 := []int{11, 12, 21, 15, 22, 1, 10, 16, 18, 13}
	rows2 := []int{27, 4, 26, 8, 20, 5, 19, 24, 25, 3}
	files := patientFiles(t, append(slices.Clone(rows1), rows2...)...)
	s3 := s3test.Start(t)
	blobs := s3Blobs(t, s3, "pool-hub", "olga")
	n := startPoolNodes(t, func(o *Options) { o.BlobStore = blobs })
	cfg, err := n.hub.CreatePool(ctx, ByAccount("olga", "pw"), poolRequest(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	pool := cfg.Contract

	var patients []poolPatient
	for i, f := range files {
		node := n.p1
		if i >= len(rows1) {
			node = n.p2
		}
		p := poolPatient{node: node, name: fmt.Sprintf("patient%02d", i)}
		p.acct = n.account(t, node, p.name)
		if _, err := node.JoinPool(ctx, ByAccount(p.name, "pw"), PoolJoinRequest{Hub: n.hubURL, Pool: pool, Path: f, ConfigVersion: 1}); err != nil {
			t.Fatalf("%s joins: %v", p.name, err)
		}
		patients = append(patients, p)
	}
	v1, err := n.hub.ReleasePool(ctx, ByAccount("olga", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(v1.Release.Members) != 12 || len(v1.Release.Waiting) != 8 {
		t.Fatalf("version 1 holds %d, %d wait", len(v1.Release.Members), len(v1.Release.Waiting))
	}

	researchersBuy(t, n, v1.Listing, 12)

	pay, err := n.hub.PostPoolPayout(ctx, ByAccount("olga", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if pay.Round.Total.Cmp(ether("0.02")) != 0 {
		t.Fatalf("round 1 shares %s wei, the sales were 0.02 ether", pay.Round.Total)
	}

	claimFromTheirNodes(t, n, pool, v1.Release.Members, patients)
	blobsInBucket(t, n.hub, filepath.Join(s3.Root, "pool-hub", "olga"), v1)

	// patient00 (a 1970s man: four stay) withdraws; version 2 holds eleven.
	quitter := patients[0]
	if _, err := quitter.node.WithdrawFromPool(ctx, ByAccount(quitter.name, "pw"), pool); err != nil {
		t.Fatal(err)
	}
	v2, err := n.hub.ReleasePool(ctx, ByAccount("olga", "pw"), pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(v2.Release.Members) != 11 || slices.ContainsFunc(v2.Release.Members, func(m pools.Member) bool { return m.Account == quitter.acct }) {
		t.Fatalf("version 2 members %d, quitter %s in it", len(v2.Release.Members), quitter.acct.Hex())
	}
	st, err := quitter.node.PoolStandingOf(ctx, "", pool, quitter.acct)
	if err != nil || st.Active || st.Withdrawn == "" || !slices.Equal(st.Versions, []int{1}) {
		t.Fatalf("quitter's standing %+v, %v", st, err)
	}
	check, err := n.res.VerifyPool(ctx, n.hubURL, pool)
	if err != nil || !check.OK() {
		t.Fatalf("the researchers' node verifies the pool: %+v, %v", check, err)
	}
	if _, err := n.res.ReleasePool(ctx, ByAccount("rita", "pw"), pool); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("a release from a node that does not run the pool: %v", err)
	}
}

// poolPatient is a patient account on its own node.
type poolPatient struct {
	node *App
	name string
	acct common.Address
}

// claimFromTheirNodes: every patient with a share claims it from their
// own node, but the first, offline, whose share the hub claims for it;
// the operator claims its fee; the claims pay the two sales exactly.
// Patients who wait have no share, and their node says why.
func claimFromTheirNodes(t *testing.T, n *poolNodes, pool common.Address, members []pools.Member, patients []poolPatient) {
	t.Helper()
	ctx := context.Background()
	var err error
	member := map[common.Address]bool{}
	for _, m := range members {
		member[m.Account] = true
	}
	paid := new(big.Int)
	offline := true
	for _, p := range patients {
		if !member[p.acct] {
			st, err := p.node.PoolStandingOf(ctx, "", pool, p.acct)
			if err != nil || st.Waiting == "" || st.Entitled.Sign() != 0 {
				t.Fatalf("%s waits: %+v, %v", p.name, st, err)
			}
			continue
		}
		var c PoolClaim
		if offline { // this patient's node is off: the hub claims for it
			c, err = n.hub.ClaimFromPool(ctx, ByAccount("olga", "pw"), "", pool, p.acct)
			offline = false
		} else {
			c, err = p.node.ClaimFromPool(ctx, ByAccount(p.name, "pw"), "", pool, common.Address{})
		}
		if err != nil {
			t.Fatalf("claim of %s: %v", p.name, err)
		}
		paid.Add(paid, c.Paid)
	}
	c, err := n.hub.ClaimFromPool(ctx, ByAccount("olga", "pw"), "", pool, common.Address{})
	if err != nil {
		t.Fatalf("the operator's fee: %v", err)
	}
	paid.Add(paid, c.Paid)
	if paid.Cmp(ether("0.02")) != 0 {
		t.Fatalf("claims paid %s wei, the sales were 0.02 ether", paid)
	}

}

// researchersBuy: rita and ron buy the listing from the researchers'
// node; rita's copy decrypts to want patients.
func researchersBuy(t *testing.T, n *poolNodes, listing uint64, want int) {
	t.Helper()
	ctx := context.Background()
	n.account(t, n.res, "rita")
	n.account(t, n.res, "ron")
	for _, who := range []string{"rita", "ron"} {
		if _, err := n.res.Buy(ctx, ByAccount(who, "pw"), listing, BuyConfirmation{AcceptTerms: true}); err != nil {
			t.Fatalf("%s buys: %v", who, err)
		}
	}
	var got bytes.Buffer
	if _, err := n.res.Download(ctx, ByAccount("rita", "pw"), listing, DownloadRequest{Writer: &got}); err != nil {
		t.Fatal(err)
	}
	if rows := releaseRows(t, got.Bytes(), "patients"); rows != want {
		t.Fatalf("rita's copy holds %d patients, want %d", rows, want)
	}
}

// blobsInBucket: the hub keeps the version's blob and every contribution
// it holds in the bucket (dir: versitygw's POSIX backend), under their
// content addresses, and none in its data directory.
func blobsInBucket(t *testing.T, hub *App, dir string, v PoolRelease) {
	t.Helper()
	want := []common.Hash{v.Release.ContentHash}
	for _, m := range v.Release.Members {
		want = append(want, m.Contribution)
	}
	for _, h := range want {
		key := h.Hex()[2:]
		if _, err := os.Stat(filepath.Join(dir, key[:2], key)); err != nil {
			t.Errorf("blob %s is not in the bucket: %v", h.Hex(), err)
		}
	}
	if ents, err := os.ReadDir(filepath.Join(hub.DataDir(), "blobs")); err == nil && len(ents) > 0 {
		t.Errorf("the hub's data directory holds blob files: %v", ents)
	}
}
