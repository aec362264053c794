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
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIMarket\",\"name\":\"m\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"commit\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"salt\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"}],\"name\":\"list\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"market\",\"outputs\":[{\"internalType\":\"contractIMarket\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"received\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"reentries\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"reentryError\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"reentrySucceeded\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"stateMutability\":\"payable\",\"type\":\"receive\"}]",
	ID:  "ReentrantSeller",
	Bin: "0x60a060405234801561000f575f5ffd5b5060405161096a38038061096a83398101604081905261002e9161003f565b6001600160a01b031660805261006c565b5f6020828403121561004f575f5ffd5b81516001600160a01b0381168114610065575f5ffd5b9392505050565b6080516108cb61009f5f395f818160b501528181610211015281816102cd015281816103c9015261050d01526108cb5ff3fe60806040526004361061007c575f3560e01c806383a6deb51161004c57806383a6deb514610258578063b51718941461026c578063ca6ddc2f1461028b578063f14fcbc8146102ac575f5ffd5b80633ccfd60b1461019b57806359703b2e146101af5780636578986d146101dd57806380f5560514610200575f5ffd5b3661019757345f5f82825461009191906105a9565b90915550506001545f036101685760018054905f6100ae836105c2565b91905055507f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b158015610118575f5ffd5b505af1925050508015610129575060015b61016a573d808015610156576040519150601f19603f3d011682016040523d82523d5f602084013e61015b565b606091505b50600361016882826106ce565b005b600280547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00166001179055005b5f5ffd5b3480156101a6575f5ffd5b506101686102cb565b3480156101ba575f5ffd5b506002546101c89060ff1681565b60405190151581526020015b60405180910390f35b3480156101e8575f5ffd5b506101f260015481565b6040519081526020016101d4565b34801561020b575f5ffd5b506102337f000000000000000000000000000000000000000000000000000000000000000081565b60405173ffffffffffffffffffffffffffffffffffffffff90911681526020016101d4565b348015610263575f5ffd5b506101f25f5481565b348015610277575f5ffd5b506101f26102863660046107e5565b610348565b348015610296575f5ffd5b5061029f610452565b6040516101d49190610814565b3480156102b7575f5ffd5b506101686102c6366004610867565b6104de565b7f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b158015610330575f5ffd5b505af1158015610342573d5f5f3e3d5ffd5b50505050565b6040517f39b17dea000000000000000000000000000000000000000000000000000000008152600481018590526024810184905260448101839052606481018290525f6084820181905260c060a4830152601660c48301527f687474703a2f2f3132372e302e302e313a383038302f0000000000000000000060e4830152907f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16906339b17dea90610104016020604051808303815f875af1158015610425573d5f5f3e3d5ffd5b505050506040513d601f19601f82011682018060405250810190610449919061087e565b95945050505050565b6003805461045f90610626565b80601f016020809104026020016040519081016040528092919081815260200182805461048b90610626565b80156104d65780601f106104ad576101008083540402835291602001916104d6565b820191905f5260205f20905b8154815290600101906020018083116104b957829003601f168201915b505050505081565b6040517ff14fcbc8000000000000000000000000000000000000000000000000000000008152600481018290527f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063f14fcbc8906024015f604051808303815f87803b158015610563575f5ffd5b505af1158015610575573d5f5f3e3d5ffd5b5050505050565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52601160045260245ffd5b808201808211156105bc576105bc61057c565b92915050565b5f7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff82036105f2576105f261057c565b5060010190565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52604160045260245ffd5b600181811c9082168061063a57607f821691505b602082108103610671577f4e487b71000000000000000000000000000000000000000000000000000000005f52602260045260245ffd5b50919050565b601f8211156106c957828211156106c957805f5260205f20601f840160051c60208510156106a257505f5b90810190601f840160051c035f5b818110156106c5575f838201556001016106b0565b5050505b505050565b815167ffffffffffffffff8111156106e8576106e86105f9565b6106fc816106f68454610626565b84610677565b6020601f82116001811461074d575f83156107175750848201515b7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff600385901b1c1916600184901b178455610575565b5f848152602081207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe08516915b8281101561079a578785015182556020948501946001909201910161077a565b50848210156107d657868401517fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff600387901b60f8161c191681555b50505050600190811b01905550565b5f5f5f5f608085870312156107f8575f5ffd5b5050823594602084013594506040840135936060013592509050565b602081525f82518060208401528060208501604085015e5f6040828501015260407fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0601f83011684010191505092915050565b5f60208284031215610877575f5ffd5b5035919050565b5f6020828403121561088e575f5ffd5b505191905056fea26469706673582212205019adcb7edf04df495cd26747e3f5e6ad38a7e71ff33c22efdd0d92ff761e5e64736f6c63430008250033",
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

// PackCommit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf14fcbc8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function commit(bytes32 commitment) returns()
func (reentrantSeller *ReentrantSeller) PackCommit(commitment [32]byte) []byte {
	enc, err := reentrantSeller.abi.Pack("commit", commitment)
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
func (reentrantSeller *ReentrantSeller) TryPackCommit(commitment [32]byte) ([]byte, error) {
	return reentrantSeller.abi.Pack("commit", commitment)
}

// PackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb5171894.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) returns(uint256)
func (reentrantSeller *ReentrantSeller) PackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int) []byte {
	enc, err := reentrantSeller.abi.Pack("list", contentHash, salt, price, terms)
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
func (reentrantSeller *ReentrantSeller) TryPackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int) ([]byte, error) {
	return reentrantSeller.abi.Pack("list", contentHash, salt, price, terms)
}

// UnpackList is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb5171894.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) returns(uint256)
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
