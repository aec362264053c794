package trials

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// verdictOf verifies x (against the chain unless opts says otherwise) and
// returns its verdict.
func verdictOf(t *testing.T, x *Export, opts VerifyOptions) Verdict {
	t.Helper()
	rep, err := Verify(ctx, x, opts)
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	return rep.Verdict()
}

func wantProblem(t *testing.T, v Verdict, want string) {
	t.Helper()
	if v.OK || !strings.HasPrefix(v.Headline, "Not verified: ") {
		t.Errorf("headline %q (ok %v), want a failure", v.Headline, v.OK)
	}
	for _, p := range v.Problems {
		if p == want {
			return
		}
	}
	t.Errorf("problems %q lack %q", v.Problems, want)
}

func TestVerdict_passSaysWhatWasProved(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT20000001")
	ex, err := e.svc.Export(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	v := verdictOf(t, ex, VerifyOptions{Chain: e.lookup()})
	if !v.OK || v.Headline != "Verified: all 4 entries are signed, in order, and match the chain's anchor at entry 3" || len(v.Problems) != 0 {
		t.Errorf("verdict %+v", v)
	}
	key, err := e.svc.ledger.LogKey(ledger.LogID(tr.ID))
	if err != nil {
		t.Fatal(err)
	}
	v = verdictOf(t, ex, VerifyOptions{VerifierKey: key})
	if !v.OK || !strings.HasPrefix(v.Headline, "Verified offline: all 4 entries are signed, in order, and match the checkpoint of 4 entries") {
		t.Errorf("offline verdict %+v", v)
	}
}

func TestVerdict_unanchoredEntriesAreAWarning(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT20000002")
	e.record(tr.ID, StepInput{Type: "visit", Subject: "S-001", Data: json.RawMessage(`{"sbp":131}`)})
	rep, err := e.svc.VerifyLog(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.svc.Export(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []Verdict{rep.Verdict(), verdictOf(t, ex, VerifyOptions{Chain: e.lookup()})} {
		if !v.OK || !strings.HasPrefix(v.Headline, "Verified: all 5 entries are signed") {
			t.Errorf("verdict %+v", v)
		}
	}
	v := verdictOf(t, ex, VerifyOptions{Chain: e.lookup()})
	if len(v.Warnings) != 1 || v.Warnings[0] != "Entry 4 is not anchored on chain yet: signed and in the log, but no anchor covers them" {
		t.Errorf("warnings %q", v.Warnings)
	}
}

func TestVerdict_tamperedExportsAreSaidPlainly(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT20000003")
	ex, err := e.svc.Export(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteExport(&buf, ex); err != nil {
		t.Fatal(err)
	}
	clean := buf.Bytes()
	other := e.register("NCT20000004")
	otherKey, err := e.svc.ledger.LogKey(ledger.LogID(other.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		edit func(*Export) VerifyOptions
		want string
	}{
		{"step data changed", func(x *Export) VerifyOptions {
			x.Entries[3].Leaf = bytes.Replace(x.Entries[3].Leaf, []byte("128"), []byte("118"), 1)
			return VerifyOptions{Chain: e.lookup()}
		}, "Entry 3 was changed after it was signed: its signature does not match its content"},
		{"shown step", func(x *Export) VerifyOptions {
			x.Entries[2].Step.Data = json.RawMessage(`{"arm":"B"}`)
			return VerifyOptions{Chain: e.lookup()}
		}, "The export's copy of entry 2 differs from the signed entry"},
		{"swapped signature", func(x *Export) VerifyOptions {
			x.Entries[1].Signature = append([]byte(nil), x.Entries[2].Signature...)
			return VerifyOptions{Chain: e.lookup()}
		}, "The export's copy of entry 1's signature differs from the signed entry"},
		{"entries cut", func(x *Export) VerifyOptions {
			x.Entries = x.Entries[:2]
			return VerifyOptions{Chain: e.lookup()}
		}, "Entries 2–3 are missing from the export"},
		{"reordered", func(x *Export) VerifyOptions {
			x.Entries[1].Leaf, x.Entries[2].Leaf = x.Entries[2].Leaf, x.Entries[1].Leaf
			return VerifyOptions{Chain: e.lookup()}
		}, "Entry 1 was moved: it was signed as entry 2"},
		{"another log key", func(*Export) VerifyOptions { return VerifyOptions{VerifierKey: otherKey} }, "Checkpoint 4 is not signed with the trial's log key"},
		{"no key offline", func(*Export) VerifyOptions { return VerifyOptions{} }, "The trial's log key was not given: offline, nothing proves the checkpoints are the trial's (give the key from the trial's registration on chain)"},
		{"protocol", func(x *Export) VerifyOptions {
			x.Trial.Protocols[0].TxHash = common.HexToHash("0x01")
			return VerifyOptions{Chain: e.lookup()}
		}, "Protocol version 1 of the export names another transaction than the chain's"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ReadExport(bytes.NewReader(clean))
			if err != nil {
				t.Fatal(err)
			}
			v := verdictOf(t, x, tt.edit(x))
			wantProblem(t, v, tt.want)
			for _, p := range v.Problems {
				if strings.Contains(p, "=") || strings.Contains(p, "FAIL") {
					t.Errorf("problem %q shows a root or a code", p)
				}
			}
		})
	}
}

func TestVerdict_cutBackExportNamesTheMissingEntries(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT20000005")
	ex, err := e.svc.Export(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.record(tr.ID, StepInput{Type: "visit", Subject: "S-001"}, StepInput{Type: "visit", Subject: "S-001"})
	if _, err := e.svc.Anchor(ctx, e.sponsor, tr.ID); err != nil {
		t.Fatal(err)
	}
	v := verdictOf(t, ex, VerifyOptions{Chain: e.lookup()})
	wantProblem(t, v, "Entries 4–5 are missing: the chain holds an anchor of size 6")
	if v.Headline != "Not verified: 1 problem found in this audit trail; do not rely on it as it stands" {
		t.Errorf("headline %q", v.Headline)
	}
}

func TestVerdict_signerIsNamedRelativeToTheTrial(t *testing.T) {
	e := newTestEnv(t)
	tr := anchoredTrial(t, e, "NCT20000006")
	h, _ := e.svc.ledger.Head(ctx, ledger.LogID(tr.ID))
	step := marketplace.Step{Format: marketplace.StepFormat, Trial: tr.ID, Index: h.Size, Type: marketplace.StepVisit,
		Protocol: 1, ProtocolSHA256: tr.Protocols[0].SHA256, Who: e.other.Address(), When: e.clock.now(), Meaning: marketplace.MeaningApproved}
	c, err := canonicalStep(&step)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := e.other.SignPersonal(c)
	if _, err := e.svc.ledger.Append(ctx, ledger.LogID(tr.ID), encodeLeaf(c, sig)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Anchor(ctx, e.sponsor, tr.ID); err != nil {
		t.Fatal(err)
	}
	ex, _ := e.svc.Export(ctx, tr.ID)
	v := verdictOf(t, ex, VerifyOptions{Chain: e.lookup()})
	wantProblem(t, v, "Entry 4 was signed by "+ShortAddress(e.other.Address())+", an account the sponsor never authorized")
}

func TestVerdict_unknownFindingsFallBackToTheirText(t *testing.T) {
	rep := &Report{Report: &ledger.Report{Findings: []ledger.Finding{{Subject: "widget 3", Detail: "it broke"}, {Subject: "widget 4", Detail: "root 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= is not 0x8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"}, {Subject: "store: entry 2", Detail: "missing from the bundle"}}}}
	v := rep.Verdict()
	if v.OK || len(v.Problems) != 3 || v.Problems[0] != "Widget 3: it broke." || v.Problems[1] != "Widget 4: root (a hash) is not 0x8f4343…." ||
		v.Problems[2] != "In this node's own store: Entry 2 is missing from the export" {
		t.Errorf("verdict %+v", v)
	}
}
