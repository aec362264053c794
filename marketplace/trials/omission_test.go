package trials

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// steps records n visit steps in batches.
func (e *testEnv) steps(id common.Hash, n int) {
	e.tb.Helper()
	for n > 0 {
		k := min(n, 100)
		ins := make([]StepInput, k)
		for i := range ins {
			ins[i] = StepInput{Type: "visit", Subject: "S-001"}
		}
		e.record(id, ins...)
		n -= k
	}
}

func (e *testEnv) anchor(id common.Hash) ledger.AnchorReceipt {
	e.tb.Helper()
	rec, err := e.svc.Anchor(ctx, e.sponsor, id)
	if err != nil {
		e.tb.Fatal(err)
	}
	return rec
}

func (e *testEnv) export(id common.Hash) *Export {
	e.tb.Helper()
	ex, err := e.svc.Export(ctx, id)
	if err != nil {
		e.tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteExport(&buf, ex); err != nil {
		e.tb.Fatal(err)
	}
	back, err := ReadExport(&buf)
	if err != nil {
		e.tb.Fatal(err)
	}
	return back
}

// The omission: 300 entries anchored, an export cut back to the
// genuine anchor at 100 (its checkpoint and anchor kept).
func TestVerify_exportCutBackToAnEarlierAnchorNamesTheMissingEntries(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT30000001")
	e.steps(tr.ID, 99)
	if rec := e.anchor(tr.ID); rec.TreeSize != 100 {
		t.Fatalf("first anchor at %d", rec.TreeSize)
	}
	early := e.export(tr.ID)
	e.steps(tr.ID, 200)
	latest := e.anchor(tr.ID)

	_, err := Verify(ctx, early, VerifyOptions{Chain: e.lookup()})
	wantErr(t, err, marketplace.EINVALID, fmt.Sprintf(
		"the chain holds an anchor of size 300 at block %d; this export stops at 100: entries 100-299 are missing", latest.Block))

	// The whole log verifies; 12 entries more are a warning, not a failure.
	e.steps(tr.ID, 12)
	whole := e.export(tr.ID)
	if whole.TreeSize != 312 || len(whole.Entries) != 312 {
		t.Fatalf("export: size %d, %d entries; want all 312", whole.TreeSize, len(whole.Entries))
	}
	rep, err := Verify(ctx, whole, VerifyOptions{Chain: e.lookup()})
	if err != nil {
		t.Fatalf("whole export: %v", err)
	}
	if ws := rep.Warnings(); len(ws) != 1 || !strings.Contains(ws[0].Detail, "entries 300-311 are not anchored yet") {
		t.Errorf("warnings: %v", ws)
	}
	if !strings.Contains(rep.Summary(), "verified with 1 warning") {
		t.Errorf("summary: %s", rep.Summary())
	}
}

// resigned is what someone holding a genuine export but not the log key can
// make: the export cut at size n, its checkpoint signed with a fresh key
// (named by the same origin), with an anchor of their own.
func resigned(t *testing.T, good *Export, n uint64) *Export {
	t.Helper()
	db, err := buntdb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	cfg.SyncPolicy = buntdb.Always
	if err := db.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.New(db, ledger.Config{KeyDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	leaves := make([][]byte, n)
	for i := range leaves {
		leaves[i] = good.Entries[i].Leaf
	}
	if _, err := l.AppendBatch(ctx, good.LogID, leaves); err != nil {
		t.Fatal(err)
	}
	cp, err := l.Checkpoint(ctx, good.LogID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Export(ctx, good.LogID)
	if err != nil {
		t.Fatal(err)
	}
	forged := *good
	forged.Bundle = *b
	forged.Bundle.Entries = nil
	forged.Anchors = []ledger.AnchorReceipt{{TreeSize: n, RootHash: common.Hash(cp.Root), TxHash: good.Anchors[0].TxHash, Block: good.Anchors[0].Block, Time: good.Anchors[0].Time}}
	forged.Entries = make([]ExportEntry, n)
	for i := range forged.Entries {
		forged.Entries[i] = good.Entries[i]
		forged.Entries[i].Proof = b.Entries[i].Proof
	}
	return &forged
}

// A truncated export re-signed with a fresh key fails offline unless the
// auditor pins a key, and fails with the genuine key pinned or on chain.
func TestVerify_reSignedExportFailsAgainstThePinnedKey(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT30000002")
	e.steps(tr.ID, 29)
	e.anchor(tr.ID)
	good := e.export(tr.ID)
	key, err := e.svc.ledger.LogKey(ledger.LogID(tr.ID))
	if err != nil {
		t.Fatal(err)
	}
	if good.VerifierKey != key {
		t.Fatalf("export carries %s, the log's key is %s", good.VerifierKey, key)
	}
	forged := resigned(t, good, 12)
	if forged.VerifierKey == key {
		t.Fatal("the forger made the same key")
	}

	// Offline with the genuine key pinned: the real export passes.
	if _, err := Verify(ctx, good, VerifyOptions{VerifierKey: key}); err != nil {
		t.Errorf("genuine export, pinned key: %v", err)
	}
	for _, tc := range []struct {
		name string
		opts VerifyOptions
		want []string
	}{
		{"offline without a key", VerifyOptions{}, []string{"log key: not pinned", "--key"}},
		{"offline with the genuine key", VerifyOptions{VerifierKey: key}, []string{"it carries log key", "not the trusted key", "checkpoint 12: not signed by the log key"}},
		{"on chain", VerifyOptions{Chain: e.lookup()}, []string{"it carries log key", "this export stops at 12: entries 12-29 are missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(ctx, forged, tc.opts)
			wantErr(t, err, marketplace.EINVALID, tc.want...)
		})
	}
	// Offline without a key, even the genuine export fails: nothing pins it.
	rep, err := Verify(ctx, good, VerifyOptions{})
	wantErr(t, err, marketplace.EINVALID, "log key: not pinned")
	if len(rep.Failures()) != 1 {
		t.Errorf("only the key should fail: %v", rep.Failures())
	}
	// A key given with --key must be the chain's when both are asked.
	_, err = Verify(ctx, good, VerifyOptions{Chain: e.lookup(), VerifierKey: forged.VerifierKey})
	wantErr(t, err, marketplace.EINVALID, "is not the key the chain registered with the trial")
	// The chain holds the key: an export without verifier_key verifies on chain.
	nokey := *good
	nokey.VerifierKey = ""
	if _, err := Verify(ctx, &nokey, VerifyOptions{Chain: e.lookup()}); err != nil {
		t.Errorf("export without verifier_key, on chain: %v", err)
	}
	// The registration entry names the key.
	if d := findingOf(mustVerify(t, good, VerifyOptions{VerifierKey: key}), "entry 0"); !strings.Contains(d, "ok") {
		t.Errorf("entry 0: %s", d)
	}
}

func mustVerify(t *testing.T, ex *Export, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(ctx, ex, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// A data dir whose TrialRegistry predates log keys gets a plain error, not a
// decoding failure.
func TestRegister_olderRegistryIsAClearError(t *testing.T) {
	e := newTestEnv(t)
	bin, err := os.ReadFile(filepath.Join("testdata", "TrialRegistry-before-log-keys.bin"))
	if err != nil {
		t.Fatal(err)
	}
	addr, tx, err := bind.DeployContract(e.sponsor.TransactOpts(ctx, e.chainID), common.FromHex(strings.TrimSpace(string(bin))), e.client, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := bind.WaitMined(ctx, e.client, tx.Hash()); err != nil || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("deploy: %+v, %v", r, err)
	}
	svc, err := New(Config{DB: e.db, KeyDir: filepath.Join(e.dir, "keys"), Chain: e.client, ChainID: e.chainID, Registry: addr, Now: e.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Register(ctx, e.sponsor, "Old", "NCT30000003", Protocol{Name: "p", Body: strings.NewReader("p")})
	wantErr(t, err, marketplace.ECONFLICT, "older version that does not pin a trial's log key", "fresh data directory")
	_, err = NewChainLookup(e.client, addr, 0).LogKey(ctx, marketplace.TrialID(e.sponsor.Address(), "NCT30000003"))
	wantErr(t, err, marketplace.ECONFLICT, "older version")
}
