package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/medmarket/medmarket/marketplace"
)

// client is the Chain both backends share: an ethclient over some transport
// (HTTP, WebSocket, or the embedded node's in-process RPC), with coded
// errors, fast receipt polling and revert decoding. The embedded backend
// sets seal, which then runs right after every accepted transaction.
type client struct {
	ec       *ethclient.Client
	chainID  *big.Int
	endpoint string
	cfg      config

	// seal, when set, turns sent transactions into a block at once; sendMu
	// serialises send+seal so every transaction is sealed in send order.
	seal   func(tx *types.Transaction) error
	sendMu sync.Mutex

	// accounts holds one turn (a channel of capacity 1) per account that
	// sent through Transact: held from nonce to acceptance.
	accountsMu sync.Mutex
	accounts   map[common.Address]chan struct{}

	closeOnce sync.Once
}

var _ Chain = (*client)(nil)

// holdAccount waits for account's turn to send (or for ctx to end:
// EUNAVAILABLE) and returns the function that ends it.
func (c *client) holdAccount(ctx context.Context, account common.Address) (func(), error) {
	c.accountsMu.Lock()
	if c.accounts == nil {
		c.accounts = make(map[common.Address]chan struct{})
	}
	turn, ok := c.accounts[account]
	if !ok {
		turn = make(chan struct{}, 1)
		c.accounts[account] = turn
	}
	c.accountsMu.Unlock()
	select {
	case turn <- struct{}{}:
		return func() { <-turn }, nil
	case <-ctx.Done():
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, ctx.Err(),
			"account %s: gave up waiting for its earlier transactions to be sent", account.Hex())
	}
}

func (c *client) Endpoint() string { return c.endpoint }

func (c *client) ChainID(context.Context) (*big.Int, error) { return new(big.Int).Set(c.chainID), nil }

func (c *client) Close() error {
	c.closeOnce.Do(c.ec.Close)
	return nil
}

func (c *client) BlockNumber(ctx context.Context) (uint64, error) {
	n, err := c.ec.BlockNumber(ctx)
	return n, c.classify("read block number", err)
}

func (c *client) BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error) {
	b, err := c.ec.BalanceAt(ctx, account, block)
	return b, c.classify("read balance of "+account.Hex(), err)
}

func (c *client) CodeAt(ctx context.Context, account common.Address, block *big.Int) ([]byte, error) {
	code, err := c.ec.CodeAt(ctx, account, block)
	return code, c.classify("read code of "+account.Hex(), err)
}

func (c *client) CallContract(ctx context.Context, call ethereum.CallMsg, block *big.Int) ([]byte, error) {
	out, err := c.ec.CallContract(ctx, call, block)
	return out, c.classify("call contract", err)
}

func (c *client) EstimateGas(ctx context.Context, call ethereum.CallMsg) (uint64, error) {
	// At the pending block, which is where the transaction goes: a transaction that needs an
	// earlier block's state (DataLicenseMarket.list needs its commit mined in an earlier block)
	// estimates right the moment that block is mined, whereas at the latest block it would run
	// in that very block.
	gas, err := c.ec.EstimateGasAtBlock(ctx, call, big.NewInt(int64(rpc.PendingBlockNumber)))
	if err != nil && call.From != (common.Address{}) &&
		(strings.Contains(err.Error(), "insufficient funds") || strings.Contains(err.Error(), "gas required exceeds allowance")) {
		if bal, berr := c.ec.BalanceAt(ctx, call.From, nil); berr == nil {
			value := call.Value
			if value == nil {
				value = new(big.Int)
			}
			return 0, marketplace.Wrap(marketplace.EINVALID, err,
				"insufficient funds: account %s has %s ETH, the transaction needs %s ETH plus gas",
				call.From.Hex(), marketplace.FormatEther(bal), marketplace.FormatEther(value))
		}
	}
	return gas, c.classify("estimate gas", err)
}

func (c *client) SuggestGasPrice(ctx context.Context) (*big.Int, error) {
	p, err := c.ec.SuggestGasPrice(ctx)
	return p, c.classify("suggest gas price", err)
}

func (c *client) SuggestGasTipCap(ctx context.Context) (*big.Int, error) {
	p, err := c.ec.SuggestGasTipCap(ctx)
	return p, c.classify("suggest gas tip", err)
}

func (c *client) HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error) {
	h, err := c.ec.HeaderByNumber(ctx, number)
	return h, c.classify("read block header", err)
}

