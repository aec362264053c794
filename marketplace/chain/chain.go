package chain

import (
	"context"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Chain is what the marketplace needs from an Ethereum chain.
//
// It is a bind.ContractBackend and a bind.DeployBackend, so abigen v2
// bindings (bind.Transact, bind.Call, bind.DeployContract, bind.FilterEvents)
// work on it directly. Implementations are safe for concurrent use.
type Chain interface {
	bind.ContractBackend
	bind.DeployBackend

	// ChainID returns the chain id transactions must be signed for (EIP-155).
	ChainID(ctx context.Context) (*big.Int, error)

	// BalanceAt returns the balance in wei of account at block (nil: latest).
	BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error)

	// BlockNumber returns the number of the latest block.
	BlockNumber(ctx context.Context) (uint64, error)

	// TransactionByHash returns a transaction the node knows, and whether it
	// is still pending. A transaction the node does not know gives an error
	// matching ethereum.NotFound; an unreachable node EUNAVAILABLE.
	TransactionByHash(ctx context.Context, hash common.Hash) (tx *types.Transaction, pending bool, err error)

	// Send submits a signed transaction and waits until it is mined. It
	// returns the receipt; when the transaction reverted, it returns the
	// receipt too, with an EINVALID error wrapping a *RevertError that names
	// the decoded cause. When the node refuses the transaction (insufficient
	// funds, bad nonce), nothing was sent and the receipt is nil.
	Send(ctx context.Context, tx *types.Transaction) (*types.Receipt, error)

	// WaitMined waits for the receipt of a transaction already sent (for
	// instance by a binding's Transact), polling every PollInterval and
	// tolerating a node that is still indexing transactions. A reverted
	// transaction gives its receipt and an error as Send does.
	WaitMined(ctx context.Context, hash common.Hash) (*types.Receipt, error)

	// WatchHeads sends the number of every new head block to ch, in order,
	// until ctx is done (then it returns ctx.Err()) or the node fails. It uses
	// a subscription where the transport has one and polls otherwise. It
	// blocks: run it in its own goroutine.
	WatchHeads(ctx context.Context, ch chan<- uint64) error

	// Endpoint names the chain for messages and status: the RPC URL, or
	// "embedded:" and the data directory.
	Endpoint() string

	// Close releases the connection or stops the embedded node. The Chain
	// cannot be used afterwards.
	Close() error
}

// Funder is a chain with a dev account that pays for others: the embedded
// chain (`medmarket chain fund`, demo accounts). Remote nodes are not
// Funders; fund accounts there with the network's own means.
type Funder interface {
	// Fund sends wei from the dev account to `to` and waits until it is mined.
	Fund(ctx context.Context, to common.Address, wei *big.Int) (*types.Receipt, error)

	// DevTransactor returns transact options signed by the dev account, so
	// that the marketplace's contracts can be deployed on a fresh chain.
	DevTransactor(ctx context.Context) *bind.TransactOpts
}

var (
	_ Chain  = (*Embedded)(nil)
	_ Chain  = (*Remote)(nil)
	_ Funder = (*Embedded)(nil)
)

// Option tunes OpenEmbedded and Dial.
type Option func(*config)

type config struct {
	poll      time.Duration
	errorABIs []*abi.ABI
}

func newConfig(opts []Option) config {
	c := config{poll: DefaultPollInterval}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// DefaultPollInterval is how often receipts and heads are polled.
const DefaultPollInterval = 25 * time.Millisecond

// WithPollInterval sets how often receipts and heads are polled (default 25 ms).
func WithPollInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.poll = d
		}
	}
}

// WithErrorABIs lets the chain decode the custom errors of these contracts
// when a transaction or call reverts, so errors say "WrongPrice(...)" rather
// than "execution reverted". Error(string) and Panic(uint256) are always
// decoded.
func WithErrorABIs(abis ...*abi.ABI) Option {
	return func(c *config) { c.errorABIs = append(c.errorABIs, abis...) }
}
