package catalog

import (
	"context"
	"sync"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// MemCards is a CardSource of cards held in memory, by metadata hash: the cards a node published
// itself, or fetched already. Safe for concurrent use; the zero value is empty and ready.
type MemCards struct {
	mu    sync.RWMutex
	cards map[common.Hash][]byte
}

// Put stores an encoded card under its hash (marketplace.CardHash) and returns the hash.
func (m *MemCards) Put(encoded []byte) common.Hash {
	h := marketplace.CardHash(encoded)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cards == nil {
		m.cards = make(map[common.Hash][]byte)
	}
	m.cards[h] = append([]byte(nil), encoded...)
	return h
}

// PutAs stores bytes under a hash of the caller's choosing; tests use it to serve a card that
// does not match its listing.
func (m *MemCards) PutAs(h common.Hash, encoded []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cards == nil {
		m.cards = make(map[common.Hash][]byte)
	}
	m.cards[h] = append([]byte(nil), encoded...)
}

// Card implements CardSource: the card stored under l.MetadataHash, or ENOTFOUND.
func (m *MemCards) Card(_ context.Context, l *marketplace.Listing) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.cards[l.MetadataHash]
	if !ok {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "No card with hash %s.", l.MetadataHash.Hex())
	}
	return b, nil
}
