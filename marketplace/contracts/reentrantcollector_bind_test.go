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

// ReentrantCollectorMetaData contains all meta data concerning the ReentrantCollector contract.
var ReentrantCollectorMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractICollectMarket\",\"name\":\"m\",\"type\":\"address\"},{\"internalType\":\"contractICollectPool\",\"name\":\"p\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"arm\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"armed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"collected\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"commit\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"salt\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"}],\"name\":\"list\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"market\",\"outputs\":[{\"internalType\":\"contractICollectMarket\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"pool\",\"outputs\":[{\"internalType\":\"contractICollectPool\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"received\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"secondCollectError\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"secondCollectSucceeded\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"stateMutability\":\"payable\",\"type\":\"receive\"}]",
	ID:  "ReentrantCollector",
	Bin: "0x60c060405234801561000f575f5ffd5b50604051610b27380380610b2783398101604081905261002e9161005c565b6001600160a01b039182166080521660a052610094565b6001600160a01b0381168114610059575f5ffd5b50565b5f5f6040838503121561006d575f5ffd5b825161007881610045565b602084015190925061008981610045565b809150509250929050565b60805160a051610a4f6100d85f395f8181610147015281816101c001526102e801525f81816103bc015281816104900152818161058c01526106440152610a4f5ff3fe6080604052600436106100bb575f3560e01c806383a6deb511610071578063b51718941161004c578063b51718941461042f578063f14fcbc81461044e578063fc51c9461461046d575f5ffd5b806383a6deb5146103de57806384bcefd414610401578063a9d2eeba14610416575f5ffd5b8063370419e5116100a1578063370419e51461035c5780633ccfd60b1461039757806380f55605146103ab575f5ffd5b806316f0115b146102d75780632f41109314610334575f5ffd5b366102d3573460015f8282546100d1919061073f565b90915550505f5460ff16156102a3575f80547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00168155604080517fe5225381000000000000000000000000000000000000000000000000000000008152905173ffffffffffffffffffffffffffffffffffffffff7f0000000000000000000000000000000000000000000000000000000000000000169263e5225381926004808201936020939092839003909101908290875af1158015610194573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906101b8919061077d565b6002819055507f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff1663e52253816040518163ffffffff1660e01b81526004016020604051808303815f875af1925050508015610264575060408051601f3d9081017fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe01682019092526102619181019061077d565b60015b6102a5573d808015610291576040519150601f19603f3d011682016040523d82523d5f602084013e610296565b606091505b5060046102a38282610869565b005b50600380547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00166001179055005b5f5ffd5b3480156102e2575f5ffd5b5061030a7f000000000000000000000000000000000000000000000000000000000000000081565b60405173ffffffffffffffffffffffffffffffffffffffff90911681526020015b60405180910390f35b34801561033f575f5ffd5b505f5461034c9060ff1681565b604051901515815260200161032b565b348015610367575f5ffd5b506102a35f80547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00166001179055565b3480156103a2575f5ffd5b506102a361048e565b3480156103b6575f5ffd5b5061030a7f000000000000000000000000000000000000000000000000000000000000000081565b3480156103e9575f5ffd5b506103f360015481565b60405190815260200161032b565b34801561040c575f5ffd5b506103f360025481565b348015610421575f5ffd5b5060035461034c9060ff1681565b34801561043a575f5ffd5b506103f3610449366004610980565b61050b565b348015610459575f5ffd5b506102a36104683660046109af565b610615565b348015610478575f5ffd5b506104816106b3565b60405161032b91906109c6565b7f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b1580156104f3575f5ffd5b505af1158015610505573d5f5f3e3d5ffd5b50505050565b6040517f39b17dea000000000000000000000000000000000000000000000000000000008152600481018590526024810184905260448101839052606481018290525f6084820181905260c060a4830152601660c48301527f687474703a2f2f3132372e302e302e313a383038302f0000000000000000000060e4830152907f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16906339b17dea90610104016020604051808303815f875af11580156105e8573d5f5f3e3d5ffd5b505050506040513d601f19601f8201168201806040525081019061060c919061077d565b95945050505050565b6040517ff14fcbc8000000000000000000000000000000000000000000000000000000008152600481018290527f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063f14fcbc8906024015f604051808303815f87803b15801561069a575f5ffd5b505af11580156106ac573d5f5f3e3d5ffd5b5050505050565b600480546106c0906107c1565b80601f01602080910402602001604051908101604052809291908181526020018280546106ec906107c1565b80156107375780601f1061070e57610100808354040283529160200191610737565b820191905f5260205f20905b81548152906001019060200180831161071a57829003601f168201915b505050505081565b80820180821115610777577f4e487b71000000000000000000000000000000000000000000000000000000005f52601160045260245ffd5b92915050565b5f6020828403121561078d575f5ffd5b5051919050565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52604160045260245ffd5b600181811c908216806107d557607f821691505b60208210810361080c577f4e487b71000000000000000000000000000000000000000000000000000000005f52602260045260245ffd5b50919050565b601f821115610864578282111561086457805f5260205f20601f840160051c602085101561083d57505f5b90810190601f840160051c035f5b81811015610860575f8382015560010161084b565b5050505b505050565b815167ffffffffffffffff81111561088357610883610794565b6108978161089184546107c1565b84610812565b6020601f8211600181146108e8575f83156108b25750848201515b7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff600385901b1c1916600184901b1784556106ac565b5f848152602081207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe08516915b828110156109355787850151825560209485019460019092019101610915565b508482101561097157868401517fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff600387901b60f8161c191681555b50505050600190811b01905550565b5f5f5f5f60808587031215610993575f5ffd5b5050823594602084013594506040840135936060013592509050565b5f602082840312156109bf575f5ffd5b5035919050565b602081525f82518060208401528060208501604085015e5f6040828501015260407fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0601f8301168401019150509291505056fea264697066735822122026e37027ec7f60842764bb9bf97926edcf736ecdb4bf48d8e95fefa09c125d1464736f6c63430008250033",
}

