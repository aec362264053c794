package catalog

import (
	"context"
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
// first is the earliest listing on chain of l's content hash (firstListings), nil if none.
func (ix *Indexer) vet(l *marketplace.Listing, card *marketplace.DatasetCard, first *marketplace.Listing) string {
	if ix.cfg.ChainID != 0 {
		if len(card.Signature) == 0 {
			return "its dataset card is not signed by its seller"
		}
		h, err := card.UnsignedHash()
		if err != nil {
			return "its dataset card cannot be encoded: " + marketplace.ErrorMessage(err)
		}
		signer, err := vault.RecoverPersonal(marketplace.CardSignatureMessage(ix.cfg.ChainID, ix.cfg.Market, l.ContentHash, h), card.Signature)
		if err != nil {
			return "its dataset card's signature is malformed: " + marketplace.ErrorMessage(err)
		}
		if signer != l.Seller {
			return fmt.Sprintf("its dataset card is signed by %s for this dataset, not by the listing's seller %s", signer.Hex(), l.Seller.Hex())
		}
	}
	if first != nil && first.Seller != l.Seller && (first.Block < l.Block || (first.Block == l.Block && first.LogIndex < l.LogIndex)) {
		return fmt.Sprintf("it copies listing %d: dataset %s was listed first by %s", first.ID, l.ContentHash.Hex(), first.Seller.Hex())
	}
	return ""
}

// maxTopicsPerQuery bounds the content hashes one log query asks for (nodes limit the
// alternatives per topic position; geth allows 1,000).
const maxTopicsPerQuery = 500

// firstListings returns, for the content hashes of ls, the earliest listing on chain of each (up
// to the last block of ls), read from the Listed events by their indexed content hash: one log
// query per chunk of blocks and batch of hashes, not one per listing. EUNAVAILABLE when the chain
// cannot be read; the caller retries.
func (ix *Indexer) firstListings(ctx context.Context, ls []*marketplace.Listing) (map[common.Hash]*marketplace.Listing, error) {
	first := make(map[common.Hash]*marketplace.Listing)
	var hashes []common.Hash
	var last uint64
	seen := make(map[common.Hash]bool)
	for _, l := range ls {
		last = max(last, l.Block)
		if !seen[l.ContentHash] {
			seen[l.ContentHash] = true
			hashes = append(hashes, l.ContentHash)
		}
	}
	for len(hashes) > 0 {
		batch := hashes[:min(len(hashes), maxTopicsPerQuery)]
		hashes = hashes[len(batch):]
		s := chain.Scanner{Chain: ix.cfg.Chain, Addresses: []common.Address{ix.cfg.Market},
			Topics: [][]common.Hash{{topicListed}, nil, nil, batch}, ChunkSize: cloneScanChunk}
		_, err := s.Scan(ctx, min(ix.cfg.FromBlock, last), last, func(_, _ uint64, logs []types.Log) error {
			for i := range logs {
				lg := &logs[i]
				if lg.Removed || lg.Address != ix.cfg.Market {
					continue
				}
				e, err := market.UnpackListedEvent(lg)
				if err != nil || first[e.ContentHash] != nil || !seen[e.ContentHash] {
					continue
				}
				id, err := listingID(e.Id)
				if err != nil {
					continue
				}
				first[e.ContentHash] = &marketplace.Listing{ID: id, Seller: e.Seller, ContentHash: e.ContentHash, Block: lg.BlockNumber, LogIndex: lg.Index}
			}
			return nil
		})
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot look for earlier listings of %d datasets", len(batch))
		}
	}
	return first, nil
}
