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

// ReentrantSellerMetaData contains all meta data concerning the ReentrantSeller contract.
var ReentrantSellerMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIMarket\",\"name\":\"m\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"}],\"name\":\"list\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"market\",\"outputs\":[{\"internalType\":\"contractIMarket\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"received\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"reentries\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"reentryError\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"reentrySucceeded\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"stateMutability\":\"payable\",\"type\":\"receive\"}]",
	ID:  "ReentrantSeller",
	Bin: "0x60a060405234801561000f575f5ffd5b5060405161087938038061087983398101604081905261002e9161003f565b6001600160a01b031660805261006c565b5f6020828403121561004f575f5ffd5b81516001600160a01b0381168114610065575f5ffd5b9392505050565b6080516107e16100985f395f818160aa01528181610206015281816102a3015261039801526107e15ff3fe608060405260043610610071575f3560e01c806380f556051161004c57806380f55605146101f557806383a6deb51461024d578063c1bf704014610261578063ca6ddc2f14610280575f5ffd5b80633ccfd60b1461019057806359703b2e146101a45780636578986d146101d2575f5ffd5b3661018c57345f5f82825461008691906104d8565b90915550506001545f0361015d5760018054905f6100a3836104f1565b91905055507f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b15801561010d575f5ffd5b505af192505050801561011e575060015b61015f573d80801561014b576040519150601f19603f3d011682016040523d82523d5f602084013e610150565b606091505b50600361015d82826105fd565b005b600280547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00166001179055005b5f5ffd5b34801561019b575f5ffd5b5061015d6102a1565b3480156101af575f5ffd5b506002546101bd9060ff1681565b60405190151581526020015b60405180910390f35b3480156101dd575f5ffd5b506101e760015481565b6040519081526020016101c9565b348015610200575f5ffd5b506102287f000000000000000000000000000000000000000000000000000000000000000081565b60405173ffffffffffffffffffffffffffffffffffffffff90911681526020016101c9565b348015610258575f5ffd5b506101e75f5481565b34801561026c575f5ffd5b506101e761027b366004610718565b61031e565b34801561028b575f5ffd5b5061029461041f565b6040516101c99190610741565b7f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b158015610306575f5ffd5b505af1158015610318573d5f5f3e3d5ffd5b50505050565b6040517fdc63326b0000000000000000000000000000000000000000000000000000000081526004810184905260248101839052604481018290525f6064820181905260a06084830152601660a48301527f687474703a2f2f3132372e302e302e313a383038302f0000000000000000000060c4830152907f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063dc63326b9060e4016020604051808303815f875af11580156103f3573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906104179190610794565b949350505050565b6003805461042c90610555565b80601f016020809104026020016040519081016040528092919081815260200182805461045890610555565b80156104a35780601f1061047a576101008083540402835291602001916104a3565b820191905f5260205f20905b81548152906001019060200180831161048657829003601f168201915b505050505081565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52601160045260245ffd5b808201808211156104eb576104eb6104ab565b92915050565b5f7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff8203610521576105216104ab565b5060010190565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52604160045260245ffd5b600181811c9082168061056957607f821691505b6020821081036105a0577f4e487b71000000000000000000000000000000000000000000000000000000005f52602260045260245ffd5b50919050565b601f8211156105f857828211156105f857805f5260205f20601f840160051c60208510156105d157505f5b90810190601f840160051c035f5b818110156105f4575f838201556001016105df565b5050505b505050565b815167ffffffffffffffff81111561061757610617610528565b61062b816106258454610555565b846105a6565b6020601f82116001811461067c575f83156106465750848201515b7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff600385901b1c1916600184901b178455610711565b5f848152602081207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe08516915b828110156106c957878501518255602094850194600190920191016106a9565b508482101561070557868401517fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff600387901b60f8161c191681555b505060018360011b0184555b5050505050565b5f5f5f6060848603121561072a575f5ffd5b505081359360208301359350604090920135919050565b602081525f82518060208401528060208501604085015e5f6040828501015260407fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0601f83011684010191505092915050565b5f602082840312156107a4575f5ffd5b505191905056fea26469706673582212204adf6e3d10d082ddf2adaa60d187fccef0c83f45b74853c5057f7fabcb16361664736f6c63430008250033",
}

// ReentrantSeller is an auto generated Go binding around an Ethereum contract.
type ReentrantSeller struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ReentrantSeller) GetABI() abi.ABI {
	return c.abi
}

// NewReentrantSeller creates a new instance of ReentrantSeller.
func NewReentrantSeller() *ReentrantSeller {
	parsed, err := ReentrantSellerMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ReentrantSeller{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ReentrantSeller) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address m) returns()