// ReentrantCollector is an auto generated Go binding around an Ethereum contract.
type ReentrantCollector struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ReentrantCollector) GetABI() abi.ABI {
	return c.abi
}

// NewReentrantCollector creates a new instance of ReentrantCollector.
func NewReentrantCollector() *ReentrantCollector {
	parsed, err := ReentrantCollectorMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ReentrantCollector{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ReentrantCollector) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address m, address p) returns()
func (reentrantCollector *ReentrantCollector) PackConstructor(m common.Address, p common.Address) []byte {
	enc, err := reentrantCollector.abi.Pack("", m, p)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackArm is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x370419e5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function arm() returns()
func (reentrantCollector *ReentrantCollector) PackArm() []byte {
	enc, err := reentrantCollector.abi.Pack("arm")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackArm is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x370419e5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function arm() returns()
func (reentrantCollector *ReentrantCollector) TryPackArm() ([]byte, error) {
	return reentrantCollector.abi.Pack("arm")
}

// PackArmed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2f411093.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function armed() view returns(bool)
func (reentrantCollector *ReentrantCollector) PackArmed() []byte {
	enc, err := reentrantCollector.abi.Pack("armed")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackArmed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2f411093.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function armed() view returns(bool)
func (reentrantCollector *ReentrantCollector) TryPackArmed() ([]byte, error) {
	return reentrantCollector.abi.Pack("armed")
}

// UnpackArmed is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x2f411093.
//
// Solidity: function armed() view returns(bool)
func (reentrantCollector *ReentrantCollector) UnpackArmed(data []byte) (bool, error) {
	out, err := reentrantCollector.abi.Unpack("armed", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackCollected is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x84bcefd4.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function collected() view returns(uint256)
func (reentrantCollector *ReentrantCollector) PackCollected() []byte {
	enc, err := reentrantCollector.abi.Pack("collected")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCollected is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x84bcefd4.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function collected() view returns(uint256)
func (reentrantCollector *ReentrantCollector) TryPackCollected() ([]byte, error) {
	return reentrantCollector.abi.Pack("collected")
}

// UnpackCollected is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x84bcefd4.
//
// Solidity: function collected() view returns(uint256)
func (reentrantCollector *ReentrantCollector) UnpackCollected(data []byte) (*big.Int, error) {
	out, err := reentrantCollector.abi.Unpack("collected", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackCommit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf14fcbc8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function commit(bytes32 commitment) returns()
func (reentrantCollector *ReentrantCollector) PackCommit(commitment [32]byte) []byte {
	enc, err := reentrantCollector.abi.Pack("commit", commitment)
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
func (reentrantCollector *ReentrantCollector) TryPackCommit(commitment [32]byte) ([]byte, error) {
	return reentrantCollector.abi.Pack("commit", commitment)
}

// PackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb5171894.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) returns(uint256)
func (reentrantCollector *ReentrantCollector) PackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int) []byte {
	enc, err := reentrantCollector.abi.Pack("list", contentHash, salt, price, terms)
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
func (reentrantCollector *ReentrantCollector) TryPackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int) ([]byte, error) {
	return reentrantCollector.abi.Pack("list", contentHash, salt, price, terms)
}

// UnpackList is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb5171894.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) returns(uint256)
func (reentrantCollector *ReentrantCollector) UnpackList(data []byte) (*big.Int, error) {
	out, err := reentrantCollector.abi.Unpack("list", data)
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
func (reentrantCollector *ReentrantCollector) PackMarket() []byte {
	enc, err := reentrantCollector.abi.Pack("market")
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
func (reentrantCollector *ReentrantCollector) TryPackMarket() ([]byte, error) {
	return reentrantCollector.abi.Pack("market")
}

// UnpackMarket is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x80f55605.
//
// Solidity: function market() view returns(address)
func (reentrantCollector *ReentrantCollector) UnpackMarket(data []byte) (common.Address, error) {
	out, err := reentrantCollector.abi.Unpack("market", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackPool is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x16f0115b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function pool() view returns(address)
func (reentrantCollector *ReentrantCollector) PackPool() []byte {
	enc, err := reentrantCollector.abi.Pack("pool")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPool is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x16f0115b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function pool() view returns(address)
func (reentrantCollector *ReentrantCollector) TryPackPool() ([]byte, error) {
	return reentrantCollector.abi.Pack("pool")
}

// UnpackPool is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x16f0115b.
//
// Solidity: function pool() view returns(address)
func (reentrantCollector *ReentrantCollector) UnpackPool(data []byte) (common.Address, error) {
	out, err := reentrantCollector.abi.Unpack("pool", data)
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
func (reentrantCollector *ReentrantCollector) PackReceived() []byte {
	enc, err := reentrantCollector.abi.Pack("received")
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
func (reentrantCollector *ReentrantCollector) TryPackReceived() ([]byte, error) {
	return reentrantCollector.abi.Pack("received")
}

// UnpackReceived is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x83a6deb5.
//
// Solidity: function received() view returns(uint256)
func (reentrantCollector *ReentrantCollector) UnpackReceived(data []byte) (*big.Int, error) {
	out, err := reentrantCollector.abi.Unpack("received", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackSecondCollectError is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc51c946.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function secondCollectError() view returns(bytes)
func (reentrantCollector *ReentrantCollector) PackSecondCollectError() []byte {
	enc, err := reentrantCollector.abi.Pack("secondCollectError")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSecondCollectError is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc51c946.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function secondCollectError() view returns(bytes)
func (reentrantCollector *ReentrantCollector) TryPackSecondCollectError() ([]byte, error) {
	return reentrantCollector.abi.Pack("secondCollectError")
}

// UnpackSecondCollectError is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfc51c946.
//
// Solidity: function secondCollectError() view returns(bytes)
func (reentrantCollector *ReentrantCollector) UnpackSecondCollectError(data []byte) ([]byte, error) {
	out, err := reentrantCollector.abi.Unpack("secondCollectError", data)
	if err != nil {
		return *new([]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([]byte)).(*[]byte)
	return out0, nil
}

// PackSecondCollectSucceeded is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa9d2eeba.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function secondCollectSucceeded() view returns(bool)
func (reentrantCollector *ReentrantCollector) PackSecondCollectSucceeded() []byte {
	enc, err := reentrantCollector.abi.Pack("secondCollectSucceeded")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSecondCollectSucceeded is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa9d2eeba.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function secondCollectSucceeded() view returns(bool)
func (reentrantCollector *ReentrantCollector) TryPackSecondCollectSucceeded() ([]byte, error) {
	return reentrantCollector.abi.Pack("secondCollectSucceeded")
}

// UnpackSecondCollectSucceeded is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa9d2eeba.
//
// Solidity: function secondCollectSucceeded() view returns(bool)
func (reentrantCollector *ReentrantCollector) UnpackSecondCollectSucceeded(data []byte) (bool, error) {
	out, err := reentrantCollector.abi.Unpack("secondCollectSucceeded", data)
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
func (reentrantCollector *ReentrantCollector) PackWithdraw() []byte {
	enc, err := reentrantCollector.abi.Pack("withdraw")
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
func (reentrantCollector *ReentrantCollector) TryPackWithdraw() ([]byte, error) {
	return reentrantCollector.abi.Pack("withdraw")
}
