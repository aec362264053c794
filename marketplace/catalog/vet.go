package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// cloneScanChunk is how many blocks one query for earlier listings of a content hash covers
// (the scanner halves it for a node that refuses the range).
const cloneScanChunk = 100_000

// vet decides whether a listing whose card matched its metadata hash may be shown: it returns
// "" when it may, else the reason it may not. Both checks read only the chain and the card, so
// every node decides alike and re-indexing decides the same.
//
//   - The card is signed by the listing's seller (Config.ChainID set): a listing that names
//     another seller's card (and provider) has a card signed by someone else.
//   - No other seller listed the same content hash earlier: the content hash is the SHA-256 of a
//     ciphertext under a fresh random key, which only its publisher (and the hub it chose) knows
//     before the listing is on chain, so the first listing of a content hash is its publisher's
//     and a later one by another account is a copy, whatever card and provider it names. A
//     seller relisting its own dataset is no copy.
//
// An error means the chain could not be read; the caller retries.
func (ix *Indexer) vet(ctx context.Context, l *marketplace.Listing, card *marketplace.DatasetCard) (string, error) {
	if ix.cfg.ChainID != 0 {
		if len(card.Signature) == 0 {
			return "its dataset card is not signed by its seller", nil
		}
		h, err := card.UnsignedHash()
		if err != nil {
			return "its dataset card cannot be encoded: " + marketplace.ErrorMessage(err), nil
		}
		signer, err := vault.RecoverPersonal(marketplace.CardSignatureMessage(ix.cfg.ChainID, ix.cfg.Market, l.ContentHash, h), card.Signature)
		if err != nil {
			return "its dataset card's signature is malformed: " + marketplace.ErrorMessage(err), nil
		}
		if signer != l.Seller {
			return fmt.Sprintf("its dataset card is signed by %s for this dataset, not by the listing's seller %s", signer.Hex(), l.Seller.Hex()), nil
		}
	}
	first, err := ix.firstListing(ctx, l)
	if err != nil {
		return "", err
	}
	if first != nil && first.Seller != l.Seller {
		return fmt.Sprintf("it copies listing %d: dataset %s was listed first by %s", first.ID, l.ContentHash.Hex(), first.Seller.Hex()), nil
	}
	return "", nil
}

// firstListing returns the earliest listing on chain of l's content hash, before l (nil when l is
// the first).
func (ix *Indexer) firstListing(ctx context.Context, l *marketplace.Listing) (*marketplace.Listing, error) {
	s := chain.Scanner{Chain: ix.cfg.Chain, Addresses: []common.Address{ix.cfg.Market},
		Topics: [][]common.Hash{{topicListed}, nil, nil, {l.ContentHash}}, ChunkSize: cloneScanChunk}
	var first *marketplace.Listing
	stop := errors.New("found")
	_, err := s.Scan(ctx, ix.cfg.FromBlock, l.Block, func(_, _ uint64, logs []types.Log) error {
		for i := range logs {
			lg := &logs[i]
			if lg.Removed || lg.Address != ix.cfg.Market {
				continue
			}
			if lg.BlockNumber > l.Block || (lg.BlockNumber == l.Block && lg.Index >= l.LogIndex) {
				return stop
			}
			e, err := market.UnpackListedEvent(lg)
			if err != nil || e.ContentHash != l.ContentHash {
				continue
			}
			id, err := listingID(e.Id)
			if err != nil {
				continue
			}
			first = &marketplace.Listing{ID: id, Seller: e.Seller, ContentHash: e.ContentHash, Block: lg.BlockNumber, LogIndex: lg.Index}
			return stop
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot look for earlier listings of dataset %s", l.ContentHash.Hex())
	}
	return first, nil
}
