package trials

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// anchoredTrial is a trial with a few steps, all anchored.
func anchoredTrial(t *testing.T, e *testEnv, identifier string) marketplace.Trial {
	t.Helper()
	tr := e.register(identifier)
	e.record(tr.ID,
		StepInput{Type: "consent", Subject: "S-001"},
		StepInput{Type: "enrolment", Subject: "S-001", Data: json.RawMessage(`{"arm":"A"}`)},
		StepInput{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"sbp":128}`)},
	)
	if _, err := e.svc.Anchor(ctx, e.sponsor, tr.ID); err != nil {
		t.Fatal(err)
	}
	return tr
}

func entryKey(id common.Hash, i uint64) string {
	return fmt.Sprintf("ledger:%s:e:%016x", strings.TrimPrefix(id.Hex(), "0x"), i)
}

func TestTamper_editedPayloadInTheStoreIsNamed(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT10000001")
	err := e.db.Update(func(tx *buntdb.Tx) error {
		v, err := tx.Get(entryKey(tr.ID, 2))
		if err != nil {
			return err
		}
		if !strings.Contains(v, `"arm":"A"`) {
			t.Fatalf("entry 2 is %s", v)
		}
		_, _, err = tx.Set(entryKey(tr.ID, 2), strings.Replace(v, `"arm":"A"`, `"arm":"B"`, 1), nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.VerifyLog(ctx, tr.ID)
	wantErr(t, err, marketplace.EINVALID, "entry 2:")
	ex, err := e.svc.Export(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, ex, VerifyOptions{Chain: e.lookup()})
	wantErr(t, err, marketplace.EINVALID, "entry 2:")
	for _, f := range rep.Failures() {
		// The log's root is no longer the chain's either.
		if f.Subject != "entry 2" && f.Subject != "log" && !strings.HasPrefix(f.Subject, "checkpoint") {
			t.Errorf("unexpected failure %s", f)
		}
	}
	// The signature no longer matches the edited step either.
	if d := findingOf(rep, "entry 2"); !strings.Contains(d, "signature does not match its content") || !strings.Contains(d, "not included") {
		t.Errorf("entry 2: %s", d)
	}
}

func TestTamper_stepSignedByAnotherAccountIsNamed(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT10000002")
	// Another account's step, appended past the service (so the Merkle log
	// itself is consistent): only its signature betrays it.
	for _, claim := range []common.Address{e.other.Address(), e.sponsor.Address()} {
		h, _ := e.svc.ledger.Head(ctx, ledger.LogID(tr.ID))
		step := marketplace.Step{Format: marketplace.StepFormat, Trial: tr.ID, Index: h.Size, Type: marketplace.StepVisit,
			Protocol: 1, ProtocolSHA256: tr.Protocols[0].SHA256, Who: claim, When: e.clock.now(), Meaning: marketplace.MeaningApproved}
		c, err := canonicalStep(&step)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := e.other.SignPersonal(c)
		if _, err := e.svc.ledger.Append(ctx, ledger.LogID(tr.ID), encodeLeaf(c, sig)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Anchor(ctx, e.sponsor, tr.ID); err != nil {
		t.Fatal(err)
	}
	ex, _ := e.svc.Export(ctx, tr.ID)
	rep, err := Verify(ctx, ex, VerifyOptions{Chain: e.lookup()})
	wantErr(t, err, marketplace.EINVALID, "entry 4: was signed by "+e.other.Address().Hex()+", an account the sponsor never authorized", "entry 5: its signature does not match its content")
	if n := len(rep.Failures()); n != 2 {
		t.Errorf("%d failures: %v", n, rep.Failures())
	}
}

func TestTamper_editedExportIsNamed(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT10000003")
	ex, err := e.svc.Export(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteExport(&buf, ex); err != nil {
		t.Fatal(err)
	}
	clean := buf.Bytes()
	for _, tt := range []struct {
		name string
		edit func(*Export)
		msg  string
	}{
		{"shown signature", func(x *Export) { x.Entries[1].Signature = append([]byte(nil), x.Entries[2].Signature...) }, "entry 1: the signature shown beside the leaf"},
		{"shown step", func(x *Export) { x.Entries[2].Step.Data = json.RawMessage(`{"arm":"B"}`) }, "entry 2: the step shown beside the leaf differs"},
		{"leaf", func(x *Export) { x.Entries[3].Leaf = bytes.Replace(x.Entries[3].Leaf, []byte("128"), []byte("118"), 1) }, "entry 3:"},
		{"reordered", func(x *Export) { x.Entries[1].Leaf, x.Entries[2].Leaf = x.Entries[2].Leaf, x.Entries[1].Leaf }, "entry 1:"},
		{"trial title", func(x *Export) { x.Trial.Sponsor = e.other.Address() }, "trial:"},
		{"protocol", func(x *Export) { x.Trial.Protocols[0].TxHash = common.HexToHash("0x01") }, "protocol 1: registered on chain by tx"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ReadExport(bytes.NewReader(clean))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(ctx, x, VerifyOptions{Chain: e.lookup()}); err != nil {
				t.Fatalf("clean export: %v", err)
			}
			tt.edit(x)
			_, err = Verify(ctx, x, VerifyOptions{Chain: e.lookup()})
			wantErr(t, err, marketplace.EINVALID, tt.msg)
		})
	}
}
