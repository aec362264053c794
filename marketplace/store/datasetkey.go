package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
)

// Keys of the provider's records (prefix "mk:"):
//
//	mk:dskey:<content hash>   DatasetKeyRecord: a dataset key wrapped to the node key
//	mk:pub:<content hash>     Publish: a publish in progress or done
//	mk:card:<metadata hash>   the encoded dataset card, as served
const (
	dsKeyPrefix   = "mk:dskey:"
	publishPrefix = "mk:pub:"
	cardPrefix    = "mk:card:"
)

// DatasetKeyRecord is a dataset key this node serves, wrapped (ECIES) to the
// node key: the store never holds a dataset key in clear.
type DatasetKeyRecord struct {
	ContentHash common.Hash `json:"content_hash"`
	Wrapped     []byte      `json:"wrapped"`
	// Uploader is who handed the key to the node: the publisher itself, or a
	// patient publishing through this node as a hub.
	Uploader common.Address `json:"uploader"`
	Created  time.Time      `json:"created"`
}

// Publish states.
const (
	PublishPending = "pending" // blob and key stored; the listing transaction may or may not be mined
	PublishListed  = "listed"  // the listing is on chain (ListingID set)
)

// Publish is the durable record of a publish, written before the listing
// transaction so that a crash leaves either a retryable draft (pending) or a
// listed dataset whose blob and key are on disk — never a listing without
// its blob.
type Publish struct {
	ContentHash  common.Hash    `json:"content_hash"`
	MetadataHash common.Hash    `json:"metadata_hash"`
	Seller       common.Address `json:"seller"`
	State        string         `json:"state"`
	ListingID    uint64         `json:"listing_id,omitempty"`
	TxHash       common.Hash    `json:"tx_hash,omitempty"`
	Size         int64          `json:"size"`
	Created      time.Time      `json:"created"`
	// Provider is the provider URL a draft is to be listed with when it is
	// not this node: the hub the dataset was uploaded to. RetryPublish lists
	// it there without uploading again. Empty: this node.
	Provider string `json:"provider,omitempty"`
	// HubUpload marks a dataset this node holds as a hub for Seller (blob,
	// key wrapped to the node key, card): it counts against the seller's
	// hub quota, and is deleted if not listed on chain within the upload TTL.
	HubUpload bool `json:"hub_upload,omitempty"`
	// Salt is the secret of the listing's commitment (contracts.Commitment):
	// chosen before the commit transaction and kept, so a publish retried
	// after a crash between commit and list lists with the commitment
	// already on chain. Zero: not committed yet.
	Salt common.Hash `json:"salt,omitempty"`
}

// PutDatasetKey stores a wrapped dataset key (replacing any earlier one).
func (s *Store) PutDatasetKey(ctx context.Context, r DatasetKeyRecord) error {
	if r.ContentHash == (common.Hash{}) || len(r.Wrapped) == 0 {
		return marketplace.Errorf(marketplace.EINVALID, "Dataset key record needs a content hash and a wrapped key.")
	}
	return s.db.Update(func(tx *buntdb.Tx) error {
		return setJSON(tx, dsKeyPrefix+r.ContentHash.Hex(), r)
	})
}

// DatasetKey returns the wrapped key of a content hash, ENOTFOUND if this
// node holds none.
func (s *Store) DatasetKey(ctx context.Context, content common.Hash) (DatasetKeyRecord, error) {
	return loadJSON[DatasetKeyRecord](s.db, dsKeyPrefix+content.Hex(),
		marketplace.Errorf(marketplace.ENOTFOUND, "This node holds no key for dataset %s.", content.Hex()))
}

// PutPublish writes a publish record and, with it in one transaction, the
// encoded card it lists (served by metadata hash).
func (s *Store) PutPublish(ctx context.Context, p Publish, card []byte) error {
	return s.db.Update(func(tx *buntdb.Tx) error {
		if card != nil {
			if _, _, err := tx.Set(cardPrefix+p.MetadataHash.Hex(), string(card), nil); err != nil {
				return err
			}
		}
		return setJSON(tx, publishPrefix+p.ContentHash.Hex(), p)
	})
}

