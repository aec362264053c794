package ledger

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/buntdb"
	"golang.org/x/mod/sumdb/note"

	"github.com/medmarket/medmarket/marketplace"
)

func TestCheckpoint_isAC2SPSignedNote(t *testing.T) {
	tl := newTestLog(t, true)
	tl.appendN(10, 10)
	cp := tl.checkpoint()
	th, _ := tl.l.Head(ctx, tl.id)
	text, sigs, ok := strings.Cut(cp.Note, "\n\n")
	if !ok {
		t.Fatalf("note without signature block:\n%s", cp.Note)
	}
	wantText := tl.l.prefix + "/" + tl.id.hex() + "\n10\n" + base64.StdEncoding.EncodeToString(th.Root[:])
	if text != wantText {
		t.Errorf("checkpoint text\n%s\nwant\n%s", text, wantText)
	}
	// C2SP: the log signs under its origin.
	if !strings.HasPrefix(sigs, "— "+tl.l.prefix+"/"+tl.id.hex()+" ") || strings.Count(sigs, "\n") != 1 {
		t.Errorf("signature lines %q", sigs)
	}
	got, err := OpenCheckpoint([]byte(cp.Note), tl.key())
	if err != nil || got.Size != 10 || got.Root != th.Root || got.Origin != cp.Origin {
		t.Fatalf("OpenCheckpoint = %+v, %v", got, err)
	}
	_, other, _ := note.GenerateKey(nil, "medmarket-ledger")
	if _, err := OpenCheckpoint([]byte(cp.Note), other); err == nil || !strings.Contains(err.Error(), "not signed by the log key") {
		t.Errorf("OpenCheckpoint with another key: %v", err)
	}
	forged := strings.Replace(cp.Note, "\n10\n", "\n11\n", 1)
	if _, err := OpenCheckpoint([]byte(forged), tl.key()); err == nil || !strings.Contains(err.Error(), "does not match the text") {
		t.Errorf("OpenCheckpoint of an edited note: %v", err)
	}
}

func TestCheckpoint_sameSizeGivesTheSameNote(t *testing.T) {
	tl := newTestLog(t, true)
	tl.appendN(7, 7)
	a, b := tl.checkpoint(), tl.checkpoint()
	if a.Note != b.Note {
		t.Errorf("two notes for one size:\n%s\n%s", a.Note, b.Note)
	}
	tl.appendN(9, 7)
	c := tl.checkpoint()
	cps, err := tl.l.Checkpoints(ctx, tl.id)
	if err != nil || len(cps) != 2 || cps[0].Size != 7 || cps[1].Size != 9 || cps[1].Note != c.Note {
		t.Errorf("Checkpoints = %+v, %v", cps, err)
	}
	if _, err := tl.l.Checkpoint(ctx, logID("empty")); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("checkpoint of no log: %v", err)
	}
}

// graft replaces the tree (tiles and state, keeping the origin) of log to with
// that of log from, as an attacker rewriting the store would.
func (t *testLog) graft(from, to LogID) {
	t.tb.Helper()
	err := t.db.Update(func(tx *buntdb.Tx) error {
		origin, err := loadState(tx, to)
		if err != nil {
			return err
		}
		st, err := loadState(tx, from)
		if err != nil {
			return err
		}
		st.Origin = origin.Origin
		if err := saveState(tx, to, st); err != nil {
			return err
		}
		src, dst := "ledger:"+from.hex()+":t:", "ledger:"+to.hex()+":t:"
		var kv [][2]string
		err = tx.AscendRange("", src, src+"~", func(k, v string) bool {
			kv = append(kv, [2]string{dst + strings.TrimPrefix(k, src), v})
			return true
		})
		if err != nil {
			return err
		}
		for _, p := range kv {
			if _, _, err := tx.Set(p[0], p[1], nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.tb.Fatal(err)
	}
}

func TestCheckpoint_neverSignsTwoThatDisagree(t *testing.T) {
	for _, tc := range []struct {
		name      string
		otherSize uint64 // size of the other log grafted onto the signed one
		want      string
	}{
		{"same size, other root", 10, "checkpoint 10 was signed with another root"},
		{"smaller than signed", 5, "checkpoint 10 is already signed"},
		{"larger but not an extension", 20, "not consistent with checkpoint 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTestLog(t, true)
			tl.appendN(10, 10)
			signed := tl.checkpoint()
			other := logID("other")
			for i := range tc.otherSize {
				if _, err := tl.l.Append(ctx, other, []byte("other entry "+string(rune('a'+i)))); err != nil {
					t.Fatal(err)
				}
			}
			tl.graft(other, tl.id)
			_, err := tl.l.Checkpoint(ctx, tl.id)
			if marketplace.ErrorCode(err) != marketplace.ECONFLICT || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Checkpoint after graft: %v; want ECONFLICT %q", err, tc.want)
			}
			cps, _ := tl.l.Checkpoints(ctx, tl.id)
			if len(cps) != 1 || cps[0].Note != signed.Note {
				t.Fatalf("checkpoints after refusal: %+v", cps)
			}
		})
	}
}

func TestCheckpoint_refusesWhenStateAndTreeDisagree(t *testing.T) {
	tl := newTestLog(t, true)
	tl.appendN(10, 10)
	tl.checkpoint()
	tl.appendN(12, 10)
	// The state's compact range no longer matches the stored nodes.
	err := tl.db.Update(func(tx *buntdb.Tx) error {
		st, _ := loadState(tx, tl.id)
		st.Range[0] = hasher.HashLeaf([]byte("forged"))
		return saveState(tx, tl.id, st)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tl.l.Checkpoint(ctx, tl.id); marketplace.ErrorCode(err) != marketplace.ECONFLICT || !strings.Contains(err.Error(), "does not match its state") {
		t.Fatalf("Checkpoint = %v", err)
	}
}

func TestKey_createdOnFirstUseWithMode0600AndKept(t *testing.T) {
	tl := newTestLog(t, true)
	fi, err := os.Stat(filepath.Join(tl.cfg.KeyDir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(tl.cfg.KeyDir)
	if di.Mode().Perm() != 0o700 {
		t.Errorf("key dir mode %v, want 0700", di.Mode().Perm())
	}
	vkey := tl.key()
	if v, err := note.NewVerifier(vkey); err != nil || v.Name() != "medmarket/ledger/"+tl.id.hex() {
		t.Errorf("verifier key %q: %v; want it named by the origin", vkey, err)
	}
	tl.reopen()
	if tl.key() != vkey {
		t.Errorf("key changed on reopen")
	}
	if _, err := New(tl.db, Config{}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("New without key dir: %v", err)
	}
}
