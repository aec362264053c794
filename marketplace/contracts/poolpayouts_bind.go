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

// PoolPayoutsMetaData contains all meta data concerning the PoolPayouts contract.
var PoolPayoutsMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"operator_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"InvalidOperator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"}],\"name\":\"InvalidProof\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidRoot\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NoRound\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotOperator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"NothingOwed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"claimedAmount\",\"type\":\"uint256\"}],\"name\":\"NothingToClaim\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"current\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"given\",\"type\":\"uint256\"}],\"name\":\"TotalDecreased\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"TransferFailed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"cumulativeTotal\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"funded\",\"type\":\"uint256\"}],\"name\":\"Underfunded\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"}],\"name\":\"Claimed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"PaymentDeferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Received\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"round\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"cumulativeTotal\",\"type\":\"uint256\"}],\"name\":\"RoundPosted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Withdrawn\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"},{\"internalType\":\"bytes32[]\",\"name\":\"proof\",\"type\":\"bytes32[]\"}],\"name\":\"claim\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"claimed\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"cumulativeTotal\",\"outputs\":[{\"internalType\":\"uint128\",\"name\":\"\",\"type\":\"uint128\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"operator\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"owed\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"newRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"total\",\"type\":\"uint256\"}],\"name\":\"postRound\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"root\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"round\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"totalReceived\",\"outputs\":[{\"internalType\":\"uint128\",\"name\":\"\",\"type\":\"uint128\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"stateMutability\":\"payable\",\"type\":\"receive\"}]",
	ID:  "PoolPayouts",
	Bin: "0x6080604052348015600e575f5ffd5b50604051610b03380380610b03833981016040819052602b916074565b6001600160a01b03811660515760405163ccea9e6f60e01b815260040160405180910390fd5b5f80546001600160a01b0319166001600160a01b0392909216919091179055609f565b5f602082840312156083575f5ffd5b81516001600160a01b03811681146098575f5ffd5b9392505050565b610a57806100ac5f395ff3fe6080604052600436106100b0575f3560e01c8063c884ef8311610066578063df18e0471161004c578063df18e047146102cd578063ebf0c717146102f8578063ff3d45221461030d575f5ffd5b8063c884ef8314610258578063dc44698714610291575f5ffd5b80633d13f874116100965780633d13f874146101a0578063570ca735146101bf578063a3c2c4621461020f575f5ffd5b8063146ca531146101355780633ccfd60b1461018a575f5ffd5b3661013157600280547fffffffffffffffffffffffffffffffff000000000000000000000000000000008116346fffffffffffffffffffffffffffffffff92831681019092161790915560405190815233907f88a5966d370b9919b20f3e2c13ff65706f196a4e32cc2c12bf57088f885258749060200160405180910390a2005b5f5ffd5b348015610140575f5ffd5b505f5461016c9074010000000000000000000000000000000000000000900467ffffffffffffffff1681565b60405167ffffffffffffffff90911681526020015b60405180910390f35b348015610195575f5ffd5b5061019e61032c565b005b3480156101ab575f5ffd5b5061019e6101ba36600461095b565b610453565b3480156101ca575f5ffd5b505f546101ea9073ffffffffffffffffffffffffffffffffffffffff1681565b60405173ffffffffffffffffffffffffffffffffffffffff9091168152602001610181565b34801561021a575f5ffd5b50600254610237906fffffffffffffffffffffffffffffffff1681565b6040516fffffffffffffffffffffffffffffffff9091168152602001610181565b348015610263575f5ffd5b506102836102723660046109e1565b60036020525f908152604090205481565b604051908152602001610181565b34801561029c575f5ffd5b506002546102379070010000000000000000000000000000000090046fffffffffffffffffffffffffffffffff1681565b3480156102d8575f5ffd5b506102836102e73660046109e1565b60046020525f908152604090205481565b348015610303575f5ffd5b5061028360015481565b348015610318575f5ffd5b5061019e610327366004610a01565b6106c4565b335f908152600460205260408120549081900361037c576040517f751b0fda0000000000000000000000000000000000000000000000000000000081523360048201526024015b60405180910390fd5b335f8181526004602052604080822091909155517f7084f5476618d8e60b11ef0d7d3f06914655adb8793e28ff7f018d4c76d505d5906103bf9084815260200190565b60405180910390a26040515f90339083908381818185875af1925050503d805f8114610406576040519150601f19603f3d011682016040523d82523d5f602084013e61040b565b606091505b505090508061044f576040517f1c43b97600000000000000000000000000000000000000000000000000000000815233600482015260248101839052604401610373565b5050565b6001548061048d576040517f5878a15c00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b6104b18383836104ac89895f9182526020908152604082208252902090565b6108e5565b610506576040517fadbd651200000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff8616600482015260248101859052604401610373565b73ffffffffffffffffffffffffffffffffffffffff85165f9081526003602052604090205480851161058a576040517f0cfa2bb000000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff871660048201526024810186905260448101829052606401610373565b73ffffffffffffffffffffffffffffffffffffffff86165f8181526003602090815260409182902088905581518489038082529181018990529092917f987d620f307ff6b94d58743cb7a7509f24071586a77759b77c2d4e29f75a2f9a910160405180910390a25f8773ffffffffffffffffffffffffffffffffffffffff16826040515f6040518083038185875af1925050503d805f8114610647576040519150601f19603f3d011682016040523d82523d5f602084013e61064c565b606091505b50509050806106ba5773ffffffffffffffffffffffffffffffffffffffff88165f8181526004602052604090819020805485019055517f8af6e30690e4b192e05dc42baa9776cefda6c432838616c7f4f036bbab44917e906106b19085815260200190565b60405180910390a25b5050505050505050565b5f5473ffffffffffffffffffffffffffffffffffffffff163314610716576040517f76c6c93a000000000000000000000000000000000000000000000000000000008152336004820152602401610373565b8161074d576040517f504570e300000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b60025470010000000000000000000000000000000090046fffffffffffffffffffffffffffffffff16808210156107ba576040517f70c7508d0000000000000000000000000000000000000000000000000000000081526004810182905260248101839052604401610373565b6002546fffffffffffffffffffffffffffffffff1680831115610813576040517f2305a7aa0000000000000000000000000000000000000000000000000000000081526004810184905260248101829052604401610373565b5f805460018681557fffffffff0000000000000000ffffffffffffffffffffffffffffffffffffffff8216740100000000000000000000000000000000000000009283900467ffffffffffffffff90811690920191821692830217909255600280546fffffffffffffffffffffffffffffffff9081167001000000000000000000000000000000009188169190910217905560408051878152602081018790527ff6652937e3c326bae1ac1516fea184aa2846d207064e47f413323a058e209330910160405180910390a25050505050565b5f818460051b8601865b81811015610926578035838110801561090e57815f5284602052610916565b845f52816020525b505060405f2092506020016108ef565b5050909214949350505050565b803573ffffffffffffffffffffffffffffffffffffffff81168114610956575f5ffd5b919050565b5f5f5f5f6060858703121561096e575f5ffd5b61097785610933565b935060208501359250604085013567ffffffffffffffff811115610999575f5ffd5b8501601f810187136109a9575f5ffd5b803567ffffffffffffffff8111156109bf575f5ffd5b8760208260051b84010111156109d3575f5ffd5b949793965060200194505050565b5f602082840312156109f1575f5ffd5b6109fa82610933565b9392505050565b5f5f60408385031215610a12575f5ffd5b5050803592602090910135915056fea264697066735822122047e1bacc129b65aab36bf23f995ae14f6ec24bad00ba9cf3911518d78e50b08464736f6c63430008250033",
}

