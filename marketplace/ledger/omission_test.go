package ledger

import (
	"crypto/rand"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// An export cut back to an earlier genuine anchor keeps valid signatures,
// proofs and anchors: only the chain's latest anchor shows that entries are
// missing.
func TestVerify_exportCutBackToAnEarlierAnchorFailsAgainstTheChain(t *testing.T) {
	c := newSimChain(t)
	tl := newAnchoredLog(t, c, "NCT-OMIT")
	tl.appendN(10, 4)
	tl.anchor()
	early := tl.export() // genuine: checkpoint 10 and its anchor
	tl.appendN(30, 7)
	latest := tl.anchor()

	if _, err := Verify(ctx, early, VerifyOptions{VerifierKey: tl.key()}); err != nil {
		t.Fatalf("offline, the cut export is self-consistent (the chain must be asked): %v", err)
	}
	rep, err := Verify(ctx, early, VerifyOptions{VerifierKey: tl.key(), Chain: c.anchorer()})
	wantFailure(t, "Verify against the chain", err,
		"the chain holds an anchor of size 30 at block", "this export stops at 10: entries 10-29 are missing")
	if !strings.Contains(err.Error(), "at block "+strconv.FormatUint(latest.Block, 10)+";") {
		t.Errorf("the failure does not name the anchor's block %d: %v", latest.Block, err)
	}
	if rep == nil || len(rep.Failures()) != 1 || rep.Failures()[0].Subject != "log" {
		t.Errorf("want exactly the log finding to fail: %v", rep.Failures())
	}
	if rep, err := Verify(ctx, tl.export(), VerifyOptions{VerifierKey: tl.key(), Chain: c.anchorer()}); err != nil || len(rep.Warnings()) != 0 {
		t.Errorf("the whole export: %v, warnings %v", err, rep.Warnings())
	}
}

// Entries after the latest anchor are in the export and verify, with a
// warning naming them.
func TestVerify_entriesAfterTheLatestAnchorAreAWarning(t *testing.T) {
	c := newSimChain(t)
	tl := fixture(t, c, "NCT-TAIL") // anchored at 40
	tl.appendN(52, 5)
	tl.checkpoint()
	b := tl.export()
	if b.TreeSize != 52 || len(b.Entries) != 52 {
		t.Fatalf("export: size %d, %d entries; want the whole signed log (52)", b.TreeSize, len(b.Entries))
	}
	for _, tc := range []struct {
		name string
		opts VerifyOptions
		want string
	}{
		{"on chain", VerifyOptions{VerifierKey: tl.key(), Chain: c.anchorer()}, "entries 40-51 are not anchored yet (the chain's latest anchor is of size 40)"},
		{"offline", VerifyOptions{VerifierKey: tl.key()}, "entries 40-51 are not anchored yet (by the export's own anchors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Verify(ctx, b, tc.opts)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			ws := rep.Warnings()
			if len(ws) != 1 || ws[0].Subject != "log" || !strings.Contains(ws[0].Detail, tc.want) {
				t.Errorf("warnings %v; want one saying %q", ws, tc.want)
			}
			if !strings.Contains(rep.Summary(), "verified with 1 warning") || !strings.Contains(ws[0].String(), "log: WARNING: ") {
				t.Errorf("summary %q, finding %q", rep.Summary(), ws[0])
			}
		})
	}
}

// A bundle without its verifier key is checked for everything else, and
// says that its signatures could not be checked.
func TestVerify_bundleWithoutVerifierKeyChecksTheRest(t *testing.T) {
	c := newSimChain(t)
	tl := fixture(t, c, "NCT-NOKEY")
	b := tl.export()
	b.VerifierKey = ""
	rep, err := Verify(ctx, b, VerifyOptions{Chain: c.anchorer()})
	wantFailure(t, "Verify", err, "bundle: it carries no verifier_key: the checkpoint signatures could not be checked")
	if rep.Entries != 40 || rep.Checkpoints != 3 || len(rep.Failures()) != 1 {
		t.Fatalf("report: %d entries, %d checkpoints, failures %v", rep.Entries, rep.Checkpoints, rep.Failures())
	}
	var entriesOK, notChecked int
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Subject, "entry ") && f.OK {
			entriesOK++
		}
		if strings.HasPrefix(f.Subject, "checkpoint ") && f.OK && strings.Contains(f.Detail, "signature not checked") {
			notChecked++
		}
	}
	if entriesOK != 40 || notChecked != 3 {
		t.Errorf("%d entries verified, %d checkpoints marked unchecked; want 40 and 3", entriesOK, notChecked)
	}
	// With the key pinned by the auditor, nothing is missing.
	if _, err := Verify(ctx, b, VerifyOptions{VerifierKey: tl.key(), Chain: c.anchorer()}); err != nil {
		t.Errorf("with the pinned key: %v", err)
	}
	// A tampered entry is still caught without the key.
	b.Entries[7].Leaf = []byte("changed")
	_, err = Verify(ctx, b, VerifyOptions{})
	wantFailure(t, "Verify of a changed entry", err, "entry 7: not included")
}

// C2SP: a log's key is named by its origin, when the ledger makes it and
// when a bundle is verified.
func TestVerify_logKeyMustBeNamedByTheOrigin(t *testing.T) {
	tl := newTestLog(t, true)
	tl.appendN(5, 5)
	tl.checkpoint()
	vkey := tl.key()
	if v, err := note.NewVerifier(vkey); err != nil || v.Name() != tl.l.prefix+"/"+tl.id.hex() {
		t.Fatalf("log key %q (%v) is not named by the origin", vkey, err)
	}
	if k, _ := tl.l.LogKey(logID("other")); k == vkey {
		t.Errorf("two logs share key %s", k)
	}
	// A key under another name, pinned by a confused auditor or carried by a
	// forged bundle, fails however it signs.
	_, wrong, err := note.GenerateKey(rand.Reader, "medmarket-ledger")
	if err != nil {
		t.Fatal(err)
	}
	b := tl.export()
	b.VerifierKey = wrong
	_, err = Verify(ctx, b, VerifyOptions{})
	wantFailure(t, "Verify", err, `is named "medmarket-ledger", not by the log's origin`)
	if _, err := New(tl.db, Config{KeyDir: t.TempDir(), OriginPrefix: "medmarket ledger"}); err == nil {
		t.Errorf("an origin prefix that cannot name a key was accepted")
	}
}
