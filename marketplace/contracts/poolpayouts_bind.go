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
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"operator_\",\"type\":\"address\"},{\"internalType\":\"contractDataLicenseMarket\",\"name\":\"market_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"InvalidMarket\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidOperator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"}],\"name\":\"InvalidProof\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidRoot\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NoRound\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotOperator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"NothingOwed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"claimedAmount\",\"type\":\"uint256\"}],\"name\":\"NothingToClaim\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NothingToCollect\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"current\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"given\",\"type\":\"uint256\"}],\"name\":\"TotalDecreased\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"TransferFailed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"cumulativeTotal\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"funded\",\"type\":\"uint256\"}],\"name\":\"Underfunded\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"}],\"name\":\"Claimed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"PaymentDeferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Received\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"round\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"cumulativeTotal\",\"type\":\"uint256\"}],\"name\":\"RoundPosted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Withdrawn\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"},{\"internalType\":\"bytes32[]\",\"name\":\"proof\",\"type\":\"bytes32[]\"}],\"name\":\"claim\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"claimed\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"collect\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"commit\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"cumulativeTotal\",\"outputs\":[{\"internalType\":\"uint96\",\"name\":\"\",\"type\":\"uint96\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"delist\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"salt\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"metadataHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"provider\",\"type\":\"string\"}],\"name\":\"list\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"market\",\"outputs\":[{\"internalType\":\"contractDataLicenseMarket\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"operator\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"owed\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"newRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"total\",\"type\":\"uint256\"}],\"name\":\"postRound\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"root\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"round\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"}],\"name\":\"setPrice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"totalReceived\",\"outputs\":[{\"internalType\":\"uint96\",\"name\":\"\",\"type\":\"uint96\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"stateMutability\":\"payable\",\"type\":\"receive\"}]",
	ID:  "PoolPayouts",
	Bin: "0x60c060405234801561000f575f5ffd5b506040516111f73803806111f783398101604081905261002e916100c2565b6001600160a01b0382166100555760405163ccea9e6f60e01b815260040160405180910390fd5b806001600160a01b03163b5f0361007f57604051639db8d5b160e01b815260040160405180910390fd5b6001600160a01b0391821660a05216608052600180546001600160c01b0316600160c01b1790556100fa565b6001600160a01b03811681146100bf575f5ffd5b50565b5f5f604083850312156100d3575f5ffd5b82516100de816100ab565b60208401519092506100ef816100ab565b809150509250929050565b60805160a0516110a46101535f395f818161021801528181610ba00152610d5201525f8181610270015281816104810152818161088801528181610928015281816109e301528181610a960152610b1801526110a45ff3fe6080604052600436106100f2575f3560e01c8063c884ef8311610087578063ebf0c71711610057578063ebf0c71714610390578063f14fcbc8146103a4578063f7d97577146103c3578063ff3d4522146103e2575f5ffd5b8063c884ef83146102f2578063dc4469871461031d578063df18e04714610351578063e52253811461037c575f5ffd5b8063570ca735116100c2578063570ca7351461020757806380f556051461025f578063964bc33f14610292578063a3c2c462146102b1575f5ffd5b8063146ca5311461017357806339b17dea146101a55780633ccfd60b146101d25780633d13f874146101e8575f5ffd5b3661016f57600180547fffffffffffffffffffffffffffffffffffffffff0000000000000000000000008116346bffffffffffffffffffffffff92831681019092161790915560405190815233907f88a5966d370b9919b20f3e2c13ff65706f196a4e32cc2c12bf57088f885258749060200160405180910390a2005b5f5ffd5b34801561017e575f5ffd5b50610187610401565b60405167ffffffffffffffff90911681526020015b60405180910390f35b3480156101b0575f5ffd5b506101c46101bf366004610dfb565b61043b565b60405190815260200161019c565b3480156101dd575f5ffd5b506101e661050e565b005b3480156101f3575f5ffd5b506101e6610202366004610ec0565b610635565b348015610212575f5ffd5b5061023a7f000000000000000000000000000000000000000000000000000000000000000081565b60405173ffffffffffffffffffffffffffffffffffffffff909116815260200161019c565b34801561026a575f5ffd5b5061023a7f000000000000000000000000000000000000000000000000000000000000000081565b34801561029d575f5ffd5b506101e66102ac366004610f46565b610851565b3480156102bc575f5ffd5b506001546102d5906bffffffffffffffffffffffff1681565b6040516bffffffffffffffffffffffff909116815260200161019c565b3480156102fd575f5ffd5b506101c461030c366004610f5d565b60026020525f908152604090205481565b348015610328575f5ffd5b506001546102d5906c0100000000000000000000000090046bffffffffffffffffffffffff1681565b34801561035c575f5ffd5b506101c461036b366004610f5d565b60036020525f908152604090205481565b348015610387575f5ffd5b506101c46108f8565b34801561039b575f5ffd5b506101c45f5481565b3480156103af575f5ffd5b506101e66103be366004610f46565b610a5f565b3480156103ce575f5ffd5b506101e66103dd366004610f7d565b610ada565b3480156103ed575f5ffd5b506101e66103fc366004610f7d565b610b88565b600180545f91610436917801000000000000000000000000000000000000000000000000900467ffffffffffffffff16610f9d565b905090565b5f610444610d3a565b6040517f39b17dea00000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff7f000000000000000000000000000000000000000000000000000000000000000016906339b17dea906104c2908b908b908b908b908b908b908b90600401610fe8565b6020604051808303815f875af11580156104de573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906105029190611057565b98975050505050505050565b335f908152600360205260408120549081900361055e576040517f751b0fda0000000000000000000000000000000000000000000000000000000081523360048201526024015b60405180910390fd5b335f8181526003602052604080822091909155517f7084f5476618d8e60b11ef0d7d3f06914655adb8793e28ff7f018d4c76d505d5906105a19084815260200190565b60405180910390a26040515f90339083908381818185875af1925050503d805f81146105e8576040519150601f19603f3d011682016040523d82523d5f602084013e6105ed565b606091505b5050905080610631576040517f1c43b97600000000000000000000000000000000000000000000000000000000815233600482015260248101839052604401610555565b5050565b5f548061066e576040517f5878a15c00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b61069283838361068d89895f9182526020908152604082208252902090565b610dad565b6106e7576040517fadbd651200000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff8616600482015260248101859052604401610555565b73ffffffffffffffffffffffffffffffffffffffff85165f9081526002602052604090205480851161076b576040517f0cfa2bb000000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff871660048201526024810186905260448101829052606401610555565b73ffffffffffffffffffffffffffffffffffffffff86165f8181526002602090815260409182902088905581518489038082529181018990529092917f987d620f307ff6b94d58743cb7a7509f24071586a77759b77c2d4e29f75a2f9a910160405180910390a25f5f5f5f5f858c5af19050806108475773ffffffffffffffffffffffffffffffffffffffff88165f8181526003602052604090819020805485019055517f8af6e30690e4b192e05dc42baa9776cefda6c432838616c7f4f036bbab44917e9061083e9085815260200190565b60405180910390a25b5050505050505050565b610859610d3a565b6040517f964bc33f000000000000000000000000000000000000000000000000000000008152600481018290527f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063964bc33f906024015b5f604051808303815f87803b1580156108df575f5ffd5b505af11580156108f1573d5f5f3e3d5ffd5b5050505050565b6040517fce513b6f0000000000000000000000000000000000000000000000000000000081523060048201525f907f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063ce513b6f90602401602060405180830381865afa158015610982573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906109a69190611057565b9050805f036109e1576040517f7b2c2fef00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b7f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff16633ccfd60b6040518163ffffffff1660e01b81526004015f604051808303815f87803b158015610a46575f5ffd5b505af1158015610a58573d5f5f3e3d5ffd5b5050505090565b610a67610d3a565b6040517ff14fcbc8000000000000000000000000000000000000000000000000000000008152600481018290527f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063f14fcbc8906024016108c8565b610ae2610d3a565b6040517ff7d9757700000000000000000000000000000000000000000000000000000000815260048101839052602481018290527f000000000000000000000000000000000000000000000000000000000000000073ffffffffffffffffffffffffffffffffffffffff169063f7d97577906044015f604051808303815f87803b158015610b6e575f5ffd5b505af1158015610b80573d5f5f3e3d5ffd5b505050505050565b3373ffffffffffffffffffffffffffffffffffffffff7f00000000000000000000000000000000000000000000000000000000000000001614610bf9576040517f76c6c93a000000000000000000000000000000000000000000000000000000008152336004820152602401610555565b81610c30576040517f504570e300000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b6001546bffffffffffffffffffffffff80821691606081901c9091169060c01c81841015610c94576040517f70c7508d0000000000000000000000000000000000000000000000000000000081526004810183905260248101859052604401610555565b82841115610cd8576040517f2305a7aa0000000000000000000000000000000000000000000000000000000081526004810185905260248101849052604401610555565b5f859055600181810160c01b606086901b8517179055604080518681526020810186905267ffffffffffffffff8316917ff6652937e3c326bae1ac1516fea184aa2846d207064e47f413323a058e209330910160405180910390a25050505050565b3373ffffffffffffffffffffffffffffffffffffffff7f00000000000000000000000000000000000000000000000000000000000000001614610dab576040517f76c6c93a000000000000000000000000000000000000000000000000000000008152336004820152602401610555565b565b5f818460051b8601865b81811015610dee5780358381108015610dd657815f5284602052610dde565b845f52816020525b505060405f209250602001610db7565b5050909214949350505050565b5f5f5f5f5f5f5f60c0888a031215610e11575f5ffd5b873596506020880135955060408801359450606088013593506080880135925060a088013567ffffffffffffffff811115610e4a575f5ffd5b8801601f81018a13610e5a575f5ffd5b803567ffffffffffffffff811115610e70575f5ffd5b8a6020828401011115610e81575f5ffd5b602082019350809250505092959891949750929550565b803573ffffffffffffffffffffffffffffffffffffffff81168114610ebb575f5ffd5b919050565b5f5f5f5f60608587031215610ed3575f5ffd5b610edc85610e98565b935060208501359250604085013567ffffffffffffffff811115610efe575f5ffd5b8501601f81018713610f0e575f5ffd5b803567ffffffffffffffff811115610f24575f5ffd5b8760208260051b8401011115610f38575f5ffd5b949793965060200194505050565b5f60208284031215610f56575f5ffd5b5035919050565b5f60208284031215610f6d575f5ffd5b610f7682610e98565b9392505050565b5f5f60408385031215610f8e575f5ffd5b50508035926020909101359150565b67ffffffffffffffff8281168282160390811115610fe2577f4e487b71000000000000000000000000000000000000000000000000000000005f52601160045260245ffd5b92915050565b87815286602082015285604082015284606082015283608082015260c060a08201528160c0820152818360e08301375f81830160e090810191909152601f9092017fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe01601019695505050505050565b5f60208284031215611067575f5ffd5b505191905056fea2646970667358221220151919686d54906aae83f26e27717bafee06f13524a5424c8045b6323bc8424f64736f6c63430008250033",
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
// Solidity: constructor(address operator_, address market_) returns()
func (poolPayouts *PoolPayouts) PackConstructor(operator_ common.Address, market_ common.Address) []byte {
	enc, err := poolPayouts.abi.Pack("", operator_, market_)
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

// PackCollect is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe5225381.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function collect() returns(uint256 amount)
func (poolPayouts *PoolPayouts) PackCollect() []byte {
	enc, err := poolPayouts.abi.Pack("collect")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCollect is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe5225381.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function collect() returns(uint256 amount)
func (poolPayouts *PoolPayouts) TryPackCollect() ([]byte, error) {
	return poolPayouts.abi.Pack("collect")
}

// UnpackCollect is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe5225381.
//
// Solidity: function collect() returns(uint256 amount)
func (poolPayouts *PoolPayouts) UnpackCollect(data []byte) (*big.Int, error) {
	out, err := poolPayouts.abi.Unpack("collect", data)
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
func (poolPayouts *PoolPayouts) PackCommit(commitment [32]byte) []byte {
	enc, err := poolPayouts.abi.Pack("commit", commitment)
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
func (poolPayouts *PoolPayouts) TryPackCommit(commitment [32]byte) ([]byte, error) {
	return poolPayouts.abi.Pack("commit", commitment)
}

// PackCumulativeTotal is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdc446987.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function cumulativeTotal() view returns(uint96)
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
// Solidity: function cumulativeTotal() view returns(uint96)
func (poolPayouts *PoolPayouts) TryPackCumulativeTotal() ([]byte, error) {
	return poolPayouts.abi.Pack("cumulativeTotal")
}

// UnpackCumulativeTotal is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xdc446987.
//
// Solidity: function cumulativeTotal() view returns(uint96)
func (poolPayouts *PoolPayouts) UnpackCumulativeTotal(data []byte) (*big.Int, error) {
	out, err := poolPayouts.abi.Unpack("cumulativeTotal", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackDelist is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x964bc33f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function delist(uint256 id) returns()
func (poolPayouts *PoolPayouts) PackDelist(id *big.Int) []byte {
	enc, err := poolPayouts.abi.Pack("delist", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDelist is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x964bc33f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function delist(uint256 id) returns()
func (poolPayouts *PoolPayouts) TryPackDelist(id *big.Int) ([]byte, error) {
	return poolPayouts.abi.Pack("delist", id)
}

// PackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x39b17dea.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms, bytes32 metadataHash, string provider) returns(uint256 id)
func (poolPayouts *PoolPayouts) PackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int, metadataHash [32]byte, provider string) []byte {
	enc, err := poolPayouts.abi.Pack("list", contentHash, salt, price, terms, metadataHash, provider)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x39b17dea.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms, bytes32 metadataHash, string provider) returns(uint256 id)
func (poolPayouts *PoolPayouts) TryPackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int, metadataHash [32]byte, provider string) ([]byte, error) {
	return poolPayouts.abi.Pack("list", contentHash, salt, price, terms, metadataHash, provider)
}

// UnpackList is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x39b17dea.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms, bytes32 metadataHash, string provider) returns(uint256 id)
func (poolPayouts *PoolPayouts) UnpackList(data []byte) (*big.Int, error) {
	out, err := poolPayouts.abi.Unpack("list", data)
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
func (poolPayouts *PoolPayouts) PackMarket() []byte {
	enc, err := poolPayouts.abi.Pack("market")
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
func (poolPayouts *PoolPayouts) TryPackMarket() ([]byte, error) {
	return poolPayouts.abi.Pack("market")
}

// UnpackMarket is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x80f55605.
//
// Solidity: function market() view returns(address)
func (poolPayouts *PoolPayouts) UnpackMarket(data []byte) (common.Address, error) {
	out, err := poolPayouts.abi.Unpack("market", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
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

// PackSetPrice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf7d97577.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setPrice(uint256 id, uint256 price) returns()
func (poolPayouts *PoolPayouts) PackSetPrice(id *big.Int, price *big.Int) []byte {
	enc, err := poolPayouts.abi.Pack("setPrice", id, price)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetPrice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf7d97577.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setPrice(uint256 id, uint256 price) returns()
func (poolPayouts *PoolPayouts) TryPackSetPrice(id *big.Int, price *big.Int) ([]byte, error) {
	return poolPayouts.abi.Pack("setPrice", id, price)
}

// PackTotalReceived is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa3c2c462.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function totalReceived() view returns(uint96)
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
// Solidity: function totalReceived() view returns(uint96)
func (poolPayouts *PoolPayouts) TryPackTotalReceived() ([]byte, error) {
	return poolPayouts.abi.Pack("totalReceived")
}

// UnpackTotalReceived is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa3c2c462.
//
// Solidity: function totalReceived() view returns(uint96)
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
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["InvalidMarket"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackInvalidMarketError(raw[4:])
	}
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
	if bytes.Equal(raw[:4], poolPayouts.abi.Errors["NothingToCollect"].ID.Bytes()[:4]) {
		return poolPayouts.UnpackNothingToCollectError(raw[4:])
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

// PoolPayoutsInvalidMarket represents a InvalidMarket error raised by the PoolPayouts contract.
type PoolPayoutsInvalidMarket struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidMarket()
func PoolPayoutsInvalidMarketErrorID() common.Hash {
	return common.HexToHash("0x9db8d5b1bd1df0929e62d5cd7f3996f288961edcda549cafb4531c760793e460")
}

// UnpackInvalidMarketError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidMarket()
func (poolPayouts *PoolPayouts) UnpackInvalidMarketError(raw []byte) (*PoolPayoutsInvalidMarket, error) {
	out := new(PoolPayoutsInvalidMarket)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "InvalidMarket", raw); err != nil {
		return nil, err
	}
	return out, nil
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

// PoolPayoutsNothingToCollect represents a NothingToCollect error raised by the PoolPayouts contract.
type PoolPayoutsNothingToCollect struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NothingToCollect()
func PoolPayoutsNothingToCollectErrorID() common.Hash {
	return common.HexToHash("0x7b2c2feff2da1aeb7690a0c70beceb7ffc6cce3734d3f5b1f282b23bd12dd5f3")
}

// UnpackNothingToCollectError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NothingToCollect()
func (poolPayouts *PoolPayouts) UnpackNothingToCollectError(raw []byte) (*PoolPayoutsNothingToCollect, error) {
	out := new(PoolPayoutsNothingToCollect)
	if err := poolPayouts.abi.UnpackIntoInterface(out, "NothingToCollect", raw); err != nil {
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
