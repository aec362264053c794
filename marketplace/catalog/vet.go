package catalog

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/contracts"
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
//     another seller's card (and provider) has a card signed by someone else. A seller that is a
//     contract (a pool's PoolPayouts, which sells its versions) cannot sign: its card is signed by
//     the account the contract names as its operator().
//   - No other seller committed to the same content hash earlier: the content hash is the SHA-256
//     of a ciphertext under a fresh random key, which only its publisher (and the hub it chose)
//     knows before its list transaction reveals it, and that transaction needs a commitment
//     (DataLicenseMarket.commit, hiding the content hash) mined in an earlier block. So the
//     listing with the earliest commit is its publisher's: a front-runner who copies the content
//     hash from a pending list transaction commits after the publisher's commit was mined, even
//     if its own list transaction is mined first. Any other seller's listing of the hash is a
//     copy, whatever card and provider it names. A seller relisting its own dataset is no copy.
//
// first is the first listing of l's content hash (firstListings): earliest commit block, then
// listing order; nil if none.
func (ix *Indexer) vet(ctx context.Context, l *marketplace.Listing, card *marketplace.DatasetCard, first *marketplace.Listing) string {
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
		if signer != l.Seller && !ix.operates(ctx, signer, l.Seller) {
			return fmt.Sprintf("its dataset card is signed by %s for this dataset, not by the listing's seller %s", signer.Hex(), l.Seller.Hex())
		}
	}
	if first != nil && first.ID != l.ID && first.Seller != l.Seller {
		return fmt.Sprintf("it copies listing %d: dataset %s was committed to first by %s", first.ID, l.ContentHash.Hex(), first.Seller.Hex())
	}
	return ""
}

// operates reports whether seller is a contract whose operator() is signer (a pool's contract
// selling the pool's versions). Any contract may claim an operator; that gives its operator no
// more than an account of its own would: the card is still signed for this dataset by the one
// who listed it, and copies are still ranked by their commits.
func (ix *Indexer) operates(ctx context.Context, signer, seller common.Address) bool {
	pp := contracts.NewPoolPayouts()
	out, err := ix.cfg.Chain.CallContract(ctx, ethereum.CallMsg{To: &seller, Data: pp.PackOperator()}, nil)
	if err != nil {
		return false
	}
	op, err := pp.UnpackOperator(out)
	return err == nil && op == signer && op != (common.Address{})
}

// maxTopicsPerQuery bounds the content hashes one log query asks for (nodes limit the
// alternatives per topic position; geth allows 1,000).
const maxTopicsPerQuery = 500

// listingsOf is what firstListings finds of one content hash.
type listingsOf struct {
	first *marketplace.Listing   // earliest commit block, then listing order
	all   []*marketplace.Listing // every listing of the hash read, in chain order
}

// copiesShownBefore returns the ids of the listings of l's content hash by other sellers that
// were listed before l, when l is the first listing of the hash (else none): listings a node may
// have shown (indexed before l was listed) that l's earlier commit makes copies. The catalog
// flags them when it applies l's Listed event (marketplace.ListingEvent.Copies), so that it ends
// as re-indexing would build it whatever order the listings were indexed in.
func copiesShownBefore(l *marketplace.Listing, of listingsOf) []uint64 {
	if of.first == nil || of.first.ID != l.ID {
		return nil
	}
	var ids []uint64
	for _, o := range of.all {
		if o.Seller != l.Seller && (o.Block < l.Block || (o.Block == l.Block && o.LogIndex < l.LogIndex)) {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// firstListings returns, for the content hashes of ls, the listings of each on chain up to the
// last block of ls or the confirmed head (Config.Confirmations), whichever is later, and which of
// them is first: the one whose commit block (in its Listed event) is earliest, the earliest
// listed among equal commit blocks. Reading past ls finds an original whose list transaction was
// mined after a front-runner's copy, so the copy is flagged at once. They are read from the
// Listed events by their indexed content hash: one log query per chunk of blocks and batch of
// hashes, not one per listing. EUNAVAILABLE when the chain cannot be read; the caller retries.
func (ix *Indexer) firstListings(ctx context.Context, ls []*marketplace.Listing) (map[common.Hash]listingsOf, error) {
	found := make(map[common.Hash]listingsOf)
	firstCommit := make(map[common.Hash]uint64)
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
	if len(hashes) > 0 {
		head, err := ix.cfg.Chain.BlockNumber(ctx)
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the head block to look for other listings of %d datasets", len(hashes))
		}
		if head > ix.cfg.Confirmations {
			last = max(last, head-ix.cfg.Confirmations)
		}
	}
	for len(hashes) > 0 {
		batch := hashes[:min(len(hashes), maxTopicsPerQuery)]
		hashes = hashes[len(batch):]
		s := chain.Scanner{Chain: ix.cfg.Chain, Addresses: []common.Address{ix.cfg.Market},
			Topics: [][]common.Hash{{ix.dec.listed}, nil, nil, batch}, ChunkSize: cloneScanChunk}
		_, err := s.Scan(ctx, min(ix.cfg.FromBlock, last), last, func(_, _ uint64, logs []types.Log) error {
			for i := range logs {
				lg := &logs[i]
				if lg.Removed || lg.Address != ix.cfg.Market {
					continue
				}
				e, err := ix.dec.market.UnpackListedEvent(lg)
				if err != nil || !seen[e.ContentHash] || !e.CommitBlock.IsUint64() {
					continue
				}
				id, err := listingID(e.Id)
				if err != nil {
					continue
				}
				l := &marketplace.Listing{ID: id, Seller: e.Seller, ContentHash: e.ContentHash, Block: lg.BlockNumber, LogIndex: lg.Index}
				of := found[e.ContentHash]
				of.all = append(of.all, l)
				// Logs come in chain order: a later listing wins only with an earlier commit.
				if committed := e.CommitBlock.Uint64(); of.first == nil || committed < firstCommit[e.ContentHash] {
					of.first, firstCommit[e.ContentHash] = l, committed
				}
				found[e.ContentHash] = of
			}
			return nil
		})
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot look for earlier listings of %d datasets", len(batch))
		}
	}
	return found, nil
}
