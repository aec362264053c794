package chain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/medmarket/medmarket/marketplace"
)

// RevertError is a transaction or call that the EVM reverted. It sits in the
// chain of an EINVALID *marketplace.Error; errors.As finds it, so callers can
// map a contract's custom errors to their own codes (Name "NotSeller" to
// EFORBIDDEN, say).
type RevertError struct {
	TxHash common.Hash // the mined transaction; zero for a call or a gas estimate
	Data   []byte      // the raw revert data (selector and arguments), empty when the node gave none
	Name   string      // the error's name: "WrongPrice", "Error" for require messages, "Panic", "" if unknown
	Reason string      // the decoded cause, e.g. `WrongPrice(price: 100, sent: 99)` or "out of gas"
	Err    error       // the node's error, if the revert came from one
}

func (e *RevertError) Error() string {
	what := "call reverted"
	if e.TxHash != (common.Hash{}) {
		what = "transaction " + e.TxHash.Hex() + " reverted"
	}
	if e.Reason == "" {
		return what
	}
	return what + ": " + e.Reason
}

func (e *RevertError) Unwrap() error { return e.Err }

// ErrorData returns the revert data in hex, as rpc.DataError does, so code
// written against go-ethereum's errors keeps working.
func (e *RevertError) ErrorData() any { return hexutil.Encode(e.Data) }

// DecodeRevert turns revert data into a name and a readable cause, trying
// Error(string), Panic(uint256), then the custom errors of the given ABIs.
func DecodeRevert(data []byte, abis ...*abi.ABI) (name, reason string) {
	if len(data) == 0 {
		return "", ""
	}
	if len(data) < 4 {
		return "", "invalid revert data " + hexutil.Encode(data)
	}
	if msg, err := abi.UnpackRevert(data); err == nil {
		if bytes.Equal(data[:4], panicSelector) {
			return "Panic", "panic: " + msg
		}
		return "Error", msg
	}
	var sel [4]byte
	copy(sel[:], data[:4])
	for _, a := range abis {
		if a == nil {
			continue
		}
		e, err := a.ErrorByID(sel)
		if err != nil {
			continue
		}
		values, err := e.Inputs.Unpack(data[4:])
		if err != nil {
			return e.Name, e.Name + " (undecodable arguments " + hexutil.Encode(data[4:]) + ")"
		}
		args := make([]string, len(values))
		for i, v := range values {
			arg := fmt.Sprint(v)
			switch v := v.(type) {
			case common.Address:
				arg = v.Hex()
			case [32]byte:
				arg = hexutil.Encode(v[:])
			case []byte:
				arg = hexutil.Encode(v)
			}
			if n := e.Inputs[i].Name; n != "" {
				arg = n + ": " + arg
			}
			args[i] = arg
		}
		return e.Name, e.Name + "(" + strings.Join(args, ", ") + ")"
	}
	return "", "custom error " + hexutil.Encode(data[:4])
}

var panicSelector = crypto.Keccak256([]byte("Panic(uint256)"))[:4]

// revertFromRPC returns the *RevertError inside err when the node reported a
// revert (JSON-RPC error code 3 or "execution reverted"), else nil.
func revertFromRPC(err error, abis []*abi.ABI) *RevertError {
	var re *RevertError
	if errors.As(err, &re) {
		return re
	}
	var de rpc.DataError
	if !errors.As(err, &de) {
		if strings.Contains(err.Error(), "execution reverted") {
			return &RevertError{Reason: "execution reverted (no reason given)", Err: err}
		}
		return nil
	}
	var ec rpc.Error
	isRevert := strings.Contains(de.Error(), "execution reverted") || (errors.As(err, &ec) && ec.ErrorCode() == 3)
	if !isRevert {
		return nil
	}
	var data []byte
	if s, ok := de.ErrorData().(string); ok {
		data, _ = hexutil.Decode(s)
	}
	re = &RevertError{Data: data, Err: err}
	re.Name, re.Reason = DecodeRevert(data, abis...)
	if re.Reason == "" {
		re.Reason = "execution reverted (no reason given)"
	}
	return re
}

// classify turns an error of the node or the transport into a coded error
// that names the cause. op says what was being done ("send transaction").
// Errors the callers test for (ethereum.NotFound, context errors) pass
// through unchanged.
func (c *client) classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ethereum.NotFound) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var me *marketplace.Error
	if errors.As(err, &me) {
		return err
	}
	if re := revertFromRPC(err, c.cfg.errorABIs); re != nil {
		return marketplace.Wrap(marketplace.EINVALID, re, "%s: %s", op, re.Error())
	}
	if errors.Is(err, rpc.ErrClientQuit) {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "%s: the connection to %s is closed", op, c.endpoint)
	}
	var httpErr rpc.HTTPError
	if errors.As(err, &httpErr) {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "%s: chain node at %s answered HTTP %d", op, c.endpoint, httpErr.StatusCode)
	}
	var rpcErr rpc.Error
	if !errors.As(err, &rpcErr) {
		// Not an answer from the node: the transport failed.
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "%s: chain node at %s is unreachable", op, c.endpoint)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "insufficient funds"):
		return marketplace.Wrap(marketplace.EINVALID, err, "%s: insufficient funds to pay value and gas", op)
	case strings.Contains(msg, "gas required exceeds allowance"):
		return marketplace.Wrap(marketplace.EINVALID, err, "%s: the account cannot pay for the gas required (insufficient funds or gas limit too low)", op)
	case strings.Contains(msg, "nonce too low"), strings.Contains(msg, "nonce too high"),
		strings.Contains(msg, "replacement transaction underpriced"):
		return marketplace.Wrap(marketplace.ECONFLICT, err, "%s: nonce clash with another transaction of this account", op)
	case strings.Contains(msg, "invalid sender"), strings.Contains(msg, "invalid chain id"),
		strings.Contains(msg, "only replay-protected"):
		return marketplace.Wrap(marketplace.EINVALID, err, "%s: transaction signed for another chain than %s", op, c.chainID)
	case strings.Contains(msg, "intrinsic gas too low"), strings.Contains(msg, "exceeds block gas limit"),
		strings.Contains(msg, "max fee per gas less than block base fee"), strings.Contains(msg, "underpriced"),
		strings.Contains(msg, "exceeds the configured cap"):
		return marketplace.Wrap(marketplace.EINVALID, err, "%s: the node refused the transaction's gas settings", op)
	}
	return marketplace.Wrap(marketplace.EINVALID, err, "%s: chain node at %s refused the request", op, c.endpoint)
}

// insufficientFunds builds the user-facing error for a transaction its
// sender cannot pay, with the figures.
func insufficientFunds(err error, from common.Address, balance, cost *big.Int) error {
	return marketplace.Wrap(marketplace.EINVALID, err,
		"insufficient funds: account %s has %s ETH, the transaction needs up to %s ETH (value + gas)",
		from.Hex(), marketplace.FormatEther(balance), marketplace.FormatEther(cost))
}

// txCost is the most a transaction can cost its sender: value + gas * fee cap.
func txCost(tx *types.Transaction) *big.Int {
	cost := new(big.Int).Mul(new(big.Int).SetUint64(tx.Gas()), tx.GasFeeCap())
	return cost.Add(cost, tx.Value())
}

// isRevert reports whether err is (or wraps) a *RevertError.
func isRevert(err error) bool {
	var re *RevertError
	return errors.As(err, &re)
}
