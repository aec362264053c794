package chain

import (
	"context"
	"errors"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
)

// Head, as the upper end of a scan, means "as far as is safe": the head block
// minus the scanner's confirmation depth.
const Head = ^uint64(0)

// DefaultChunkSize is how many blocks one log query covers by default; public
// providers commonly cap eth_getLogs at a few thousand blocks.
const DefaultChunkSize = 2000

// LogReader is what a Scanner reads from; every Chain is one.
type LogReader interface {
	BlockNumber(ctx context.Context) (uint64, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
}

// Scanner reads contract logs by block range, in chunks, leaving the newest
// Confirmations blocks unread so that what it has read is not undone by a
// reorg shallower than that. It is the reading half of an indexer: the
// indexer stores each chunk's logs together with the next block to read, and
// resumes from there.
type Scanner struct {
	Chain     LogReader
	Addresses []common.Address // contracts whose logs are read; empty: all
	Topics    [][]common.Hash  // topic filter as in eth_getLogs; empty: all

	// ChunkSize is the number of blocks per query (DefaultChunkSize if 0).
	// A node that refuses a range as too large gets half the range, down to
	// one block.
	ChunkSize uint64

	// Confirmations is the number of newest blocks not read: with 0 the
	// scan reaches the head (fine on a dev chain, which does not reorg);
	// on a public network use the depth you trust (e.g. 12, or the
	// distance to the finalized block).
	Confirmations uint64
}

// Scan reads the logs of blocks from..to inclusive, to capped at the head
// minus Confirmations (pass Head for "as far as is safe"), and calls fn with
// each chunk's block range and logs, in block order, including chunks
// without logs so that progress can be recorded. It returns next, the first
// block not read: the from of the following scan. When nothing is safe to
// read yet, it returns next == from and no error. When fn fails, Scan stops
// and next is the first block of that chunk.
func (s *Scanner) Scan(ctx context.Context, from, to uint64, fn func(from, to uint64, logs []types.Log) error) (next uint64, err error) {
	if to < from {
		return from, marketplace.Errorf(marketplace.EINVALID, "scan range %d..%d ends before it starts", from, to)
	}
	head, err := s.Chain.BlockNumber(ctx)
	if err != nil {
		return from, err
	}
	if head < s.Confirmations {
		return from, nil
	}
	safe := head - s.Confirmations
	if to > safe {
		to = safe
	}
	chunk := s.ChunkSize
	if chunk == 0 {
		chunk = DefaultChunkSize
	}
	for next = from; next <= to; {
		end := to
		if to-next >= chunk {
			end = next + chunk - 1
		}
		logs, err := s.Chain.FilterLogs(ctx, ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(next),
			ToBlock:   new(big.Int).SetUint64(end),
			Addresses: s.Addresses,
			Topics:    s.Topics,
		})
		if err != nil {
			if rangeTooLarge(err) && end > next {
				chunk = max(1, (end-next+1)/2)
				continue
			}
			return next, err
		}
		if err := fn(next, end, logs); err != nil {
			return next, err
		}
		if end == Head {
			return end, nil // cannot happen with a real head; avoids wrapping to 0
		}
		next = end + 1
	}
	return next, nil
}

// rangeTooLarge reports whether a node refused a log query for its size.
// Providers say so in many ways; these are the common ones (geth, Erigon,
// Alchemy, Infura, QuickNode).
func rangeTooLarge(err error) bool {
	var me *marketplace.Error
	if errors.As(err, &me) && me.Code == marketplace.EUNAVAILABLE {
		return false
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"query returned more than", "block range", "range too large", "range is too large",
		"limit exceeded", "too many blocks", "response size", "exceed maximum block range", "log response size exceeded"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
