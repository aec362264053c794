package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// sponsorApp is an App on the embedded chain with a funded sponsor account.
func sponsorApp(t *testing.T, dir string) (*App, Actor) {
	t.Helper()
	a, err := Open(t.Context(), Options{DataDir: dir, Version: "test", LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	c := ByAccount("carol", "carol-pass")
	if _, err := a.keys.Get("carol"); err != nil {
		if _, err := a.CreateAccount(t.Context(), c.name, c.pass); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(t.Context(), c.name, big.NewInt(1e18)); err != nil {
			t.Fatal(err)
		}
	}
	return a, c
}

const appODM = `<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" ODMVersion="1.3.2" FileType="Transactional">
 <ClinicalData StudyOID="ST.1"><SubjectData SubjectKey="S-007"><StudyEventData StudyEventOID="SE.BASELINE">
  <FormData FormOID="F.RAND"><AuditRecord><UserRef UserOID="U.1"/><DateTimeStamp>2026-02-01T10:00:00Z</DateTimeStamp></AuditRecord>
   <ItemGroupData ItemGroupOID="IG.RAND"><ItemData ItemOID="IT.ARM" Value="B"/></ItemGroupData></FormData>
 </StudyEventData></SubjectData></ClinicalData></ODM>`

func TestTrials_useCasesOnTheEmbeddedChain(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a, c := sponsorApp(t, dir)
	recordTrialUseCases(t, a, c)
	verifyTrialUseCases(t, a, c)
	anchorTrialOnSchedule(t, a, c)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// After a restart the trials are still there.
	b, _ := sponsorApp(t, dir)
	defer closeApp(t, b)
	ts, err := b.Trials(ctx)
	if err != nil || len(ts) != 1 || ts[0].Identifier != "NCT01234567" || ts[0].Log.Size < 5 {
		t.Errorf("trials after restart: %+v, %v", ts, err)
	}
}

// recordTrialUseCases registers the trial and records steps by hand, by
// preview and by ODM import.
func recordTrialUseCases(t *testing.T, a *App, c Actor) {
	t.Helper()
	ctx := t.Context()
	tr, err := a.RegisterTrial(ctx, c, "Aspirin after minor stroke", "NCT01234567", "protocol.pdf", strings.NewReader("%PDF protocol v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RegisterTrial(ctx, ByAccount("carol", "wrong"), "x", "NCT7", "p", strings.NewReader("p")); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := a.RecordTrialSteps(ctx, c, "NCT01234567", []trials.StepInput{
		{Type: "consent", Subject: "S-007"}, {Type: "enrolment", Subject: "S-007", Data: json.RawMessage(`{"site":"01"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	// Preview shows problems per input and appends nothing.
	ins, err := a.ParseTrialImport(ctx, "csv", strings.NewReader("type,subject\nvisit,S-007\nvisit,jane@example.org\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	pre, err := a.PreviewTrialSteps(ctx, "carol", tr.ID.Hex(), ins)
	var ie trials.InputErrors
	if !errors.As(err, &ie) || len(pre) != 2 || pre[0].Err != "" || pre[1].Err == "" {
		t.Errorf("preview: %+v, %v", pre, err)
	}
	if es, err := a.ImportTrialSteps(ctx, c, "NCT01234567", "odm", strings.NewReader(appODM), nil); err != nil || len(es) != 1 || es[0].Step.Type != marketplace.StepRandomization {
		t.Fatalf("odm import: %+v, %v", es, err)
	}
}

// verifyTrialUseCases anchors the log and verifies it, its export and the
// export offline.
func verifyTrialUseCases(t *testing.T, a *App, c Actor) {
	t.Helper()
	ctx := t.Context()
	rec, err := a.AnchorTrial(ctx, c, "NCT01234567")
	if err != nil || rec.TreeSize != 4 {
		t.Fatalf("anchor: %+v, %v", rec, err)
	}
	sum, err := a.Trial(ctx, "nct01234567")
	if err != nil || sum.Log.Size != 4 || sum.Log.Anchor == nil || sum.Log.Anchor.Block == 0 {
		t.Errorf("trial: %+v, %v", sum, err)
	}
	if rep, err := a.VerifyTrialLog(ctx, "NCT01234567"); err != nil || !rep.OK() {
		t.Errorf("verify log: %v", err)
	}
	ex, err := a.ExportTrial(ctx, "NCT01234567")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := trials.WriteExport(&buf, ex); err != nil {
		t.Fatal(err)
	}
	back, _ := trials.ReadExport(bytes.NewReader(buf.Bytes()))
	if rep, err := a.VerifyTrialExport(ctx, back, ""); err != nil {
		t.Errorf("verify export: %v", err)
	} else if !strings.Contains(rep.Summary(), "verified") {
		t.Errorf("summary: %s", rep.Summary())
	}
	key, err := a.TrialLogKey(ctx, "NCT01234567")
	if err != nil || key != back.VerifierKey {
		t.Fatalf("log key %q, %v; the export carries %q", key, err, back.VerifierKey)
	}
	if _, err := VerifyTrialExportOffline(ctx, back, key); err != nil {
		t.Errorf("offline with the log key: %v", err)
	}
	if _, err := VerifyTrialExportOffline(ctx, back, ""); marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "log key: not pinned") {
		t.Errorf("offline without a key: %v", err)
	}
	back.Chain.ChainID = "1"
	if _, err := a.VerifyTrialExport(ctx, back, ""); marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "--chain-rpc") {
		t.Errorf("other chain: %v", err)
	}
}

// anchorTrialOnSchedule: what the sponsor records while scheduled
// anchoring runs is anchored.
func anchorTrialOnSchedule(t *testing.T, a *App, c Actor) {
	t.Helper()
	ctx := t.Context()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- a.RunTrialAnchoring(runCtx, TrialAnchoring{EveryEntries: 2, Every: 100 * time.Millisecond})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		time.Sleep(50 * time.Millisecond)
		if _, err := a.RecordTrialSteps(ctx, c, "NCT01234567", []trials.StepInput{{Type: "visit", Subject: "S-007"}}); err != nil {
			t.Fatal(err)
		}
		sum, _ := a.Trial(ctx, "NCT01234567")
		if sum.Log.Anchor != nil && sum.Log.Anchor.TreeSize > 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the schedule anchored nothing: %+v", sum.Log)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A sponsor signed in (a session) has the steps it records anchored on
// schedule while the session lasts; signing out ends that.
func TestTrialAnchoring_signedInSponsor(t *testing.T) {
	ctx := t.Context()
	a, c := sponsorApp(t, t.TempDir())
	defer closeApp(t, a)
	token, _, err := a.SignIn(ctx, c.name, c.pass)
	if err != nil {
		t.Fatal(err)
	}
	who := BySession(token)
	if _, err := a.RegisterTrial(ctx, who, "Session sponsor", "NCT07654321", "protocol.pdf", strings.NewReader("%PDF v1")); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- a.RunTrialAnchoring(runCtx, TrialAnchoring{EveryEntries: 1, Every: 100 * time.Millisecond})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("trial anchoring: %v", err)
		}
	}()
	// Each signing asks for the passphrase again (21 CFR 11.200).
	if _, err := a.RecordTrialSteps(ctx, who, "NCT07654321", []trials.StepInput{{Type: "consent", Subject: "S-001"}}); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
		t.Fatalf("signing with the session alone: %v, want EFORBIDDEN", err)
	}
	if _, err := a.RecordTrialSteps(ctx, BySessionSigning(token, "wrong"), "NCT07654321", []trials.StepInput{{Type: "consent", Subject: "S-001"}}); err == nil {
		t.Fatal("signed with a wrong passphrase")
	}
	if _, err := a.RecordTrialSteps(ctx, BySessionSigning(token, c.pass), "NCT07654321", []trials.StepInput{{Type: "consent", Subject: "S-001"}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		sum, _ := a.Trial(ctx, "NCT07654321")
		if sum.Log.Anchor != nil && sum.Log.Anchor.TreeSize == sum.Log.Size {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the signed-in sponsor's steps were not anchored on schedule: %+v", sum.Log)
		}
	}
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.sessionSigner(ctx, token); err == nil {
		t.Error("the signed-out session's key still works")
	}
}

// The omission and re-signing on the embedded chain: with 300
// entries anchored, an export cut back to the genuine anchor at 100 fails
// against the chain, naming the sizes; one cut at 150 and re-signed with a
// fresh key fails on chain and offline; entries after the latest anchor are
// a warning.
func TestVerifyTrialExport_cutOrReSignedExportFailsOnTheEmbeddedChain(t *testing.T) {
	ctx := t.Context()
	a, c := sponsorApp(t, t.TempDir())
	defer closeApp(t, a)
	if _, err := a.RegisterTrial(ctx, c, "Omission", "NCT03000300", "protocol.pdf", strings.NewReader("%PDF v1")); err != nil {
		t.Fatal(err)
	}
	visits := func(n int) {
		t.Helper()
		ins := make([]trials.StepInput, n)
		for i := range ins {
			ins[i] = trials.StepInput{Type: "visit", Subject: "S-001"}
		}
		if _, err := a.RecordTrialSteps(ctx, c, "NCT03000300", ins); err != nil {
			t.Fatal(err)
		}
	}
	visits(99)
	if rec, err := a.AnchorTrial(ctx, c, "NCT03000300"); err != nil || rec.TreeSize != 100 {
		t.Fatalf("anchor: %+v, %v", rec, err)
	}
	early, err := a.ExportTrial(ctx, "NCT03000300")
	if err != nil {
		t.Fatal(err)
	}
	visits(200)
	latest, err := a.AnchorTrial(ctx, c, "NCT03000300")
	if err != nil || latest.TreeSize != 300 {
		t.Fatalf("anchor: %+v, %v", latest, err)
	}
	rep, err := a.VerifyTrialExport(ctx, early, "")
	want := fmt.Sprintf("the chain holds an anchor of size 300 at block %d; this export stops at 100: entries 100-299 are missing", latest.Block)
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), want) || rep == nil || rep.OK() {
		t.Fatalf("cut export: %v; want EINVALID saying %q", err, want)
	}

	// The export cut at 150 and re-signed with a fresh key (named by the
	// same origin), with an anchor of its own: the chain's key refuses it,
	// and offline the pinned key does; without a key, offline fails too.
	forged := resignedExport(t, early, whole300(t, a), 150)
	_, err = a.VerifyTrialExport(ctx, forged, "")
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "it carries log key") || !strings.Contains(err.Error(), "this export stops at 150: entries 150-299 are missing") {
		t.Errorf("re-signed export on chain: %v", err)
	}
	key, _ := a.TrialLogKey(ctx, "NCT03000300")
	if _, err := VerifyTrialExportOffline(ctx, forged, key); marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "not the trusted key") {
		t.Errorf("re-signed export offline with the pinned key: %v", err)
	}
	if _, err := VerifyTrialExportOffline(ctx, forged, ""); marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "log key: not pinned") {
		t.Errorf("re-signed export offline without a key: %v", err)
	}

	visits(12)
	whole, err := a.ExportTrial(ctx, "NCT03000300")
	if err != nil {
		t.Fatal(err)
	}
	rep, err = a.VerifyTrialExport(ctx, whole, "")
	if err != nil {
		t.Fatalf("whole export: %v", err)
	}
	if ws := rep.Warnings(); len(ws) != 1 || !strings.Contains(ws[0].Detail, "entries 300-311 are not anchored yet") {
		t.Errorf("warnings: %v", ws)
	}
}

// whole300 is the trial's export at 300 entries.
func whole300(t *testing.T, a *App) *trials.Export {
	t.Helper()
	ex, err := a.ExportTrial(t.Context(), "NCT03000300")
	if err != nil || len(ex.Entries) != 300 {
		t.Fatalf("export: %v", err)
	}
	return ex
}

// resignedExport is what someone holding a genuine export but not the log
// key can make: the first n entries, a checkpoint of them signed with a
// fresh key, and an anchor of their own (offline, nothing checks anchors).
func resignedExport(t *testing.T, early, good *trials.Export, n uint64) *trials.Export {
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
	if _, err := l.AppendBatch(t.Context(), good.LogID, leaves); err != nil {
		t.Fatal(err)
	}
	cp, err := l.Checkpoint(t.Context(), good.LogID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Export(t.Context(), good.LogID)
	if err != nil {
		t.Fatal(err)
	}
	forged := *early
	forged.Bundle = *b
	forged.Bundle.Entries = nil
	forged.Anchors = []ledger.AnchorReceipt{{TreeSize: n, RootHash: common.Hash(cp.Root), TxHash: early.Anchors[0].TxHash, Block: early.Anchors[0].Block}}
	forged.Entries = make([]trials.ExportEntry, n)
	for i := range forged.Entries {
		forged.Entries[i] = good.Entries[i]
		forged.Entries[i].Proof = b.Entries[i].Proof
	}
	return &forged
}

func TestTrialAnchoring_defaults(t *testing.T) {
	lp, keep := TrialAnchoring{}.policy()
	if lp.EveryEntries != 100 || lp.Every != time.Minute || keep != 2*time.Minute {
		t.Errorf("defaults: %+v, keep %s", lp, keep)
	}
}
