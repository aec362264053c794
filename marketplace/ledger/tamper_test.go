package ledger

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/mod/sumdb/note"

	"github.com/medmarket/medmarket/marketplace"
)

// fixture is a log of 40 entries with checkpoints at 10 (anchored), 25 and
// 40 (anchored) on the simulated chain.
func fixture(t *testing.T, c *simChain, name string) *testLog {
	t.Helper()
	tl := newAnchoredLog(t, c, name)
	tl.appendN(10, 4)
	tl.anchor()
	tl.appendN(25, 4)
	tl.checkpoint()
	tl.appendN(40, 4)
	tl.anchor()
	return tl
}

func (t *testLog) export() *Bundle {
	t.tb.Helper()
	b, err := t.l.Export(ctx, t.id)
	if err != nil {
		t.tb.Fatal(err)
	}
	return b
}

// wantFailure checks that err is EINVALID and that each want is in its
// message.
func wantFailure(t *testing.T, what string, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s passed; want failures naming %q", what, wants)
	}
	if marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("%s: code %s, want EINVALID: %v", what, marketplace.ErrorCode(err), err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q\ndoes not say %q", what, err, w)
		}
	}
}

func TestExportVerify_wholeLogVerifiesOfflineAndOnChain(t *testing.T) {
	c := newSimChain(t)
	tl := fixture(t, c, "NCT-VERIFY")
	tl.appendN(45, 5) // after the last anchor: not in the bundle
	var buf bytes.Buffer
	if err := WriteBundle(&buf, tl.export()); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBundle(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b.TreeSize != 40 || len(b.Entries) != 40 || len(b.Checkpoints) != 3 || len(b.Consistency) != 2 || len(b.Anchors) != 2 {
		t.Fatalf("bundle: size %d, %d entries, %d checkpoints, %d proofs, %d anchors",
			b.TreeSize, len(b.Entries), len(b.Checkpoints), len(b.Consistency), len(b.Anchors))
	}
	rep, err := Verify(ctx, b, VerifyOptions{VerifierKey: tl.key(), Chain: c.anchorer()})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(rep.Findings) != 40+3+2+1 || rep.Entries != 40 || rep.Checkpoints != 3 || rep.Anchors != 2 {
		t.Errorf("report: %d findings, %+v", len(rep.Findings), rep)
	}
	for _, f := range rep.Findings[:5] {
		t.Log(f)
	}
	t.Log(rep.Summary())
	if rep, err := tl.l.Check(ctx, tl.id); err != nil {
		t.Errorf("Check: %v\n%v", err, rep.Findings)
	}
	// The JSON is the documented format.
	var raw map[string]any
	buf.Reset()
	if err := WriteBundle(&buf, b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	e0 := raw["entries"].([]any)[0].(map[string]any)
	if leaf, _ := base64.StdEncoding.DecodeString(e0["leaf"].(string)); !bytes.Equal(leaf, leaf0()) {
		t.Errorf("entry 0 leaf in JSON = %v", e0["leaf"])
	}
	if raw["log_id"] != tl.id.String() || raw["verifier_key"] != tl.key() {
		t.Errorf("bundle JSON header: %v %v", raw["log_id"], raw["verifier_key"])
	}
}

func leaf0() []byte { return leaf(0) }

// Tampering with the store: Check finds it, and so does Verify of the bundle
// the changed store exports.
func TestTamper_storeChangesAreDetected(t *testing.T) {
	c := newSimChain(t)
	for _, tc := range []struct {
		name        string
		tamper      func(tl *testLog)
		check       []string // in Check's error
		verify      []string // in Verify's error, with the chain
		checkpoint2 bool
	}{
		{
			name:   "entry changed",
			tamper: func(tl *testLog) { tl.set(entryKeyHex(tl.id.hex(), 7), "forged step") },
			check:  []string{"entry 7: its bytes do not hash to the tree's leaf 7"},
			verify: []string{"entry 7: not included at index 7 in checkpoint 40"},
		},
		{
			name:   "entry deleted",
			tamper: func(tl *testLog) { tl.del(entryKeyHex(tl.id.hex(), 7)) },
			check:  []string{"entry 7: missing from the store"},
			verify: []string{"entry 7: missing from the bundle"},
		},
		{
			name: "entries reordered",
			tamper: func(tl *testLog) {
				k3, k4 := entryKeyHex(tl.id.hex(), 3), entryKeyHex(tl.id.hex(), 4)
				v3, v4 := tl.get(k3), tl.get(k4)
				tl.set(k3, v4)
				tl.set(k4, v3)
			},
			check:  []string{"entry 3: its bytes do not hash", "entry 4: its bytes do not hash"},
			verify: []string{"entry 3: not included", "entry 4: not included"},
		},
		{
			name: "entry changed with its tree and state rebuilt",
			tamper: func(tl *testLog) {
				// The attacker rebuilds the whole tree in a copy and grafts it.
				forged := logID("forged")
				for i := range uint64(40) {
					l := leaf(i)
					if i == 7 {
						l = []byte("forged step")
					}
					if _, err := tl.l.Append(ctx, forged, l); err != nil {
						tl.tb.Fatal(err)
					}
				}
				tl.graft(forged, tl.id)
				tl.set(entryKeyHex(tl.id.hex(), 7), "forged step")
			},
			check:  []string{"checkpoint 10: its root", "is not the root", "checkpoint 40: its root"},
			verify: []string{"entry 0: not included", "checkpoint 10: its root"},
		},
		{
			name: "checkpoint replaced by another log's",
			tamper: func(tl *testLog) {
				other := logID("other")
				if _, err := tl.l.AppendBatch(ctx, other, leaves(0, 25)); err != nil {
					tl.tb.Fatal(err)
				}
				cp, _ := tl.l.Checkpoint(ctx, other)
				tl.set(checkpointKey(tl.id.hex(), 25), cp.Note)
			},
			// Each log has its own key, named by its origin: the other log's
			// checkpoint is not signed by this log's key.
			check:  []string{"checkpoint 25:", "not signed by the log key"},
			verify: []string{"checkpoint 25: not signed by the log key"},
		},
		{
			name: "checkpoint re-signed with another key",
			tamper: func(tl *testLog) {
				skey, _, _ := note.GenerateKey(nil, "medmarket-ledger")
				s, _ := note.NewSigner(skey)
				root := hasher.HashLeaf([]byte("forged"))
				msg, _ := note.Sign(&note.Note{Text: checkpointText(tl.l.prefix+"/"+tl.id.hex(), 25, [32]byte(root))}, s)
				tl.set(checkpointKey(tl.id.hex(), 25), string(msg))
			},
			check:  []string{"checkpoint 25: Stored checkpoint 25", "not signed by the log key"},
			verify: []string{"checkpoint 25: not signed by the log key"},
		},
		{
			name: "anchored root changed",
			tamper: func(tl *testLog) {
				k := anchorKey(tl.id.hex(), 40)
				var rec AnchorReceipt
				if err := json.Unmarshal([]byte(tl.get(k)), &rec); err != nil {
					tl.tb.Fatal(err)
				}
				rec.RootHash = common.Hash(hasher.HashLeaf([]byte("forged")))
				b, _ := json.Marshal(rec)
				tl.set(k, string(b))
			},
			check:  []string{"anchor 40: anchored root"},
			verify: []string{"anchor 40: anchored root", "differs from checkpoint 40's root"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := fixture(t, c, "NCT-TAMPER-"+tc.name)
			tc.tamper(tl)
			_, err := tl.l.Check(ctx, tl.id)
			wantFailure(t, "Check", err, tc.check...)
			t.Logf("Check: %v", err)
			b, err := tl.l.Export(ctx, tl.id)
			if err != nil {
				t.Fatalf("Export: %v", err)
			}
			_, err = Verify(ctx, b, VerifyOptions{VerifierKey: tl.key(), Chain: c.anchorer()})
			wantFailure(t, "Verify", err, tc.verify...)
			t.Logf("Verify: %v", err)
		})
	}
}

// Tampering with an exported bundle: Verify names the entry or checkpoint.
func TestTamper_bundleChangesAreDetected(t *testing.T) {
	c := newSimChain(t)
	tl := fixture(t, c, "NCT-BUNDLE")
	good := tl.export()
	clone := func() *Bundle {
		var buf bytes.Buffer
		if err := WriteBundle(&buf, good); err != nil {
			t.Fatal(err)
		}
		b, err := ReadBundle(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	attacker := rewrittenLog(t, tl, good)
	for _, tc := range []struct {
		name   string
		tamper func(b *Bundle) *Bundle
		opts   VerifyOptions
		want   []string
	}{
		{"entry changed", func(b *Bundle) *Bundle { b.Entries[7].Leaf = []byte("forged step"); return b }, VerifyOptions{},
			[]string{"entry 7: not included at index 7 in checkpoint 40", "checkpoint 10: its root"}},
		{"entry removed", func(b *Bundle) *Bundle { b.Entries = append(b.Entries[:7], b.Entries[8:]...); return b }, VerifyOptions{},
			[]string{"entry 7: missing from the bundle"}},
		{"last entries removed", func(b *Bundle) *Bundle { b.Entries = b.Entries[:30]; return b }, VerifyOptions{},
			[]string{"entries 30-39: missing from the bundle"}},
		{"leaves of two entries swapped", func(b *Bundle) *Bundle {
			b.Entries[3].Leaf, b.Entries[4].Leaf = b.Entries[4].Leaf, b.Entries[3].Leaf
			return b
		}, VerifyOptions{}, []string{"entry 3: not included", "entry 4: not included"}},
		{"two entries reordered", func(b *Bundle) *Bundle {
			b.Entries[3], b.Entries[4] = b.Entries[4], b.Entries[3]
			return b
		}, VerifyOptions{}, []string{"entry 3: listed again or out of order at position 4"}},
		{"entry given another index", func(b *Bundle) *Bundle { b.Entries[5].Index = 6; return b }, VerifyOptions{},
			[]string{"entry 5: missing", "entry 6: listed again"}},
		{"checkpoint text edited", func(b *Bundle) *Bundle {
			b.Checkpoints[1] = strings.Replace(b.Checkpoints[1], "\n25\n", "\n26\n", 1)
			return b
		}, VerifyOptions{}, []string{"checkpoint 26: signature by medmarket/ledger/4e43542d42554e444c45", "does not match the text"}},
		{"checkpoints swapped", func(b *Bundle) *Bundle {
			b.Checkpoints[0], b.Checkpoints[1] = b.Checkpoints[1], b.Checkpoints[0]
			return b
		}, VerifyOptions{}, []string{"checkpoint 10: out of order after checkpoint 25"}},
		{"checkpoint removed", func(b *Bundle) *Bundle { b.Checkpoints = b.Checkpoints[1:]; return b }, VerifyOptions{},
			[]string{"anchor 10: no valid checkpoint of size 10"}},
		{"consistency proof changed", func(b *Bundle) *Bundle { b.Consistency[1].Proof[0][0] ^= 1; return b }, VerifyOptions{},
			[]string{"checkpoint 40: not consistent with checkpoint 25"}},
		{"anchored root changed", func(b *Bundle) *Bundle { b.Anchors[1].RootHash[0] ^= 1; return b }, VerifyOptions{},
			[]string{"anchor 40: anchored root"}},
		{"log id changed", func(b *Bundle) *Bundle { b.LogID[31] ^= 1; return b }, VerifyOptions{},
			[]string{"bundle: origin", "does not name log"}},
		{"anchor transaction changed", func(b *Bundle) *Bundle { b.Anchors[0].TxHash[0] ^= 1; return b }, VerifyOptions{Chain: c.anchorer()},
			[]string{"anchor 10: the chain records it in tx"}},
		{"whole log rewritten and re-signed", func(*Bundle) *Bundle { return attacker }, VerifyOptions{VerifierKey: tl.key()},
			[]string{"bundle: it carries log key", "checkpoint 10: not signed by the log key"}},
		{"whole log rewritten, checked on chain", func(*Bundle) *Bundle { return attacker }, VerifyOptions{Chain: c.anchorer()},
			[]string{"anchor 10: the chain records root", "anchor 40: the chain records root"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.tamper(clone())
			_, err := Verify(ctx, b, tc.opts)
			wantFailure(t, "Verify", err, tc.want...)
			t.Logf("%v", err)
		})
	}
	// The attacker's bundle is internally consistent: only the trusted key or
	// the chain catch it.
	if rep, err := Verify(ctx, attacker, VerifyOptions{}); err != nil {
		t.Errorf("the rewritten log should verify on its own: %v\n%v", err, rep.Failures())
	}
}

// rewrittenLog is what an attacker with the entries but not the log key can
// make: the same log with entry 7 changed, signed with their own key, with
// the real anchors' transactions but their own roots.
func rewrittenLog(t *testing.T, tl *testLog, good *Bundle) *Bundle {
	t.Helper()
	dir := t.TempDir()
	db := openDB(t, ":memory:")
	defer closeDB(t, db)
	l, err := New(db, Config{KeyDir: filepath.Join(dir, "k"), OriginPrefix: tl.l.prefix})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint64{10, 25, 40} {
		th, _ := l.Head(ctx, tl.id)
		for i := th.Size; i < n; i++ {
			lf := leaf(i)
			if i == 7 {
				lf = []byte("forged step")
			}
			if _, err := l.Append(ctx, tl.id, lf); err != nil {
				t.Fatal(err)
			}
		}
		cp, err := l.Checkpoint(ctx, tl.id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range good.Anchors {
			if a.TreeSize == n {
				a.RootHash = common.Hash(cp.Root)
				if err := l.recordAnchor(tl.id, a); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	b, err := l.Export(ctx, tl.id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
