package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/store"
)

// TestPublish_crashBetweenSteps stops a publish at each step, as a crash
// would, reopens the data dir and checks: no half listing, no listed
// dataset without its blob, and the catalog converges from the chain. A
// crash between the commit and the list transactions leaves a draft whose
// retry lists with the commitment already on chain (same salt, no second
// commit).
func TestPublish_crashBetweenSteps(t *testing.T) {
	ctx := context.Background()
	crash := errors.New("crash")
	for _, step := range []string{StepStored, StepCommitted, StepListed} {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			a := marketApp(t, dir)
			a.SetPublishHook(func(s string) error {
				if s == step {
					return crash
				}
				return nil
			})
			_, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor-k5",
				Title: "Crashed", Price: ether("0.01"), Terms: hmb})
			if !errors.Is(err, crash) {
				t.Fatalf("publish: %v", err)
			}
			if err := closeNow(a); err != nil {
				t.Fatal(err)
			}

			a = marketApp(t, dir)
			if err := a.SyncCatalog(ctx); err != nil {
				t.Fatal(err)
			}
			ls, n, err := a.Search(ctx, marketplace.CatalogFilter{IncludeDelisted: true})
			if err != nil {
				t.Fatal(err)
			}
			drafts, err := a.Drafts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch step {
			case StepStored, StepCommitted: // before the list transaction: nothing listed, a retryable draft
				if n != 0 || len(drafts) != 1 {
					t.Fatalf("listings %d, drafts %d; want 0 and 1", n, len(drafts))
				}
				ls = retryCrashedDraft(t, a, step, drafts[0])
			case StepListed: // after the transaction: listed, blob here, record reconciled
				if n != 1 || len(drafts) != 0 || ls[0].CardStatus != marketplace.CardVerified {
					t.Fatalf("listings %d (%+v), drafts %d; want 1 verified and 0", n, ls, len(drafts))
				}
			}
			l := ls[0]
			if !hasBlob(t, a, l.ContentHash) {
				t.Fatal("listed dataset without its blob")
			}
			if _, err := a.Buy(ctx, ByAccount("bob", "pw"), l.ID, BuyConfirmation{AcceptTerms: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Download(ctx, ByAccount("bob", "pw"), l.ID, DownloadRequest{Out: filepath.Join(t.TempDir(), "d.csv")}); err != nil {
				t.Fatalf("download after recovery: %v", err)
			}
		})
	}
}

// retryCrashedDraft: a publish stopped before its list transaction is a
// draft, committed on chain only if it got that far, and its retry lists
// it (with the committed salt); it returns the catalog after the retry.
func retryCrashedDraft(t *testing.T, a *App, step string, draft store.Publish) []*marketplace.Listing {
	t.Helper()
	ctx := t.Context()
	commitment := contracts.Commitment(draft.Seller, draft.ContentHash, draft.Salt)
	at, err := call(ctx, a, a.market.abi.PackCommitBlock(commitment), a.market.abi.UnpackCommitBlock)
	if err != nil {
		t.Fatal(err)
	}
	if committed := draft.Salt != (common.Hash{}) && at.Sign() != 0; committed != (step == StepCommitted) {
		t.Fatalf("draft salt %s committed at block %v; want committed %v", draft.Salt, at, step == StepCommitted)
	}
	p, err := a.RetryPublish(ctx, ByAccount("alice", "pw"), draft.ContentHash, ether("0.01"), hmb)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	rec, err := a.store.Publish(ctx, draft.ContentHash)
	if err != nil {
		t.Fatal(err)
	}
	if step == StepCommitted && rec.Salt != draft.Salt {
		t.Errorf("retry listed with salt %s, not the committed %s", rec.Salt, draft.Salt)
	}
	ls, n, _ := a.Search(ctx, marketplace.CatalogFilter{})
	if n != 1 || ls[0].ID != p.ListingID {
		t.Fatalf("after retry: %d listings", n)
	}
	return ls
}

// The wizard's dry run output is published as it is: no input is read
// again, the bytes are the run's table, and the gate is checked again on
// it; the run is the owner's only, and a publish with other settings does
// not use it.
func TestPublish_dryRunOutputAsIs(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	if _, err := os.Stat(patientsCSV); err != nil {
		t.Skipf("shared test data absent (%v)", err)
	}
	alice := addr(t, a, "alice")
	p, err := a.PreviewAnonymization(ctx, PreviewRequest{Path: patientsCSV, Preset: "safe-harbor-k5", Owner: alice})
	if err != nil || p.ID == "" || !p.Verdict.Pass {
		t.Fatalf("dry run: %q %+v, %v", p.ID, p.Verdict, err)
	}
	kept, _ := a.previews.get(a.now(), alice, p.ID)
	var want, got bytes.Buffer
	if err := anonymize.WriteCSV(&want, kept.result.Table, anonymize.CSVWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	req := PublishRequest{Preview: p.ID, Preset: "safe-harbor-k5", Title: "From the dry run", Price: ether("0.01"),
		Terms: hmb, Copy: &got} // no Input, no Reader: nothing to read
	if _, err := a.Publish(ctx, ByAccount("bob", "pw"), req); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("bob published alice's dry run: %v", err)
	}
	other := req
	other.Preset = "safe-harbor"
	if _, err := a.Publish(ctx, ByAccount("alice", "pw"), other); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("a dry run of safe-harbor-k5 published as safe-harbor: %v", err)
	}
	pub, err := a.Publish(ctx, ByAccount("alice", "pw"), req)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.FromPreview || !bytes.Equal(got.Bytes(), want.Bytes()) || pub.Report.MinClassSize != p.Report.MinClassSize {
		t.Errorf("published %d bytes (k %d), the dry run had %d (k %d)", got.Len(), pub.Report.MinClassSize, want.Len(), p.Report.MinClassSize)
	}

	// The verdict is the app's: a stricter policy refuses the same run.
	req.Policy, req.Copy = &anonymize.Policy{MinK: 1000}, nil
	if _, err := a.Publish(ctx, ByAccount("alice", "pw"), req); marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(fmt.Sprint(err), "k-anonymity") {
		t.Errorf("a dry run failing the policy published: %v", err)
	}
}
