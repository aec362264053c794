package chain_test

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// collect scans from..to and returns the logs and the chunks seen.
func collect(t *testing.T, s *chain.Scanner, from, to uint64) (logs []types.Log, chunks [][2]uint64, next uint64) {
	t.Helper()
	next, err := s.Scan(context.Background(), from, to, func(f, e uint64, l []types.Log) error {
		chunks = append(chunks, [2]uint64{f, e})
		logs = append(logs, l...)
		return nil
	})
	if err != nil {
		t.Fatalf("scan %d..%d: %v", from, to, err)
	}
	return logs, chunks, next
}

// TestScan_logsFoundByRangeEqualLogsEmitted: on every backend, scanning in
// small chunks finds exactly the logs the receipts report, in order, and a
// confirmation depth holds back the newest blocks until they are deep enough.
func TestScan_logsFoundByRangeEqualLogsEmitted(t *testing.T) {
	a := storeABI(t)
	chaintest.ForEachBackend(t, func(t *testing.T, b chaintest.Backend) {
		c := b.Chain
		alice := b.NewAccount(t, ether("1"))
		bc, deployed := deployStore(t, c, alice, a)
		// A second contract whose logs the scan must leave out.
		other, _ := deployStore(t, c, alice, a)
		var emitted []*types.Log
		for i := int64(1); i <= 7; i++ {
			emitted = append(emitted, store(t, c, bc, a, alice, i).Logs...)
			store(t, c, other, a, alice, i)
		}

		s := &chain.Scanner{Chain: c, Addresses: []common.Address{deployed.ContractAddress},
			Topics: [][]common.Hash{{a.Events["Stored"].ID}}, ChunkSize: 3}
		start := deployed.BlockNumber.Uint64()
		logs, chunks, next := collect(t, s, start, chain.Head)
		head, _ := c.BlockNumber(context.Background())
		if next != head+1 {
			t.Errorf("next = %d, want head+1 = %d", next, head+1)
		}
		if len(logs) != len(emitted) {
			t.Fatalf("scan found %d logs, %d emitted", len(logs), len(emitted))
		}
		for i := range logs {
			if logs[i].TxHash != emitted[i].TxHash || logs[i].Index != emitted[i].Index || logs[i].BlockNumber != emitted[i].BlockNumber {
				t.Errorf("log %d: %s/%d, emitted %s/%d", i, logs[i].TxHash, logs[i].Index, emitted[i].TxHash, emitted[i].Index)
			}
		}
		for i, ch := range chunks {
			if ch[1]-ch[0] >= 3 || (i > 0 && ch[0] != chunks[i-1][1]+1) {
				t.Errorf("chunks %v are not contiguous ranges of at most 3 blocks", chunks)
				break
			}
		}

		// With 4 confirmations the newest 4 blocks are not read yet...
		s.Confirmations = 4
		held, _, next := collect(t, s, start, chain.Head)
		if next != head-3 {
			t.Errorf("next with 4 confirmations = %d, want %d", next, head-3)
		}
		for _, l := range held {
			if l.BlockNumber > head-4 {
				t.Errorf("log in block %d read with head %d and 4 confirmations", l.BlockNumber, head)
			}
		}
		// ...and are once 4 more blocks bury them; the scans add up to all.
		for i := int64(0); i < 4; i++ {
			store(t, c, other, a, alice, 100+i)
		}
		rest, _, _ := collect(t, s, next, chain.Head)
		if got := len(held) + len(rest); got != len(emitted) {
			t.Errorf("two scans found %d logs, %d emitted", got, len(emitted))
		}
		// Nothing safe to read: next stays.
		if _, _, n := collect(t, &chain.Scanner{Chain: c, Confirmations: 1 << 40}, 5, chain.Head); n != 5 {
			t.Errorf("scan beyond the safe head: next %d, want 5", n)
		}
	}, chain.WithErrorABIs(a))
}

// cappedReader refuses log queries over more than max blocks, as public providers do.
type cappedReader struct {
	chain.LogReader
	max     uint64
	queries int
}

func (r *cappedReader) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	r.queries++
	if n := q.ToBlock.Uint64() - q.FromBlock.Uint64() + 1; n > r.max {
		return nil, errors.New("query exceeds max block range 2")
	}
	return r.LogReader.FilterLogs(ctx, q)
}

func TestScan_halvesChunksANodeRefuses(t *testing.T) {
	b := chaintest.Embedded(t)
	a := storeABI(t)
	alice := b.NewAccount(t, ether("1"))
	bc, deployed := deployStore(t, b.Chain, alice, a)
	for i := int64(1); i <= 5; i++ {
		store(t, b.Chain, bc, a, alice, i)
	}
	r := &cappedReader{LogReader: b.Chain, max: 2}
	s := &chain.Scanner{Chain: r, Addresses: []common.Address{deployed.ContractAddress}, ChunkSize: 16}
	logs, chunks, _ := collect(t, s, 0, chain.Head)
	if len(logs) != 5 {
		t.Errorf("found %d logs, want 5", len(logs))
	}
	for _, ch := range chunks {
		if ch[1]-ch[0]+1 > 2 {
			t.Errorf("chunk %v larger than the node allows", ch)
		}
	}
	t.Logf("%d queries for %d chunks", r.queries, len(chunks))
}

func TestScan_stopsAtTheChunkThatFailed(t *testing.T) {
	b := chaintest.Embedded(t)
	for i := 0; i < 6; i++ {
		b.Fund(t, common.Address{1}, big.NewInt(1))
	}
	s := &chain.Scanner{Chain: b.Chain, ChunkSize: 2}
	boom := errors.New("store full")
	next, err := s.Scan(context.Background(), 1, chain.Head, func(from, to uint64, _ []types.Log) error {
		if from >= 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || next != 3 {
		t.Errorf("next %d err %v, want 3 and the callback's error", next, err)
	}
}