func (c *client) PendingCodeAt(ctx context.Context, account common.Address) ([]byte, error) {
	code, err := c.ec.PendingCodeAt(ctx, account)
	return code, c.classify("read code of "+account.Hex(), err)
}

func (c *client) PendingNonceAt(ctx context.Context, account common.Address) (uint64, error) {
	n, err := c.ec.PendingNonceAt(ctx, account)
	return n, c.classify("read nonce of "+account.Hex(), err)
}

func (c *client) TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error) {
	r, err := c.ec.TransactionReceipt(ctx, hash)
	if err != nil && isIndexing(err) {
		// The node has the transaction but not its index yet: to callers
		// polling for receipts that is the same as "not mined yet".
		return nil, ethereum.NotFound
	}
	return r, c.classify("read receipt of "+hash.Hex(), err)
}

func (c *client) TransactionByHash(ctx context.Context, hash common.Hash) (*types.Transaction, bool, error) {
	tx, pending, err := c.ec.TransactionByHash(ctx, hash)
	return tx, pending, c.classify("read transaction "+hash.Hex(), err)
}

func (c *client) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	logs, err := c.ec.FilterLogs(ctx, q)
	return logs, c.classify("filter logs", err)
}

func (c *client) SubscribeFilterLogs(ctx context.Context, q ethereum.FilterQuery, ch chan<- types.Log) (ethereum.Subscription, error) {
	sub, err := c.ec.SubscribeFilterLogs(ctx, q, ch)
	if errors.Is(err, rpc.ErrNotificationsUnsupported) {
		return nil, err // bindings and callers fall back to polling on this one
	}
	return sub, c.classify("subscribe to logs", err)
}

// SendTransaction submits a signed transaction. On the embedded chain it is
// sealed into a block before this returns.
func (c *client) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if c.seal != nil {
		c.sendMu.Lock()
		defer c.sendMu.Unlock()
	}
	err := c.ec.SendTransaction(ctx, tx)
	// A node's transaction pool catches up with a new head a moment after
	// the head's receipts are served (geth resets it asynchronously), so a
	// sender funded in the last block can be refused for a few milliseconds.
	for wait := 0; err != nil && wait < 40 && c.poolLagsHead(ctx, tx, err); wait++ {
		time.Sleep(25 * time.Millisecond)
		err = c.ec.SendTransaction(ctx, tx)
	}
	if err != nil && !strings.Contains(err.Error(), "already known") {
		return c.sendError(ctx, tx, err)
	}
	if c.seal != nil {
		return c.seal(tx)
	}
	return nil
}

// poolLagsHead reports whether err refuses tx for want of funds that the
// latest block says the sender has.
func (c *client) poolLagsHead(ctx context.Context, tx *types.Transaction, err error) bool {
	if !strings.Contains(err.Error(), "insufficient funds") || ctx.Err() != nil {
		return false
	}
	from, serr := types.Sender(types.LatestSignerForChainID(c.chainID), tx)
	if serr != nil {
		return false
	}
	bal, berr := c.ec.BalanceAt(ctx, from, nil)
	return berr == nil && bal.Cmp(txCost(tx)) >= 0
}

// sendError names the cause of a refused transaction, with the figures when
// the sender cannot pay.
func (c *client) sendError(ctx context.Context, tx *types.Transaction, err error) error {
	if strings.Contains(err.Error(), "insufficient funds") {
		if from, serr := types.Sender(types.LatestSignerForChainID(c.chainID), tx); serr == nil {
			if bal, berr := c.ec.BalanceAt(ctx, from, nil); berr == nil {
				return insufficientFunds(err, from, bal, txCost(tx))
			}
		}
	}
	return c.classify("send transaction "+tx.Hash().Hex(), err)
}

func (c *client) Send(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
	if err := c.SendTransaction(ctx, tx); err != nil {
		return nil, err
	}
	return c.WaitMined(ctx, tx.Hash())
}

func (c *client) WaitMined(ctx context.Context, hash common.Hash) (*types.Receipt, error) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, ctx.Err(),
				"transaction %s not mined by %s before the deadline", hash.Hex(), c.endpoint)
		case <-timer.C:
		}
		r, err := c.TransactionReceipt(ctx, hash)
		switch {
		case err == nil && r != nil:
			return r, c.checkReceipt(ctx, r)
		case err == nil, errors.Is(err, ethereum.NotFound):
			timer.Reset(c.cfg.poll)
		case ctx.Err() != nil:
			continue // reported by the select above
		default:
			return nil, err
		}
	}
}

