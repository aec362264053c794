package chain

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"

	"github.com/medmarket/medmarket/marketplace"
)

// Transfer sends wei from the account of from to `to` and waits until it is
// mined.
func Transfer(ctx context.Context, c Chain, from *bind.TransactOpts, to common.Address, wei *big.Int) (*types.Receipt, error) {
	return Transact(ctx, c, from, &to, wei, nil)
}

// Transact builds an EIP-1559 transaction from the account of opts (to nil
// creates a contract from data), signs it with opts.Signer, sends it and
// waits until it is mined. opts.Nonce, GasLimit, GasTipCap and GasFeeCap are
// used when set and filled in from the chain otherwise; a gas estimate that
// reverts is returned as the decoded revert and nothing is sent. It is the
// plain-transaction counterpart of a binding's Transact for value transfers
// and raw calldata.
//
// Concurrent calls for one account are queued: on the embedded chain and
// over JSON-RPC alike, the account is held from reading its nonce until the
// transaction is accepted by the node, so each call gets the next nonce and
// all of them succeed, in the order they got the account. Waiting for the
// turn ends with ctx (EUNAVAILABLE). Mining is awaited outside the queue.
func Transact(ctx context.Context, c Chain, opts *bind.TransactOpts, to *common.Address, value *big.Int, data []byte) (*types.Receipt, error) {
	if opts == nil || opts.Signer == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "no signing account given for the transaction")
	}
	if value == nil {
		value = new(big.Int)
	}
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	if q, ok := c.(accountQueue); ok && opts.Nonce == nil {
		release, err := q.holdAccount(ctx, opts.From)
		if err != nil {
			return nil, err
		}
		held := true
		defer func() {
			if held {
				release()
			}
		}()
		signed, err := buildTx(ctx, c, chainID, opts, to, value, data)
		if err != nil {
			return nil, err
		}
		if err := c.SendTransaction(ctx, signed); err != nil {
			return nil, err
		}
		held = false
		release()
		return c.WaitMined(ctx, signed.Hash())
	}
	signed, err := buildTx(ctx, c, chainID, opts, to, value, data)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, signed)
}

// buildTx fills in what opts leaves open (nonce, fees, gas) from the chain
// and signs the transaction.
func buildTx(ctx context.Context, c Chain, chainID *big.Int, opts *bind.TransactOpts, to *common.Address, value *big.Int, data []byte) (*types.Transaction, error) {
	var err error
	var nonce uint64
	if opts.Nonce != nil {
		nonce = opts.Nonce.Uint64()
	} else if nonce, err = c.PendingNonceAt(ctx, opts.From); err != nil {
		return nil, err
	}
	tip := opts.GasTipCap
	if tip == nil {
		if tip, err = c.SuggestGasTipCap(ctx); err != nil {
			return nil, err
		}
	}
	feeCap := opts.GasFeeCap
	if feeCap == nil {
		head, err := c.HeaderByNumber(ctx, nil)
		if err != nil {
			return nil, err
		}
		base := head.BaseFee
		if base == nil {
			base = big.NewInt(params.InitialBaseFee)
		}
		feeCap = new(big.Int).Add(tip, new(big.Int).Mul(base, big.NewInt(2)))
	}
	gas := opts.GasLimit
	if gas == 0 {
		if gas, err = estimate(ctx, c, opts.From, to, value, data, tip, feeCap); err != nil {
			return nil, err
		}
	}
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID: chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: gas, To: to, Value: value, Data: data,
	})
	signed, err := opts.Signer(opts.From, tx)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EFORBIDDEN, err, "cannot sign the transaction as %s", opts.From.Hex())
	}
	return signed, nil
}

// accountQueue is a chain that queues each account's transactions (both
// backends are: see client.holdAccount).
type accountQueue interface {
	holdAccount(ctx context.Context, account common.Address) (release func(), err error)
}

var _ accountQueue = (*client)(nil)

// estimate returns the gas limit for a transaction: 21,000 for a plain
// transfer to an account without code, the node's estimate otherwise. When
// the account cannot pay, it says so with the figures.
func estimate(ctx context.Context, c Chain, from common.Address, to *common.Address, value *big.Int, data []byte, tip, feeCap *big.Int) (uint64, error) {
	if to != nil && len(data) == 0 {
		code, err := c.CodeAt(ctx, *to, nil)
		if err != nil {
			return 0, err
		}
		if len(code) == 0 {
			return checkFunds(ctx, c, from, value, params.TxGas, feeCap)
		}
	}
	gas, err := c.EstimateGas(ctx, ethereum.CallMsg{From: from, To: to, Value: value, Data: data, GasTipCap: tip, GasFeeCap: feeCap})
	if err != nil {
		if marketplace.ErrorCode(err) == marketplace.EINVALID && !isRevert(err) {
			// The node's estimate fails for want of funds as "gas required
			// exceeds allowance" or "insufficient funds": give the figures.
			if _, ferr := checkFunds(ctx, c, from, value, params.TxGas, feeCap); ferr != nil {
				return 0, ferr
			}
		}
		return 0, err
	}
	// Headroom for state that changes between the estimate and the block.
	gas += gas / 5
	return checkFunds(ctx, c, from, value, gas, feeCap)
}

func checkFunds(ctx context.Context, c Chain, from common.Address, value *big.Int, gas uint64, feeCap *big.Int) (uint64, error) {
	bal, err := c.BalanceAt(ctx, from, nil)
	if err != nil {
		return 0, err
	}
	cost := new(big.Int).Mul(new(big.Int).SetUint64(gas), feeCap)
	cost.Add(cost, value)
	if bal.Cmp(cost) < 0 {
		return 0, insufficientFunds(nil, from, bal, cost)
	}
	return gas, nil
}
