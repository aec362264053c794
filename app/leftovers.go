package app

import (
	"context"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// StepKeyed is the publish step between storing the blob and its dataset
// key and writing the draft record (SetPublishHook): a crash there leaves
// what cleanLeftovers removes at the next start.
const StepKeyed = "keyed"

// cleanLeftovers removes what a crash (kill -9, power loss) left in the
// data directory; Open calls it, before anything else in this process can
// store a blob (the data dir's lock keeps other processes out):
//
//  1. temp files of blobs being written (blobs/.put-*): a Put that never
//     finished, named by nothing;
//  2. blobs of publishes dropped before the crash (their drop traces);
//  3. dataset keys and blobs that no publish record names (a crash between
//     storing the blob, its key and the draft record), unless their content
//     hash is in a Listed event on chain. When the chain cannot tell (no
//     contracts known, node unreachable), step 3 keeps everything.
//
// The order keeps a crash during the cleanup safe, as in dropPublish: an
// orphan key is deleted with a drop trace in one transaction, then its
// blob, then the trace; a record never names a missing blob.
func (a *App) cleanLeftovers(ctx context.Context) error {
	a.hub.mu.Lock()
	defer a.hub.mu.Unlock()
	n, size, err := a.market.blobs.RemoveTemp(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		a.log.Info("removed blob temp files left by a crash", "files", n, "bytes", size)
	}
	if err := a.finishDrops(ctx); err != nil {
		return err
	}
	if _, err := a.marketAddr(); err != nil {
		return nil // nothing can be checked against the chain: keep everything
	}
	named, err := a.namedContent(ctx)
	if err != nil {
		return err
	}
	keys, err := a.store.DatasetKeys(ctx)
	if err != nil {
		return err
	}
	hasKey := map[common.Hash]bool{}
	var orphans []common.Hash
	for _, k := range keys {
		hasKey[k] = true
		if !named[k] {
			orphans = append(orphans, k)
		}
	}
	blobs, err := a.market.blobs.List(ctx)
	if err != nil {
		return err
	}
	for _, b := range blobs {
		if c := common.Hash(b); !named[c] && !hasKey[c] {
			orphans = append(orphans, c)
		}
	}
	for _, c := range orphans {
		listed, err := a.listedOnChain(ctx, c)
		if err != nil {
			a.log.Warn("crash leftovers kept: the chain cannot say whether they are listed", "err", err)
			return nil
		}
		if listed {
			a.log.Warn("dataset with no publish record kept: its content is listed on chain", "content", c)
			continue
		}
		if hasKey[c] {
			err := a.store.DropOrphanKey(ctx, c, a.now())
			if marketplace.ErrorCode(err) == marketplace.ECONFLICT || marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			if err := a.publishStep(StepDropped); err != nil {
				return err
			}
			if err := a.removeDroppedBlob(ctx, c); err != nil {
				return err
			}
		} else if err := a.removeOrphanBlob(ctx, c); err != nil {
			return err
		}
		a.log.Info("removed a dataset a crash left with no publish record", "content", c, "key", hasKey[c])
	}
	return nil
}

// removeOrphanBlob removes a blob no record names (checked again).
func (a *App) removeOrphanBlob(ctx context.Context, c common.Hash) error {
	held, err := a.store.Holds(ctx, c)
	if err != nil || held {
		return err
	}
	return a.market.blobs.Remove(ctx, vault.Hash(c))
}

// namedContent is the content a record names: publishes (drafts, listed,
// hub uploads) and the pools' contributions this node holds as a hub.
func (a *App) namedContent(ctx context.Context) (map[common.Hash]bool, error) {
	pubs, err := a.store.Publishes(ctx)
	if err != nil {
		return nil, err
	}
	named := map[common.Hash]bool{}
	for _, p := range pubs {
		named[p.ContentHash] = true
	}
	held, err := a.store.PoolBlobs(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range held {
		named[b.ContentHash] = true
	}
	return named, nil
}
