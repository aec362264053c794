package trials

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// Backend is what the TrialRegistry needs from a chain: a contract backend
// that can also wait for receipts. marketplace/chain's Chain and
// ethclient/simulated's Client both are one.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
}

// Sender sends a transaction carrying data to the contract at `to` as the
// account of opts and waits until it is mined. A transaction mined but
// failed comes back with its receipt and an error saying why; an error
// without a receipt means nothing is known to be mined. Safe for concurrent
// use.
//
// The node's Sender is marketplace/chain's Transact (app wires it): it queues
// each account's transactions, so an anchor, a trial's registration and a
// buy by one account never race for a nonce.
type Sender interface {
	Transact(ctx context.Context, opts *bind.TransactOpts, to common.Address, data []byte) (*types.Receipt, error)
}

// backendSender is the Sender of a bare backend (a simulated chain in
// tests, or a Config without a Sender): bind's Transact, then the receipt
// by bind.WaitMined. It queues nothing: concurrent transactions of one
// account through it, or through it and anything else, can clash on their
// nonce; a node passes its own Sender.
type backendSender struct{ b Backend }

func (s backendSender) Transact(ctx context.Context, opts *bind.TransactOpts, to common.Address, data []byte) (*types.Receipt, error) {
	o := *opts
	o.Context = ctx
	tx, err := bind.NewBoundContract(to, abi.ABI{}, s.b, s.b, s.b).RawTransact(&o, data)
	if err != nil {
		return nil, err
	}
	receipt, err := bind.WaitMined(ctx, s.b, tx.Hash())
	if err != nil {
		if receipt == nil {
			return nil, fmt.Errorf("transaction %s: %w", tx.Hash().Hex(), err)
		}
		return receipt, err
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		if err := contracts.WhyFailed(ctx, s.b, o.From, tx, receipt); err != nil {
			return receipt, err
		}
		return receipt, marketplace.Errorf(marketplace.EINTERNAL, "Transaction %s failed.", tx.Hash().Hex())
	}
	return receipt, nil
}