// PoolPayouts is an auto generated Go binding around an Ethereum contract.
type PoolPayouts struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *PoolPayouts) GetABI() abi.ABI {
	return c.abi
}

// NewPoolPayouts creates a new instance of PoolPayouts.
func NewPoolPayouts() *PoolPayouts {
	parsed, err := PoolPayoutsMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &PoolPayouts{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *PoolPayouts) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address operator_) returns()
func (poolPayouts *PoolPayouts) PackConstructor(operator_ common.Address) []byte {
	enc, err := poolPayouts.abi.Pack("", operator_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackClaim is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3d13f874.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function claim(address account, uint256 cumulativeAmount, bytes32[] proof) returns()
func (poolPayouts *PoolPayouts) PackClaim(account common.Address, cumulativeAmount *big.Int, proof [][32]byte) []byte {
	enc, err := poolPayouts.abi.Pack("claim", account, cumulativeAmount, proof)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackClaim is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3d13f874.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function claim(address account, uint256 cumulativeAmount, bytes32[] proof) returns()
func (poolPayouts *PoolPayouts) TryPackClaim(account common.Address, cumulativeAmount *big.Int, proof [][32]byte) ([]byte, error) {
	return poolPayouts.abi.Pack("claim", account, cumulativeAmount, proof)
}

// PackClaimed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc884ef83.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function claimed(address account) view returns(uint256)
func (poolPayouts *PoolPayouts) PackClaimed(account common.Address) []byte {
	enc, err := poolPayouts.abi.Pack("claimed", account)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackClaimed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc884ef83.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function claimed(address account) view returns(uint256)
func (poolPayouts *PoolPayouts) TryPackClaimed(account common.Address) ([]byte, error) {
	return poolPayouts.abi.Pack("claimed", account)
}

// UnpackClaimed is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc884ef83.
//
// Solidity: function claimed(address account) view returns(uint256)
func (poolPayouts *PoolPayouts) UnpackClaimed(data []byte) (*big.Int, error) {
	out, err := poolPayouts.abi.Unpack("claimed", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackCumulativeTotal is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdc446987.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function cumulativeTotal() view returns(uint128)
func (poolPayouts *PoolPayouts) PackCumulativeTotal() []byte {
	enc, err := poolPayouts.abi.Pack("cumulativeTotal")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCumulativeTotal is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdc446987.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function cumulativeTotal() view returns(uint128)
func (poolPayouts *PoolPayouts) TryPackCumulativeTotal() ([]byte, error) {
	return poolPayouts.abi.Pack("cumulativeTotal")
}

// UnpackCumulativeTotal is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xdc446987.
//
// Solidity: function cumulativeTotal() view returns(uint128)
func (poolPayouts *PoolPayouts) UnpackCumulativeTotal(data []byte) (*big.Int, error) {
	out, err := poolPayouts.abi.Unpack("cumulativeTotal", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackOperator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x570ca735.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function operator() view returns(address)
func (poolPayouts *PoolPayouts) PackOperator() []byte {
	enc, err := poolPayouts.abi.Pack("operator")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOperator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x570ca735.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function operator() view returns(address)
func (poolPayouts *PoolPayouts) TryPackOperator() ([]byte, error) {
	return poolPayouts.abi.Pack("operator")
}

// UnpackOperator is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x570ca735.
//
// Solidity: function operator() view returns(address)
func (poolPayouts *PoolPayouts) UnpackOperator(data []byte) (common.Address, error) {
	out, err := poolPayouts.abi.Unpack("operator", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackOwed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdf18e047.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owed(address account) view returns(uint256)
func (poolPayouts *PoolPayouts) PackOwed(account common.Address) []byte {
	enc, err := poolPayouts.abi.Pack("owed", account)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdf18e047.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function owed(address account) view returns(uint256)
func (poolPayouts *PoolPayouts) TryPackOwed(account common.Address) ([]byte, error) {
	return poolPayouts.abi.Pack("owed", account)
}

// UnpackOwed is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xdf18e047.
//
// Solidity: function owed(address account) view returns(uint256)
func (poolPayouts *PoolPayouts) UnpackOwed(data []byte) (*big.Int, error) {
	out, err := poolPayouts.abi.Unpack("owed", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackPostRound is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xff3d4522.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function postRound(bytes32 newRoot, uint256 total) returns()
func (poolPayouts *PoolPayouts) PackPostRound(newRoot [32]byte, total *big.Int) []byte {
	enc, err := poolPayouts.abi.Pack("postRound", newRoot, total)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPostRound is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xff3d4522.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function postRound(bytes32 newRoot, uint256 total) returns()
func (poolPayouts *PoolPayouts) TryPackPostRound(newRoot [32]byte, total *big.Int) ([]byte, error) {
	return poolPayouts.abi.Pack("postRound", newRoot, total)
}

// PackRoot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xebf0c717.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function root() view returns(bytes32)
func (poolPayouts *PoolPayouts) PackRoot() []byte {
	enc, err := poolPayouts.abi.Pack("root")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRoot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xebf0c717.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function root() view returns(bytes32)
func (poolPayouts *PoolPayouts) TryPackRoot() ([]byte, error) {
	return poolPayouts.abi.Pack("root")
}

// UnpackRoot is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xebf0c717.
//
// Solidity: function root() view returns(bytes32)
func (poolPayouts *PoolPayouts) UnpackRoot(data []byte) ([32]byte, error) {
	out, err := poolPayouts.abi.Unpack("root", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackRound is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x146ca531.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function round() view returns(uint64)
func (poolPayouts *PoolPayouts) PackRound() []byte {
	enc, err := poolPayouts.abi.Pack("round")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRound is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x146ca531.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function round() view returns(uint64)
func (poolPayouts *PoolPayouts) TryPackRound() ([]byte, error) {
	return poolPayouts.abi.Pack("round")
}

// UnpackRound is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x146ca531.
//
// Solidity: function round() view returns(uint64)
func (poolPayouts *PoolPayouts) UnpackRound(data []byte) (uint64, error) {
	out, err := poolPayouts.abi.Unpack("round", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackTotalReceived is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa3c2c462.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function totalReceived() view returns(uint128)
func (poolPayouts *PoolPayouts) PackTotalReceived() []byte {
	enc, err := poolPayouts.abi.Pack("totalReceived")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTotalReceived is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa3c2c462.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function totalReceived() view returns(uint128)
func (poolPayouts *PoolPayouts) TryPackTotalReceived() ([]byte, error) {
	return poolPayouts.abi.Pack("totalReceived")
}

// UnpackTotalReceived is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa3c2c462.
//
// Solidity: function totalReceived() view returns(uint128)
func (poolPayouts *PoolPayouts) UnpackTotalReceived(data []byte) (*big.Int, error) {
	out, err := poolPayouts.abi.Unpack("totalReceived", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ccfd60b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdraw() returns()
func (poolPayouts *PoolPayouts) PackWithdraw() []byte {
	enc, err := poolPayouts.abi.Pack("withdraw")
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
func (poolPayouts *PoolPayouts) TryPackWithdraw() ([]byte, error) {
	return poolPayouts.abi.Pack("withdraw")
}

// PoolPayoutsClaimed represents a Claimed event raised by the PoolPayouts contract.
type PoolPayoutsClaimed struct {
	Account          common.Address
	Amount           *big.Int
	CumulativeAmount *big.Int
	Raw              *types.Log // Blockchain specific contextual infos
}

const PoolPayoutsClaimedEventName = "Claimed"

// ContractEventName returns the user-defined event name.
func (PoolPayoutsClaimed) ContractEventName() string {
	return PoolPayoutsClaimedEventName
}

// UnpackClaimedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Claimed(address indexed account, uint256 amount, uint256 cumulativeAmount)
func (poolPayouts *PoolPayouts) UnpackClaimedEvent(log *types.Log) (*PoolPayoutsClaimed, error) {
	event := "Claimed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != poolPayouts.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PoolPayoutsClaimed)
	if len(log.Data) > 0 {
		if err := poolPayouts.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range poolPayouts.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// PoolPayoutsPaymentDeferred represents a PaymentDeferred event raised by the PoolPayouts contract.
type PoolPayoutsPaymentDeferred struct {
	Account common.Address
	Amount  *big.Int
	Raw     *types.Log // Blockchain specific contextual infos
}

const PoolPayoutsPaymentDeferredEventName = "PaymentDeferred"

// ContractEventName returns the user-defined event name.
func (PoolPayoutsPaymentDeferred) ContractEventName() string {
	return PoolPayoutsPaymentDeferredEventName
}

// UnpackPaymentDeferredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event PaymentDeferred(address indexed account, uint256 amount)
func (poolPayouts *PoolPayouts) UnpackPaymentDeferredEvent(log *types.Log) (*PoolPayoutsPaymentDeferred, error) {
	event := "PaymentDeferred"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != poolPayouts.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PoolPayoutsPaymentDeferred)
	if len(log.Data) > 0 {
		if err := poolPayouts.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range poolPayouts.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// PoolPayoutsReceived represents a Received event raised by the PoolPayouts contract.
type PoolPayoutsReceived struct {
	From   common.Address
	Amount *big.Int
	Raw    *types.Log // Blockchain specific contextual infos
}

const PoolPayoutsReceivedEventName = "Received"

// ContractEventName returns the user-defined event name.
func (PoolPayoutsReceived) ContractEventName() string {
	return PoolPayoutsReceivedEventName
}

// UnpackReceivedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Received(address indexed from, uint256 amount)
func (poolPayouts *PoolPayouts) UnpackReceivedEvent(log *types.Log) (*PoolPayoutsReceived, error) {
	event := "Received"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != poolPayouts.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PoolPayoutsReceived)
	if len(log.Data) > 0 {
		if err := poolPayouts.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range poolPayouts.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// PoolPayoutsRoundPosted represents a RoundPosted event raised by the PoolPayouts contract.
type PoolPayoutsRoundPosted struct {
	Round           uint64
	Root            [32]byte
	CumulativeTotal *big.Int
	Raw             *types.Log // Blockchain specific contextual infos
}

const PoolPayoutsRoundPostedEventName = "RoundPosted"

// ContractEventName returns the user-defined event name.
func (PoolPayoutsRoundPosted) ContractEventName() string {
	return PoolPayoutsRoundPostedEventName
}

// UnpackRoundPostedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event RoundPosted(uint64 indexed round, bytes32 root, uint256 cumulativeTotal)
func (poolPayouts *PoolPayouts) UnpackRoundPostedEvent(log *types.Log) (*PoolPayoutsRoundPosted, error) {
	event := "RoundPosted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != poolPayouts.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PoolPayoutsRoundPosted)
	if len(log.Data) > 0 {
		if err := poolPayouts.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range poolPayouts.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// PoolPayoutsWithdrawn represents a Withdrawn event raised by the PoolPayouts contract.
type PoolPayoutsWithdrawn struct {
	Account common.Address
	Amount  *big.Int
	Raw     *types.Log // Blockchain specific contextual infos
}

const PoolPayoutsWithdrawnEventName = "Withdrawn"

// ContractEventName returns the user-defined event name.
func (PoolPayoutsWithdrawn) ContractEventName() string {
	return PoolPayoutsWithdrawnEventName
}

// UnpackWithdrawnEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Withdrawn(address indexed account, uint256 amount)
func (poolPayouts *PoolPayouts) UnpackWithdrawnEvent(log *types.Log) (*PoolPayoutsWithdrawn, error) {
	event := "Withdrawn"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != poolPayouts.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(PoolPayoutsWithdrawn)
	if len(log.Data) > 0 {
		if err := poolPayouts.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range poolPayouts.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (poolPayouts *PoolPayouts) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["InvalidOperator"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackInvalidOperatorError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["InvalidProof"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackInvalidProofError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["InvalidRoot"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackInvalidRootError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["NoRound"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackNoRoundError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["NotOperator"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackNotOperatorError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["NothingOwed"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackNothingOwedError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["NothingToClaim"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackNothingToClaimError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["TotalDecreased"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackTotalDecreasedError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["TransferFailed"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackTransferFailedError(raw[4:])
	}
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["Underfunded"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackUnderfundedError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// PoolPayoutsInvalidOperator represents a InvalidOperator error raised by the PoolPayouts contract.
type PoolPayoutsInvalidOperator struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidOperator()
func PoolPayoutsInvalidOperatorErrorID() common.Hash {
	return common.HexToHash("0xccea9e6f3ad9cdec8434bde57d46800c47401f0d9ed9ff68baef6629162d8d5a")
}

// UnpackInvalidOperatorError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidOperator()
func (poolPayouts *PoolPayouts) UnpackInvalidOperatorError(raw []byte) (*PoolPayoutsInvalidOperator, error) {
	out := new(PoolPayoutsInvalidOperator)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "InvalidOperator", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsInvalidProof represents a InvalidProof error raised by the PoolPayouts contract.
type PoolPayoutsInvalidProof struct {
	Account          common.Address
	CumulativeAmount *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidProof(address account, uint256 cumulativeAmount)
func PoolPayoutsInvalidProofErrorID() common.Hash {
	return common.HexToHash("0xadbd6512b8ce16af463deab8b932072db98b797407959df0bc4b06f2b77e80f5")
}

// UnpackInvalidProofError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidProof(address account, uint256 cumulativeAmount)
func (poolPayouts *PoolPayouts) UnpackInvalidProofError(raw []byte) (*PoolPayoutsInvalidProof, error) {
	out := new(PoolPayoutsInvalidProof)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "InvalidProof", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsInvalidRoot represents a InvalidRoot error raised by the PoolPayouts contract.
type PoolPayoutsInvalidRoot struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidRoot()
func PoolPayoutsInvalidRootErrorID() common.Hash {
	return common.HexToHash("0x504570e3dbb7b86bfb4ee628f3b5ae306dd12bad6ed9b4dc6a090b78236f968b")
}

// UnpackInvalidRootError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidRoot()
func (poolPayouts *PoolPayouts) UnpackInvalidRootError(raw []byte) (*PoolPayoutsInvalidRoot, error) {
	out := new(PoolPayoutsInvalidRoot)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "InvalidRoot", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsNoRound represents a NoRound error raised by the PoolPayouts contract.
type PoolPayoutsNoRound struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NoRound()
func PoolPayoutsNoRoundErrorID() common.Hash {
	return common.HexToHash("0x5878a15cd57f3303d076ab20162bbed75cd40b0390c18438b473bac98d3561e6")
}

// UnpackNoRoundError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NoRound()
func (poolPayouts *PoolPayouts) UnpackNoRoundError(raw []byte) (*PoolPayoutsNoRound, error) {
	out := new(PoolPayoutsNoRound)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "NoRound", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsNotOperator represents a NotOperator error raised by the PoolPayouts contract.
type PoolPayoutsNotOperator struct {
	Caller common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotOperator(address caller)
func PoolPayoutsNotOperatorErrorID() common.Hash {
	return common.HexToHash("0x76c6c93a6423c7e2cef5f93921b1d4d1a5ffb795cd7cfed2df95566b7c7f7c40")
}

// UnpackNotOperatorError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotOperator(address caller)
func (poolPayouts *PoolPayouts) UnpackNotOperatorError(raw []byte) (*PoolPayoutsNotOperator, error) {
	out := new(PoolPayoutsNotOperator)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "NotOperator", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsNothingOwed represents a NothingOwed error raised by the PoolPayouts contract.
type PoolPayoutsNothingOwed struct {
	Account common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NothingOwed(address account)
func PoolPayoutsNothingOwedErrorID() common.Hash {
	return common.HexToHash("0x751b0fdaa408a0c7537afaf0af96a92598192bff093a0ad0f684a7c83bc223c9")
}

// UnpackNothingOwedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NothingOwed(address account)
func (poolPayouts *PoolPayouts) UnpackNothingOwedError(raw []byte) (*PoolPayoutsNothingOwed, error) {
	out := new(PoolPayoutsNothingOwed)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "NothingOwed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsNothingToClaim represents a NothingToClaim error raised by the PoolPayouts contract.
type PoolPayoutsNothingToClaim struct {
	Account          common.Address
	CumulativeAmount *big.Int
	ClaimedAmount    *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NothingToClaim(address account, uint256 cumulativeAmount, uint256 claimedAmount)
func PoolPayoutsNothingToClaimErrorID() common.Hash {
	return common.HexToHash("0x0cfa2bb0dc3b47d2750aa431facc5bc8b4ab7fbb6161baf666f5a587f1736799")
}

// UnpackNothingToClaimError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NothingToClaim(address account, uint256 cumulativeAmount, uint256 claimedAmount)
func (poolPayouts *PoolPayouts) UnpackNothingToClaimError(raw []byte) (*PoolPayoutsNothingToClaim, error) {
	out := new(PoolPayoutsNothingToClaim)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "NothingToClaim", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsTotalDecreased represents a TotalDecreased error raised by the PoolPayouts contract.
type PoolPayoutsTotalDecreased struct {
	Current *big.Int
	Given   *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TotalDecreased(uint256 current, uint256 given)
func PoolPayoutsTotalDecreasedErrorID() common.Hash {
	return common.HexToHash("0x70c7508d0bf9fb89a9919ad15785e5f17f58e95b5776aaa7b3c778bed943d492")
}

// UnpackTotalDecreasedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TotalDecreased(uint256 current, uint256 given)
func (poolPayouts *PoolPayouts) UnpackTotalDecreasedError(raw []byte) (*PoolPayoutsTotalDecreased, error) {
	out := new(PoolPayoutsTotalDecreased)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "TotalDecreased", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsTransferFailed represents a TransferFailed error raised by the PoolPayouts contract.
type PoolPayoutsTransferFailed struct {
	To     common.Address
	Amount *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TransferFailed(address to, uint256 amount)
func PoolPayoutsTransferFailedErrorID() common.Hash {
	return common.HexToHash("0x1c43b9761b3fba5321ca8212bfc231945f668ccc0c446f333999eea9ce8fda81")
}

// UnpackTransferFailedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TransferFailed(address to, uint256 amount)
func (poolPayouts *PoolPayouts) UnpackTransferFailedError(raw []byte) (*PoolPayoutsTransferFailed, error) {
	out := new(PoolPayoutsTransferFailed)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "TransferFailed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolPayoutsUnderfunded represents a Underfunded error raised by the PoolPayouts contract.
type PoolPayoutsUnderfunded struct {
	CumulativeTotal *big.Int
	Funded          *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error Underfunded(uint256 cumulativeTotal, uint256 funded)
func PoolPayoutsUnderfundedErrorID() common.Hash {
	return common.HexToHash("0x2305a7aa9f1bacc08ec878913363bf92bcd44b7153760139395598009bf82adb")
}

// UnpackUnderfundedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error Underfunded(uint256 cumulativeTotal, uint256 funded)
func (poolPayouts *PoolPayouts) UnpackUnderfundedError(raw []byte) (*PoolPayoutsUnderfunded, error) {
	out := new(PoolPayoutsUnderfunded)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "Underfunded", raw); err != nil {
		return nil, err
	}
	return out, nil
}
