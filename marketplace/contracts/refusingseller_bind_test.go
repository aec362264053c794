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
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIMarket\",\"name\":\"m\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"}],\"name\":\"list\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"market\",\"outputs\":[{\"internalType\":\"contractIMarket\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "RefusingSeller",
	Bin: "0x60a0604052348015600e575f5ffd5b5060405161033d38038061033d833981016040819052602b91603b565b6001600160a01b03166080526066565b5f60208284031215604a575f5ffd5b81516001600160a01b0381168114605f575f5ffd5b9392505050565b6080516102b361008a5f395f818160520152818160c101526101b601526102b35ff3fe608060405234801561000f575f5ffd5b506004361061003f575f3560e01c80633ccfd60b1461004357806380f556051461004d578063c1bf70401461009e575b5f5ffd5b61004b6100bf565b005b6100747f000000000000000000000000000000000000000000000000000000000000000081565b60405173ffffffffffffffffffffffffffffffffffffffff90911681526020015b60405180910390f35b6100b16100ac36600461023d565b61013c565b604051908152602001610095565b7f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b158015610124575f5ffd5b505af1158015610136573d5f5f3e3d5ffd5b50505050565b6040517fdc63326b0000000000000000000000000000000000000000000000000000000081526004810184905260248101839052604481018290525f6064820181905260a06084830152601660a48301527f687474703a2f2f3132372e302e302e313a383038302f0000000000000000000060c4830152907f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063dc63326b9060e4016020604051808303815f875af1158015610211573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906102359190610266565b949350505050565b5f5f5f6060848603121561024f575f5ffd5b505081359360208301359350604090920135919050565b5f60208284031215610276575f5ffd5b505191905056fea26469706673582212201daab071e16fb3d13ccf2bb257a5f36d003e3f7bd5e38033fd6d36542974fb9364736f6c63430008250033",
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

// PackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc1bf7040.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function list(bytes32 contentHash, uint256 price, uint256 terms) returns(uint256)
func (refusingSeller *RefusingSeller) PackList(contentHash [32]byte, price *big.Int, terms *big.Int) []byte {
	enc, err := refusingSeller.abi.Pack("list", contentHash, price, terms)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc1bf7040.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function list(bytes32 contentHash, uint256 price, uint256 terms) returns(uint256)
func (refusingSeller *RefusingSeller) TryPackList(contentHash [32]byte, price *big.Int, terms *big.Int) ([]byte, error) {
	return refusingSeller.abi.Pack("list", contentHash, price, terms)
}

// UnpackList is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc1bf7040.
//
// Solidity: function list(bytes32 contentHash, uint256 price, uint256 terms) returns(uint256)
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
