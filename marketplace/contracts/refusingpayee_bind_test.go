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

// RefusingPayeeMetaData contains all meta data concerning the RefusingPayee contract.
var RefusingPayeeMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"name\":\"accepting\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bool\",\"name\":\"a\",\"type\":\"bool\"}],\"name\":\"setAccepting\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"contractIPoolPayouts\",\"name\":\"pool\",\"type\":\"address\"}],\"name\":\"withdrawFrom\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"stateMutability\":\"payable\",\"type\":\"receive\"}]",
	ID:  "RefusingPayee",
	Bin: "0x6080604052348015600e575f5ffd5b506102328061001c5f395ff3fe608060405260043610610036575f3560e01c80637fcd4ecf146100b0578063de1b0486146100fa578063e6205b9114610119575f5ffd5b366100ac575f5460ff166100aa576040517f08c379a000000000000000000000000000000000000000000000000000000000815260206004820152601060248201527f7265667573696e67207061796d656e7400000000000000000000000000000000604482015260640160405180910390fd5b005b5f5ffd5b3480156100bb575f5ffd5b506100aa6100ca3660046101a3565b5f80547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0016911515919091179055565b348015610105575f5ffd5b506100aa6101143660046101c9565b610145565b348015610124575f5ffd5b505f546101319060ff1681565b604051901515815260200160405180910390f35b8073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b15801561018a575f5ffd5b505af115801561019c573d5f5f3e3d5ffd5b5050505050565b5f602082840312156101b3575f5ffd5b813580151581146101c2575f5ffd5b9392505050565b5f602082840312156101d9575f5ffd5b813573ffffffffffffffffffffffffffffffffffffffff811681146101c2575f5ffdfea264697066735822122009c6fb896ab4d95c3a498453c32b18c8a5172135a471a73dd648fc0a2ac6b47d64736f6c63430008250033",
}

// RefusingPayee is an auto generated Go binding around an Ethereum contract.
type RefusingPayee struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *RefusingPayee) GetABI() abi.ABI {
	return c.abi
}

// NewRefusingPayee creates a new instance of RefusingPayee.
func NewRefusingPayee() *RefusingPayee {
	parsed, err := RefusingPayeeMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &RefusingPayee{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *RefusingPayee) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackAccepting is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe6205b91.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function accepting() view returns(bool)
func (refusingPayee *RefusingPayee) PackAccepting() []byte {
	enc, err := refusingPayee.abi.Pack("accepting")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAccepting is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe6205b91.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function accepting() view returns(bool)
func (refusingPayee *RefusingPayee) TryPackAccepting() ([]byte, error) {
	return refusingPayee.abi.Pack("accepting")
}

// UnpackAccepting is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe6205b91.
//
// Solidity: function accepting() view returns(bool)
func (refusingPayee *RefusingPayee) UnpackAccepting(data []byte) (bool, error) {
	out, err := refusingPayee.abi.Unpack("accepting", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackSetAccepting is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7fcd4ecf.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setAccepting(bool a) returns()
func (refusingPayee *RefusingPayee) PackSetAccepting(a bool) []byte {
	enc, err := refusingPayee.abi.Pack("setAccepting", a)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetAccepting is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7fcd4ecf.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setAccepting(bool a) returns()
func (refusingPayee *RefusingPayee) TryPackSetAccepting(a bool) ([]byte, error) {
	return refusingPayee.abi.Pack("setAccepting", a)
}

// PackWithdrawFrom is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xde1b0486.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdrawFrom(address pool) returns()
func (refusingPayee *RefusingPayee) PackWithdrawFrom(pool common.Address) []byte {
	enc, err := refusingPayee.abi.Pack("withdrawFrom", pool)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdrawFrom is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xde1b0486.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdrawFrom(address pool) returns()
func (refusingPayee *RefusingPayee) TryPackWithdrawFrom(pool common.Address) ([]byte, error) {
	return refusingPayee.abi.Pack("withdrawFrom", pool)
}
