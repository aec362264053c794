package app

import (
	"context"
	"sort"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// BlobCheck is what VerifyBlobs found.
type BlobCheck struct {
	Store   string   `json:"store"`   // the store checked
	Blobs   int      `json:"blobs"`   // blobs read through
	Damaged []string `json:"damaged"` // content hashes (hex) whose bytes no longer hash to their name, sorted
}

// VerifyBlobs reads every blob of this node's store through and checks its
// bytes still hash to its name (`medmarket blobs verify`). A damaged blob
// is reported, not an error; an error means the store could not be read
// (EUNAVAILABLE when unreachable).
func (a *App) VerifyBlobs(ctx context.Context) (BlobCheck, error) {
	s := a.market.blobs
	out := BlobCheck{Store: s.String()}
	hs, err := s.List(ctx)
	if err != nil {
		return out, err
	}
	for _, h := range hs {
		switch err := s.Verify(ctx, h); marketplace.ErrorCode(err) {
		case "":
		case marketplace.EINVALID:
			out.Damaged = append(out.Damaged, "0x"+h.String())
		case marketplace.ENOTFOUND:
			continue // removed since the listing
		default:
			return out, err
		}
		out.Blobs++
	}
	sort.Strings(out.Damaged)
	return out, nil
}

// BlobCopy is what CopyBlobsFrom did.
type BlobCopy struct {
	From, To string   // the source and this node's store
	Copied   int      // blobs copied
	Bytes    int64    // their bytes
	Present  int      // blobs this node's store held already
	Damaged  []string // source blobs whose bytes do not hash to their name: not copied
}

// CopyBlobsFrom copies into this node's blob store every blob that src
// holds and it lacks (`medmarket blobs copy-from`): how a node moves from
// its data directory's folder to an object store (start it with
// --blob-store s3://..., then copy from the folder), or back. Each blob is
// rehashed on the way; a source blob that does not hash to its name is
// reported and not copied. The source is only read. EINVALID when the
// source is this node's store.
func (a *App) CopyBlobsFrom(ctx context.Context, src BlobStoreOptions) (BlobCopy, error) {
	dst := a.market.blobs
	from, err := a.blobStoreAt(ctx, src, false)
	if err != nil {
		return BlobCopy{}, err
	}
	out := BlobCopy{From: from.String(), To: dst.String()}
	if out.From == out.To {
		return out, marketplace.Errorf(marketplace.EINVALID, "Copy blobs: the source %s is this node's blob store.", out.From)
	}
	hs, err := from.List(ctx)
	if err != nil {
		return out, err
	}
	for _, h := range hs {
		if err := a.copyBlob(ctx, from, h, &out); err != nil {
			return out, err
		}
	}
	sort.Strings(out.Damaged)
	return out, nil
}

// copyBlob copies one blob unless dst has it, rehashing it on the way.
func (a *App) copyBlob(ctx context.Context, from blobStore, h vault.Hash, out *BlobCopy) error {
	dst := a.market.blobs
	if has, err := dst.Has(ctx, h); err != nil || has {
		if has {
			out.Present++
		}
		return err
	}
	r, _, err := from.Open(ctx, h)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return nil // removed since the listing
	}
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	sum, n, err := dst.Put(ctx, r)
	if err != nil {
		return err
	}
	if sum != h {
		out.Damaged = append(out.Damaged, "0x"+h.String())
		// What was stored is named by its own hash, held by no record: unless
		// this store held those bytes already, remove it.
		if held, err := a.store.Holds(ctx, [32]byte(sum)); err == nil && !held {
			return dst.Remove(ctx, sum)
		}
		return nil
	}
	out.Copied++
	out.Bytes += n
	return nil
}