func isIndexing(err error) bool {
	return strings.Contains(err.Error(), "transaction indexing is in progress")
}

// checkReceipt returns nil for a successful transaction and, for a failed
// one, an EINVALID error wrapping a *RevertError with the decoded cause. The
// cause is found by replaying the transaction as a call on the state before
// its block, which is exact when it was the block's first transaction (as on
// the embedded chain and geth --dev, one transaction per block).
func (c *client) checkReceipt(ctx context.Context, r *types.Receipt) error {
	if r.Status == types.ReceiptStatusSuccessful {
		return nil
	}
	re := &RevertError{TxHash: r.TxHash, Reason: "reverted (cause unknown)"}
	tx, _, err := c.ec.TransactionByHash(ctx, r.TxHash)
	if err == nil {
		if r.GasUsed >= tx.Gas() {
			re.Name, re.Reason = "OutOfGas", fmt.Sprintf("out of gas: used all of its gas limit %d", tx.Gas())
		}
		from, serr := types.Sender(types.LatestSignerForChainID(c.chainID), tx)
		if serr == nil && r.BlockNumber != nil && r.BlockNumber.Sign() > 0 {
			call := ethereum.CallMsg{From: from, To: tx.To(), Gas: tx.Gas(), Value: tx.Value(), Data: tx.Data(), AccessList: tx.AccessList()}
			parent := new(big.Int).Sub(r.BlockNumber, big.NewInt(1))
			if _, cerr := c.ec.CallContract(ctx, call, parent); cerr != nil {
				if replay := revertFromRPC(cerr, c.cfg.errorABIs); replay != nil && (replay.Name != "" || re.Name == "") {
					re.Data, re.Name, re.Reason, re.Err = replay.Data, replay.Name, replay.Reason, replay.Err
				}
			}
		}
	}
	return marketplace.Wrap(marketplace.EINVALID, re, "transaction %s reverted: %s", r.TxHash.Hex(), re.Reason)
}

func (c *client) WatchHeads(ctx context.Context, ch chan<- uint64) error {
	last, err := c.BlockNumber(ctx)
	if err != nil {
		return err
	}
	select {
	case ch <- last:
	case <-ctx.Done():
		return ctx.Err()
	}
	e := &headEmitter{ch: ch, last: last}
	heads := make(chan *types.Header, 64)
	sub, err := c.ec.SubscribeNewHead(ctx, heads)
	if err == nil {
		defer sub.Unsubscribe()
		return c.followSubscription(ctx, e, sub, heads)
	}
	if !errors.Is(err, rpc.ErrNotificationsUnsupported) && !errors.Is(err, rpc.ErrNoResult) {
		return c.classify("watch heads", err)
	}
	return c.pollHeads(ctx, e)
}

// headEmitter sends WatchHeads' block numbers: every number after the last
// one sent, in order.
type headEmitter struct {
	ch   chan<- uint64
	last uint64 // the last number sent
}

// emit sends every block number after last up to n, in order; after a
// reorg to a shorter chain it sends the new head's number.
func (e *headEmitter) emit(ctx context.Context, n uint64) error {
	from := e.last + 1
	if n < from {
		from = n
	}
	for b := from; b <= n; b++ {
		select {
		case e.ch <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.last = n
	return nil
}

// followSubscription emits the heads of a new-head subscription until ctx
// ends or the subscription fails (EUNAVAILABLE when the connection closed).
func (c *client) followSubscription(ctx context.Context, e *headEmitter, sub ethereum.Subscription, heads <-chan *types.Header) error {
	// Blocks sealed between BlockNumber and the subscription.
	if n, err := c.BlockNumber(ctx); err == nil && n > e.last {
		if err := e.emit(ctx, n); err != nil {
			return err
		}
	}
	for {
		select {
		case h := <-heads:
			if n := h.Number.Uint64(); n != e.last {
				if err := e.emit(ctx, n); err != nil {
					return err
				}
			}
		case err := <-sub.Err():
			if err == nil {
				return marketplace.Errorf(marketplace.EUNAVAILABLE, "watch heads: the connection to %s is closed", c.endpoint)
			}
			return c.classify("watch heads", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// pollHeads asks for the block number every poll interval, for endpoints
// without subscriptions (plain HTTP), and emits each new head.
func (c *client) pollHeads(ctx context.Context, e *headEmitter) error {
	ticker := time.NewTicker(c.cfg.poll)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
		n, err := c.BlockNumber(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if n != e.last {
			if err := e.emit(ctx, n); err != nil {
				return err
			}
		}
	}
}