// Publish returns the publish record of a content hash, or ENOTFOUND.
func (s *Store) Publish(ctx context.Context, content common.Hash) (Publish, error) {
	return loadJSON[Publish](s.db, publishPrefix+content.Hex(),
		marketplace.Errorf(marketplace.ENOTFOUND, "No publish of dataset %s on this node.", content.Hex()))
}

// Publishes returns every publish record, oldest first.
func (s *Store) Publishes(ctx context.Context) ([]Publish, error) {
	out, err := scanJSON[Publish](s.db, publishPrefix+"*")
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// DeletePublish forgets a publish draft and its card (the caller removes
// the blob and key).
func (s *Store) DeletePublish(ctx context.Context, p Publish) error {
	return s.db.Update(func(tx *buntdb.Tx) error {
		for _, k := range []string{publishPrefix + p.ContentHash.Hex(), cardPrefix + p.MetadataHash.Hex(), dsKeyPrefix + p.ContentHash.Hex()} {
			if _, err := tx.Delete(k); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// PutCard stores an encoded card under its metadata hash.
func (s *Store) PutCard(ctx context.Context, card []byte) (common.Hash, error) {
	h := marketplace.CardHash(card)
	err := s.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(cardPrefix+h.Hex(), string(card), nil)
		return err
	})
	return h, err
}

// Card returns the encoded card with the metadata hash, ENOTFOUND if this
// node does not serve it.
func (s *Store) Card(ctx context.Context, metadata common.Hash) ([]byte, error) {
	var v string
	err := s.db.View(func(tx *buntdb.Tx) error {
		var err error
		v, err = tx.Get(cardPrefix + metadata.Hex())
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "No dataset card %s on this node.", metadata.Hex())
	}
	if err != nil {
		return nil, fmt.Errorf("read card: %w", err)
	}
	return []byte(v), nil
}

// Keys of pre-wrapped keys (prefix "mk:"):
//
//	mk:bkey:<listing, 20 digits>:<buyer>  BuyerKey: a dataset key wrapped to a buyer
//	mk:prewrap:block                      the last block whose purchases were handled
const (
	buyerKeyPrefix = "mk:bkey:"
	prewrapCursor  = "mk:prewrap:block"
)

// BuyerKey is a dataset key wrapped ahead of time (ECIES) to a buyer's
// public key, recovered from its buy transaction: the key is ready when the
// buyer's node comes to download, even long after.
type BuyerKey struct {
	ListingID   uint64         `json:"listing_id"`
	Buyer       common.Address `json:"buyer"`
	ContentHash common.Hash    `json:"content_hash"`
	Wrapped     []byte         `json:"wrapped"`
	TxHash      common.Hash    `json:"tx_hash"` // the buy transaction the public key came from
	Created     time.Time      `json:"created"`
}

func buyerKeyKey(id uint64, buyer common.Address) string {
	return fmt.Sprintf("%s%020d:%s", buyerKeyPrefix, id, buyer.Hex())
}

// PutBuyerKey stores a pre-wrapped key (replacing any earlier one).
func (s *Store) PutBuyerKey(ctx context.Context, k BuyerKey) error {
	if k.ListingID == 0 || k.Buyer == (common.Address{}) || len(k.Wrapped) == 0 {
		return marketplace.Errorf(marketplace.EINVALID, "Buyer key record needs a listing, a buyer and a wrapped key.")
	}
	return s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, buyerKeyKey(k.ListingID, k.Buyer), k) })
}

// BuyerKey returns the key pre-wrapped to buyer for listing id, ENOTFOUND if none.
func (s *Store) BuyerKey(ctx context.Context, id uint64, buyer common.Address) (BuyerKey, error) {
	return loadJSON[BuyerKey](s.db, buyerKeyKey(id, buyer),
		marketplace.Errorf(marketplace.ENOTFOUND, "No key pre-wrapped to %s for listing %d.", buyer.Hex(), id))
}

// PrewrapBlock returns the last block whose purchases were handled (0: none).
func (s *Store) PrewrapBlock(ctx context.Context) (uint64, error) {
	return loadJSON[uint64](s.db, prewrapCursor, nil)
}

// SetPrewrapBlock records the last block whose purchases were handled.
func (s *Store) SetPrewrapBlock(ctx context.Context, n uint64) error {
	return s.db.Update(func(tx *buntdb.Tx) error { return setJSON(tx, prewrapCursor, n) })
}
