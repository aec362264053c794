package app

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
	"github.com/medmarket/medmarket/marketplace/pools"
)

// A patient pool's history is its log: a log of the node's Merkle ledger
// (tamper-evident, signed checkpoints, each append durable once it
// returns) on the pool's hub, whose id names the chain and the pool's
// contract. Its entries (pools.Entry) are the configurations, the
// patients' signed consents and withdrawals, the released versions with
// the contributions each holds, and the payout rounds: everything any node
// needs, with the chain's sale events, to recompute every contributor's
// entitlement and check the operator (pools.Replay, pools.VerifyRound).
//
// The hub keeps each pool's replayed state in memory, brought up to date
// from the ledger when used (entry by entry: pools.State.Append), and read
// only under the pool's lock; every write to a pool holds the pool's lock
// from the check of its rules to the append, so two requests never both
// pass a check that only one of them may.

// poolLogs is the hub's in-memory view of its pools' logs.
type poolLogs struct {
	mu   sync.Mutex
	logs map[common.Address]*poolLog
}

// poolLog is one pool's log as replayed.
type poolLog struct {
	mu     sync.Mutex // held from a write's checks to its append
	leaves [][]byte
	st     *pools.State
}

// of returns pool's view, created empty on first use.
func (p *poolLogs) of(pool common.Address) *poolLog {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.logs == nil {
		p.logs = map[common.Address]*poolLog{}
	}
	pl, ok := p.logs[pool]
	if !ok {
		pl = &poolLog{}
		p.logs[pool] = pl
	}
	return pl
}

// poolLogID is pool's log id: SHA-256 of a text naming the chain and the
// pool's contract, so no two pools (nor a trial or a question log) share one.
func (a *App) poolLogID(pool common.Address) ledger.LogID {
	return ledger.LogID(sha256.Sum256(fmt.Appendf(nil, "medmarket pool\nchain: %s\ncontract: %s\n", a.chainID, pool.Hex())))
}

// poolLedger is the node's ledger.
func (a *App) poolLedger() (*ledger.Ledger, error) {
	svc, err := a.trialService()
	if err != nil {
		return nil, err
	}
	return svc.Ledger(), nil
}

// withPoolLog runs f with pool's log replayed up to date and the pool's
// writes held. ENOTFOUND when this node holds no log of the pool.
func (a *App) withPoolLog(ctx context.Context, pool common.Address, f func(pl *poolLog) error) error {
	pl := a.pools.of(pool)
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if err := a.syncPoolLog(ctx, pool, pl); err != nil {
		return err
	}
	if pl.st == nil {
		return marketplace.Errorf(marketplace.ENOTFOUND, "This node holds no pool %s.", pool.Hex())
	}
	return f(pl)
}

// syncPoolLog reads the entries appended since pl was last replayed.
func (a *App) syncPoolLog(ctx context.Context, pool common.Address, pl *poolLog) error {
	lg, err := a.poolLedger()
	if err != nil {
		return err
	}
	id := a.poolLogID(pool)
	head, err := lg.Head(ctx, id)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	have := uint64(len(pl.leaves))
	if head.Size == have {
		return nil
	}
	entries, err := lg.Entries(ctx, id, have, head.Size)
	if err != nil {
		return err
	}
	if uint64(len(entries)) != head.Size-have {
		return fmt.Errorf("pool %s: log has %d entries, %d could be read", pool.Hex(), head.Size, have+uint64(len(entries)))
	}
	for _, e := range entries {
		if pl.st == nil {
			st, err := pools.Replay([][]byte{e.Leaf})
			if err != nil {
				return fmt.Errorf("pool %s: the log does not replay: %w", pool.Hex(), err)
			}
			pl.st = st
		} else if err := pl.st.Append(e.Leaf); err != nil {
			pl.leaves, pl.st = nil, nil // replayed from the start next time
			return fmt.Errorf("pool %s: the log does not replay: %w", pool.Hex(), err)
		}
		pl.leaves = append(pl.leaves, e.Leaf)
	}
	return nil
}

// appendPoolEntry appends e to pool's log, once it replays on top of the
// log (a rule it breaks is EINVALID, nothing appended). The checkpoint
// covering it is signed when the log is next read (PoolLog), not per
// append. The caller holds pl.mu (withPoolLog); a new log is created by
// its first entry.
func (a *App) appendPoolEntry(ctx context.Context, pool common.Address, pl *poolLog, e pools.Entry) (uint64, error) {
	b, err := e.Marshal()
	if err != nil {
		return 0, err
	}
	lg, err := a.poolLedger()
	if err != nil {
		return 0, err
	}
	// The entry must follow the pool's rules before it is appended.
	if pl.st == nil {
		st, err := pools.Replay([][]byte{b})
		if err != nil {
			return 0, err
		}
		pl.st = st
	} else if err := pl.st.Append(b); err != nil {
		return 0, err
	}
	id := a.poolLogID(pool)
	idx, err := lg.Append(ctx, id, b)
	if err != nil {
		pl.leaves, pl.st = nil, nil // ahead of the log: replayed from it next time
		return 0, fmt.Errorf("pool %s: append to the log: %w", pool.Hex(), err)
	}
	pl.leaves = append(pl.leaves, b)
	return idx, nil
}
