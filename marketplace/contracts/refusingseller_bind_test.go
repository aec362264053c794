// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package contracts

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// RefusingSellerMetaData contains all meta data concerning the RefusingSeller contract.
var RefusingSellerMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIMarket\",\"name\":\"m\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"commit\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"salt\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"}],\"name\":\"list\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"market\",\"outputs\":[{\"internalType\":\"contractIMarket\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "RefusingSeller",
	Bin: "0x60a060405234801561000f575f5ffd5b5060405161042c38038061042c83398101604081905261002e9161003f565b6001600160a01b031660805261006c565b5f6020828403121561004f575f5ffd5b81516001600160a01b0381168114610065575f5ffd5b9392505050565b6080516103956100975f395f8181605d0152818160df015281816101db015261029301526103955ff3fe608060405234801561000f575f5ffd5b506004361061004a575f3560e01c80633ccfd60b1461004e57806380f5560514610058578063b5171894146100a9578063f14fcbc8146100ca575b5f5ffd5b6100566100dd565b005b61007f7f000000000000000000000000000000000000000000000000000000000000000081565b60405173ffffffffffffffffffffffffffffffffffffffff90911681526020015b60405180910390f35b6100bc6100b7366004610302565b61015a565b6040519081526020016100a0565b6100566100d8366004610331565b610264565b7f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b158015610142575f5ffd5b505af1158015610154573d5f5f3e3d5ffd5b50505050565b6040517f39b17dea000000000000000000000000000000000000000000000000000000008152600481018590526024810184905260448101839052606481018290525f6084820181905260c060a4830152601660c48301527f687474703a2f2f3132372e302e302e313a383038302f0000000000000000000060e4830152907f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16906339b17dea90610104016020604051808303815f875af1158015610237573d5f5f3e3d5ffd5b505050506040513d601f19601f8201168201806040525081019061025b9190610348565b95945050505050565b6040517ff14fcbc8000000000000000000000000000000000000000000000000000000008152600481018290527f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063f14fcbc8906024015f604051808303815f87803b1580156102e9575f5ffd5b505af11580156102fb573d5f5f3e3d5ffd5b5050505050565b5f5f5f5f60808587031215610315575f5ffd5b5050823594602084013594506040840135936060013592509050565b5f60208284031215610341575f5ffd5b5035919050565b5f60208284031215610358575f5ffd5b505191905056fea2646970667358221220244ba726535a93e2c57d2ccbb10d3dff1a47f5d66f79fef24496d4a0f20b16f064736f6c63430008250033",
}

// RefusingSeller is an auto generated Go binding around an Ethereum contract.
type RefusingSeller struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *RefusingSeller) GetABI() abi.ABI {
	return c.abi
}

// NewRefusingSeller creates a new instance of RefusingSeller.
func NewRefusingSeller() *RefusingSeller {
	parsed, err := RefusingSellerMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &RefusingSeller{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *RefusingSeller) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address m) returns()
func (refusingSeller *RefusingSeller) PackConstructor(m common.Address) []byte {
	enc, err := refusingSeller.abi.Pack("", m)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackCommit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf14fcbc8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function commit(bytes32 commitment) returns()
func (refusingSeller *RefusingSeller) PackCommit(commitment [32]byte) []byte {
	enc, err := refusingSeller.abi.Pack("commit", commitment)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCommit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf14fcbc8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function commit(bytes32 commitment) returns()
func (refusingSeller *RefusingSeller) TryPackCommit(commitment [32]byte) ([]byte, error) {
	return refusingSeller.abi.Pack("commit", commitment)
}

// PackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb5171894.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) returns(uint256)
func (refusingSeller *RefusingSeller) PackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int) []byte {
	enc, err := refusingSeller.abi.Pack("list", contentHash, salt, price, terms)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb5171894.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) returns(uint256)
func (refusingSeller *RefusingSeller) TryPackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int) ([]byte, error) {
	return refusingSeller.abi.Pack("list", contentHash, salt, price, terms)
}

// UnpackList is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb5171894.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) returns(uint256)
func (refusingSeller *RefusingSeller) UnpackList(data []byte) (*big.Int, error) {
	out, err := refusingSeller.abi.Unpack("list", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackMarket is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x80f55605.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function market() view returns(address)
func (refusingSeller *RefusingSeller) PackMarket() []byte {
	enc, err := refusingSeller.abi.Pack("market")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMarket is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x80f55605.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function market() view returns(address)
func (refusingSeller *RefusingSeller) TryPackMarket() ([]byte, error) {
	return refusingSeller.abi.Pack("market")
}

// UnpackMarket is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x80f55605.
//
// Solidity: function market() view returns(address)
func (refusingSeller *RefusingSeller) UnpackMarket(data []byte) (common.Address, error) {
	out, err := refusingSeller.abi.Unpack("market", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ccfd60b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdraw() returns()
func (refusingSeller *RefusingSeller) PackWithdraw() []byte {
	enc, err := refusingSeller.abi.Pack("withdraw")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ccfd60b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdraw() returns()
func (refusingSeller *RefusingSeller) TryPackWithdraw() ([]byte, error) {
	return refusingSeller.abi.Pack("withdraw")
}