func (reentrantSeller *ReentrantSeller) PackConstructor(m common.Address) []byte {
	enc, err := reentrantSeller.abi.Pack("", m)
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
func (reentrantSeller *ReentrantSeller) PackList(contentHash [32]byte, price *big.Int, terms *big.Int) []byte {
	enc, err := reentrantSeller.abi.Pack("list", contentHash, price, terms)
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
func (reentrantSeller *ReentrantSeller) TryPackList(contentHash [32]byte, price *big.Int, terms *big.Int) ([]byte, error) {
	return reentrantSeller.abi.Pack("list", contentHash, price, terms)
}

// UnpackList is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc1bf7040.
//
// Solidity: function list(bytes32 contentHash, uint256 price, uint256 terms) returns(uint256)
func (reentrantSeller *ReentrantSeller) UnpackList(data []byte) (*big.Int, error) {
	out, err := reentrantSeller.abi.Unpack("list", data)
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
func (reentrantSeller *ReentrantSeller) PackMarket() []byte {
	enc, err := reentrantSeller.abi.Pack("market")
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
func (reentrantSeller *ReentrantSeller) TryPackMarket() ([]byte, error) {
	return reentrantSeller.abi.Pack("market")
}

// UnpackMarket is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x80f55605.
//
// Solidity: function market() view returns(address)
func (reentrantSeller *ReentrantSeller) UnpackMarket(data []byte) (common.Address, error) {
	out, err := reentrantSeller.abi.Unpack("market", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackReceived is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x83a6deb5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function received() view returns(uint256)
func (reentrantSeller *ReentrantSeller) PackReceived() []byte {
	enc, err := reentrantSeller.abi.Pack("received")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReceived is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x83a6deb5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function received() view returns(uint256)
func (reentrantSeller *ReentrantSeller) TryPackReceived() ([]byte, error) {
	return reentrantSeller.abi.Pack("received")
}

// UnpackReceived is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x83a6deb5.
//
// Solidity: function received() view returns(uint256)
func (reentrantSeller *ReentrantSeller) UnpackReceived(data []byte) (*big.Int, error) {
	out, err := reentrantSeller.abi.Unpack("received", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackReentries is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6578986d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function reentries() view returns(uint256)
func (reentrantSeller *ReentrantSeller) PackReentries() []byte {
	enc, err := reentrantSeller.abi.Pack("reentries")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReentries is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6578986d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function reentries() view returns(uint256)
func (reentrantSeller *ReentrantSeller) TryPackReentries() ([]byte, error) {
	return reentrantSeller.abi.Pack("reentries")
}

// UnpackReentries is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6578986d.
//
// Solidity: function reentries() view returns(uint256)
func (reentrantSeller *ReentrantSeller) UnpackReentries(data []byte) (*big.Int, error) {
	out, err := reentrantSeller.abi.Unpack("reentries", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackReentryError is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xca6ddc2f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function reentryError() view returns(bytes)
func (reentrantSeller *ReentrantSeller) PackReentryError() []byte {
	enc, err := reentrantSeller.abi.Pack("reentryError")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReentryError is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xca6ddc2f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function reentryError() view returns(bytes)
func (reentrantSeller *ReentrantSeller) TryPackReentryError() ([]byte, error) {
	return reentrantSeller.abi.Pack("reentryError")
}

// UnpackReentryError is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xca6ddc2f.
//
// Solidity: function reentryError() view returns(bytes)
func (reentrantSeller *ReentrantSeller) UnpackReentryError(data []byte) ([]byte, error) {
	out, err := reentrantSeller.abi.Unpack("reentryError", data)
	if err != nil {
		return *new([]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([]byte)).(*[]byte)
	return out0, nil
}

// PackReentrySucceeded is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x59703b2e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function reentrySucceeded() view returns(bool)
func (reentrantSeller *ReentrantSeller) PackReentrySucceeded() []byte {
	enc, err := reentrantSeller.abi.Pack("reentrySucceeded")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReentrySucceeded is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x59703b2e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function reentrySucceeded() view returns(bool)
func (reentrantSeller *ReentrantSeller) TryPackReentrySucceeded() ([]byte, error) {
	return reentrantSeller.abi.Pack("reentrySucceeded")
}

// UnpackReentrySucceeded is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x59703b2e.
//
// Solidity: function reentrySucceeded() view returns(bool)
func (reentrantSeller *ReentrantSeller) UnpackReentrySucceeded(data []byte) (bool, error) {
	out, err := reentrantSeller.abi.Unpack("reentrySucceeded", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ccfd60b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdraw() returns()
func (reentrantSeller *ReentrantSeller) PackWithdraw() []byte {
	enc, err := reentrantSeller.abi.Pack("withdraw")
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
func (reentrantSeller *ReentrantSeller) TryPackWithdraw() ([]byte, error) {
	return reentrantSeller.abi.Pack("withdraw")
}
