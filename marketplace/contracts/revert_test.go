package contracts

import (
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
)

// rpcError mimics the JSON-RPC error a node returns for a reverted call: code 3 and the revert
// data as hex.
type rpcError struct{ data string }

func (e rpcError) Error() string          { return "execution reverted" }
func (e rpcError) ErrorCode() int         { return 3 }
func (e rpcError) ErrorData() interface{} { return e.data }

func TestRefusals_coverEveryCustomError(t *testing.T) {
	for _, md := range []*bind.MetaData{&DataLicenseMarketMetaData, &TrialRegistryMetaData, &PoolPayoutsMetaData} {
		parsed, err := md.ParseABI()
		if err != nil {
			t.Fatal(err)
		}
		for name := range parsed.Errors {
			if _, ok := refusals[name]; !ok {
				t.Errorf("%s: custom error %s has no entry in refusals", md.ID, name)
			}
		}
	}
}

func TestDecodeRevert_namesTheErrorAndItsArguments(t *testing.T) {
	m := NewDataLicenseMarket().GetABI()
	data, err := m.Errors["WrongPrice"].Inputs.Pack(big.NewInt(10000000000000000), big.NewInt(1))
	if err != nil {
		t.Fatal(err)
	}
	id := m.Errors["WrongPrice"].ID
	data = append(id[:4:4], data...)
	cause := rpcError{hexutil.Encode(data)}

	err = DecodeRevert(cause)
	var re *RevertError
	if !errors.As(err, &re) {
		t.Fatalf("DecodeRevert = %v, want a *RevertError inside", err)
	}
	if got, want := re.Error(), "WrongPrice(want 10000000000000000, got 1)"; got != want {
		t.Errorf("RevertError = %q, want %q", got, want)
	}
	if re.Arg("got").(*big.Int).Int64() != 1 || re.Arg("nope") != nil {
		t.Errorf("Arg lookup wrong: %v", re.Args)
	}
	if marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("code = %s", marketplace.ErrorCode(err))
	}
	if got, want := marketplace.ErrorMessage(err), "Listing price is 10000000000000000 wei but 1 wei was sent."; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	// Decoding twice changes nothing.
	if again := DecodeRevert(err); again != err {
		t.Errorf("DecodeRevert(decoded) = %v", again)
	}
}

func TestDecodeRevert_otherErrors(t *testing.T) {
	if DecodeRevert(nil) != nil {
		t.Error("DecodeRevert(nil) != nil")
	}
	plain := errors.New("connection refused")
	if DecodeRevert(plain) != plain {
		t.Error("a non-revert error was changed")
	}
	unknown := rpcError{"0xdeadbeef"}
	if err := DecodeRevert(unknown); marketplace.ErrorCode(err) != marketplace.EINTERNAL || !errors.Is(err, unknown) {
		t.Errorf("unknown selector: %v", err)
	}
	str, _ := abi.Arguments{{Type: mustType("string")}}.Pack("boom")
	err := DecodeRevert(rpcError{hexutil.Encode(append(common.FromHex("0x08c379a0"), str...))})
	if re := new(RevertError); !errors.As(err, &re) || re.Error() != `Error(reason "boom")` {
		t.Errorf("Error(string): %v", err)
	}
	code, _ := abi.Arguments{{Type: mustType("uint256")}}.Pack(big.NewInt(0x11))
	err = DecodeRevert(rpcError{hexutil.Encode(append(common.FromHex("0x4e487b71"), code...))})
	if re := new(RevertError); !errors.As(err, &re) || re.Name != "Panic" {
		t.Errorf("Panic(uint256): %v", err)
	}
}

func mustType(s string) abi.Type {
	t, err := abi.NewType(s, "", nil)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWhyFailed_explainsAMinedFailure(t *testing.T) {
	c := newTestChain(t)
	id := c.list(c.seller, price, hmbTerms)
	// A fixed gas limit skips estimation, so the refusal is mined as a failed transaction.
	opts := *c.buyer.opts
	opts.GasLimit = 100_000
	opts.Value = big.NewInt(1)
	tx, err := bind.Transact(c.marketC, &opts, c.market.PackBuy(id))
	if err != nil {
		t.Fatal(err)
	}
	c.sim.Commit()
	r := c.receipt(tx)
	if r.Status != 0 {
		t.Fatal("underpaid purchase succeeded")
	}
	err = WhyFailed(c.ctx, c.client, c.buyer.addr, tx, r)
	wantRefusal(t, err, marketplace.EINVALID, fmt.Sprintf("WrongPrice(want %v, got 1)", price))
	if c.hasLicence(id, c.buyer) || c.withdrawable(c.seller.addr).Sign() != 0 {
		t.Error("a failed purchase changed state")
	}
}
