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

// TrialRegistryMetaData contains all meta data concerning the TrialRegistry contract.
var TrialRegistryMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"name\":\"InvalidLogKey\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidProtocolHash\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotSponsor\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"latestSize\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"treeSize\",\"type\":\"uint64\"}],\"name\":\"TreeNotGrown\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"sponsor\",\"type\":\"address\"}],\"name\":\"TrialExists\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"}],\"name\":\"UnknownTrial\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"treeSize\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"rootHash\",\"type\":\"bytes32\"}],\"name\":\"CheckpointAnchored\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"protocolHash\",\"type\":\"bytes32\"}],\"name\":\"ProtocolAmended\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"sponsor\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"protocolHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"logKey\",\"type\":\"string\"}],\"name\":\"TrialRegistered\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"protocolHash\",\"type\":\"bytes32\"}],\"name\":\"amend\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"treeSize\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"rootHash\",\"type\":\"bytes32\"}],\"name\":\"anchor\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"}],\"name\":\"latest\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"treeSize\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"rootHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint32\",\"name\":\"anchoredAt\",\"type\":\"uint32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"protocolHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"logKey\",\"type\":\"string\"}],\"name\":\"register\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"trialId\",\"type\":\"bytes32\"}],\"name\":\"trial\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"sponsor\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"protocolHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"logKeyHash\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "TrialRegistry",
	Bin: "0x6080604052348015600e575f5ffd5b506108228061001c5f395ff3fe608060405234801561000f575f5ffd5b5060043610610064575f3560e01c806370c127c61161004d57806370c127c61461009057806379feb107146100a3578063cf343bb8146100e7575f5ffd5b80630e5ceb471461006857806326283cc71461007d575b5f5ffd5b61007b61007636600461067f565b61015c565b005b61007b61008b3660046106fb565b610326565b61007b61009e36600461071b565b6103ab565b6100b66100b136600461075c565b610504565b6040805167ffffffffffffffff9094168452602084019290925263ffffffff16908201526060015b60405180910390f35b61012a6100f536600461075c565b5f9081526020819052604090208054600282015460039092015473ffffffffffffffffffffffffffffffffffffffff90911692565b6040805173ffffffffffffffffffffffffffffffffffffffff90941684526020840192909252908201526060016100de565b82610193576040517fb5a5a34c00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b808015806101a2575061020081115b156101d9576040517f8560b1f300000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f858152602081905260409020805473ffffffffffffffffffffffffffffffffffffffff16801561025a576040517fb8f0cec60000000000000000000000000000000000000000000000000000000081526004810188905273ffffffffffffffffffffffffffffffffffffffff821660248201526044015b60405180910390fd5b81547fffffffffffffffffffffffff00000000000000000000000000000000000000001633178255600280830187905560405161029a9087908790610773565b602060405180830381855afa1580156102b5573d5f5f3e3d5ffd5b5050506040513d601f19601f820116820180604052508101906102d89190610782565b6003830155604051339088907fed3c764cc26c4ba6ac8bce587be464c075d11b36d1e58ecb002b2b51220a986190610315908a908a908a90610799565b60405180910390a350505050505050565b8061035d576040517fb5a5a34c00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f610367836105c2565b6002810183905560405183815290915083907fddd6e14bc9b7dcd2a12ee2c94c82f792ffef881c283a3ef1cb691ba3960bf7f99060200160405180910390a2505050565b5f6103b5846105c2565b805490915067ffffffffffffffff7401000000000000000000000000000000000000000090910481169084168110610434576040517fdd8a99800000000000000000000000000000000000000000000000000000000081526004810186905267ffffffffffffffff808316602483015285166044820152606401610251565b815473ffffffffffffffffffffffffffffffffffffffff167401000000000000000000000000000000000000000067ffffffffffffffff86169081027bffffffffffffffffffffffffffffffffffffffffffffffffffffffff16919091177c01000000000000000000000000000000000000000000000000000000004263ffffffff160217835560018301849055604080519182526020820185905286917f3583cdb91e784f2f9d3e4f21f733e36b507963e72ea63f4dad0930e3d3155264910160405180910390a25050505050565b5f81815260208190526040812080548291829173ffffffffffffffffffffffffffffffffffffffff16610566576040517f9a71378b00000000000000000000000000000000000000000000000000000000815260048101869052602401610251565b805460019091015474010000000000000000000000000000000000000000820467ffffffffffffffff16969095507c010000000000000000000000000000000000000000000000000000000090910463ffffffff169350915050565b5f818152602081905260409020805473ffffffffffffffffffffffffffffffffffffffff1680610621576040517f9a71378b00000000000000000000000000000000000000000000000000000000815260048101849052602401610251565b73ffffffffffffffffffffffffffffffffffffffff81163314610679576040517f07ac381600000000000000000000000000000000000000000000000000000000815260048101849052336024820152604401610251565b50919050565b5f5f5f5f60608587031215610692575f5ffd5b8435935060208501359250604085013567ffffffffffffffff8111156106b6575f5ffd5b8501601f810187136106c6575f5ffd5b803567ffffffffffffffff8111156106dc575f5ffd5b8760208284010111156106ed575f5ffd5b949793965060200194505050565b5f5f6040838503121561070c575f5ffd5b50508035926020909101359150565b5f5f5f6060848603121561072d575f5ffd5b83359250602084013567ffffffffffffffff8116811461074b575f5ffd5b929592945050506040919091013590565b5f6020828403121561076c575f5ffd5b5035919050565b818382375f9101908152919050565b5f60208284031215610792575f5ffd5b5051919050565b83815260406020820152816040820152818360608301375f818301606090810191909152601f9092017fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe01601019291505056fea26469706673582212208c3a1dbb030fdc4ade68767900b8561c921bc0e747bef814f90e36708fb9686964736f6c63430008250033",
}

// TrialRegistry is an auto generated Go binding around an Ethereum contract.
type TrialRegistry struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *TrialRegistry) GetABI() abi.ABI {
	return c.abi
}

// NewTrialRegistry creates a new instance of TrialRegistry.
func NewTrialRegistry() *TrialRegistry {
	parsed, err := TrialRegistryMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &TrialRegistry{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *TrialRegistry) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackAmend is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x26283cc7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function amend(bytes32 trialId, bytes32 protocolHash) returns()
func (trialRegistry *TrialRegistry) PackAmend(trialId [32]byte, protocolHash [32]byte) []byte {
	enc, err := trialRegistry.abi.Pack("amend", trialId, protocolHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAmend is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x26283cc7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function amend(bytes32 trialId, bytes32 protocolHash) returns()
func (trialRegistry *TrialRegistry) TryPackAmend(trialId [32]byte, protocolHash [32]byte) ([]byte, error) {
	return trialRegistry.abi.Pack("amend", trialId, protocolHash)
}

// PackAnchor is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70c127c6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function anchor(bytes32 trialId, uint64 treeSize, bytes32 rootHash) returns()
func (trialRegistry *TrialRegistry) PackAnchor(trialId [32]byte, treeSize uint64, rootHash [32]byte) []byte {
	enc, err := trialRegistry.abi.Pack("anchor", trialId, treeSize, rootHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAnchor is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70c127c6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function anchor(bytes32 trialId, uint64 treeSize, bytes32 rootHash) returns()
func (trialRegistry *TrialRegistry) TryPackAnchor(trialId [32]byte, treeSize uint64, rootHash [32]byte) ([]byte, error) {
	return trialRegistry.abi.Pack("anchor", trialId, treeSize, rootHash)
}

// PackLatest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x79feb107.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function latest(bytes32 trialId) view returns(uint64 treeSize, bytes32 rootHash, uint32 anchoredAt)
func (trialRegistry *TrialRegistry) PackLatest(trialId [32]byte) []byte {
	enc, err := trialRegistry.abi.Pack("latest", trialId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackLatest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x79feb107.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function latest(bytes32 trialId) view returns(uint64 treeSize, bytes32 rootHash, uint32 anchoredAt)
func (trialRegistry *TrialRegistry) TryPackLatest(trialId [32]byte) ([]byte, error) {
	return trialRegistry.abi.Pack("latest", trialId)
}

// LatestOutput serves as a container for the return parameters of contract
// method Latest.
type LatestOutput struct {
	TreeSize   uint64
	RootHash   [32]byte
	AnchoredAt uint32
}

// UnpackLatest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x79feb107.
//
// Solidity: function latest(bytes32 trialId) view returns(uint64 treeSize, bytes32 rootHash, uint32 anchoredAt)
func (trialRegistry *TrialRegistry) UnpackLatest(data []byte) (LatestOutput, error) {
	out, err := trialRegistry.abi.Unpack("latest", data)
	outstruct := new(LatestOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.TreeSize = *abi.ConvertType(out[0], new(uint64)).(*uint64)
	outstruct.RootHash = *abi.ConvertType(out[1], new([32]byte)).(*[32]byte)
	outstruct.AnchoredAt = *abi.ConvertType(out[2], new(uint32)).(*uint32)
	return *outstruct, nil
}

// PackRegister is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0e5ceb47.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function register(bytes32 trialId, bytes32 protocolHash, string logKey) returns()
func (trialRegistry *TrialRegistry) PackRegister(trialId [32]byte, protocolHash [32]byte, logKey string) []byte {
	enc, err := trialRegistry.abi.Pack("register", trialId, protocolHash, logKey)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRegister is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0e5ceb47.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function register(bytes32 trialId, bytes32 protocolHash, string logKey) returns()
func (trialRegistry *TrialRegistry) TryPackRegister(trialId [32]byte, protocolHash [32]byte, logKey string) ([]byte, error) {
	return trialRegistry.abi.Pack("register", trialId, protocolHash, logKey)
}

// PackTrial is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcf343bb8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function trial(bytes32 trialId) view returns(address sponsor, bytes32 protocolHash, bytes32 logKeyHash)
func (trialRegistry *TrialRegistry) PackTrial(trialId [32]byte) []byte {
	enc, err := trialRegistry.abi.Pack("trial", trialId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTrial is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcf343bb8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function trial(bytes32 trialId) view returns(address sponsor, bytes32 protocolHash, bytes32 logKeyHash)
func (trialRegistry *TrialRegistry) TryPackTrial(trialId [32]byte) ([]byte, error) {
	return trialRegistry.abi.Pack("trial", trialId)
}

// TrialOutput serves as a container for the return parameters of contract
// method Trial.
type TrialOutput struct {
	Sponsor      common.Address
	ProtocolHash [32]byte
	LogKeyHash   [32]byte
}

// UnpackTrial is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xcf343bb8.
//
// Solidity: function trial(bytes32 trialId) view returns(address sponsor, bytes32 protocolHash, bytes32 logKeyHash)
func (trialRegistry *TrialRegistry) UnpackTrial(data []byte) (TrialOutput, error) {
	out, err := trialRegistry.abi.Unpack("trial", data)
	outstruct := new(TrialOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Sponsor = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.ProtocolHash = *abi.ConvertType(out[1], new([32]byte)).(*[32]byte)
	outstruct.LogKeyHash = *abi.ConvertType(out[2], new([32]byte)).(*[32]byte)
	return *outstruct, nil
}

// TrialRegistryCheckpointAnchored represents a CheckpointAnchored event raised by the TrialRegistry contract.
type TrialRegistryCheckpointAnchored struct {
	TrialId  [32]byte
	TreeSize uint64
	RootHash [32]byte
	Raw      *types.Log // Blockchain specific contextual infos
}

const TrialRegistryCheckpointAnchoredEventName = "CheckpointAnchored"

// ContractEventName returns the user-defined event name.
func (TrialRegistryCheckpointAnchored) ContractEventName() string {
	return TrialRegistryCheckpointAnchoredEventName
}

// UnpackCheckpointAnchoredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event CheckpointAnchored(bytes32 indexed trialId, uint64 treeSize, bytes32 rootHash)
func (trialRegistry *TrialRegistry) UnpackCheckpointAnchoredEvent(log *types.Log) (*TrialRegistryCheckpointAnchored, error) {
	event := "CheckpointAnchored"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != trialRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(TrialRegistryCheckpointAnchored)
	if len(log.Data) > 0 {
		if err := trialRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range trialRegistry.abi.Events[event].Inputs {
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

// TrialRegistryProtocolAmended represents a ProtocolAmended event raised by the TrialRegistry contract.
type TrialRegistryProtocolAmended struct {
	TrialId      [32]byte
	ProtocolHash [32]byte
	Raw          *types.Log // Blockchain specific contextual infos
}

const TrialRegistryProtocolAmendedEventName = "ProtocolAmended"

// ContractEventName returns the user-defined event name.
func (TrialRegistryProtocolAmended) ContractEventName() string {
	return TrialRegistryProtocolAmendedEventName
}

// UnpackProtocolAmendedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProtocolAmended(bytes32 indexed trialId, bytes32 protocolHash)
func (trialRegistry *TrialRegistry) UnpackProtocolAmendedEvent(log *types.Log) (*TrialRegistryProtocolAmended, error) {
	event := "ProtocolAmended"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != trialRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(TrialRegistryProtocolAmended)
	if len(log.Data) > 0 {
		if err := trialRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range trialRegistry.abi.Events[event].Inputs {
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

// TrialRegistryTrialRegistered represents a TrialRegistered event raised by the TrialRegistry contract.
type TrialRegistryTrialRegistered struct {
	TrialId      [32]byte
	Sponsor      common.Address
	ProtocolHash [32]byte
	LogKey       string
	Raw          *types.Log // Blockchain specific contextual infos
}

const TrialRegistryTrialRegisteredEventName = "TrialRegistered"

// ContractEventName returns the user-defined event name.
func (TrialRegistryTrialRegistered) ContractEventName() string {
	return TrialRegistryTrialRegisteredEventName
}

// UnpackTrialRegisteredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event TrialRegistered(bytes32 indexed trialId, address indexed sponsor, bytes32 protocolHash, string logKey)
func (trialRegistry *TrialRegistry) UnpackTrialRegisteredEvent(log *types.Log) (*TrialRegistryTrialRegistered, error) {
	event := "TrialRegistered"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != trialRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(TrialRegistryTrialRegistered)
	if len(log.Data) > 0 {
		if err := trialRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range trialRegistry.abi.Events[event].Inputs {
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
func (trialRegistry *TrialRegistry) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], trialRegistry.abi.Errors["InvalidLogKey"].ID.Bytes()[:4]) {
		return trialRegistry.UnpackInvalidLogKeyError(raw[4:])
	}
	if bytes.Equal(raw[:4], trialRegistry.abi.Errors["InvalidProtocolHash"].ID.Bytes()[:4]) {
		return trialRegistry.UnpackInvalidProtocolHashError(raw[4:])
	}
	if bytes.Equal(raw[:4], trialRegistry.abi.Errors["NotSponsor"].ID.Bytes()[:4]) {
		return trialRegistry.UnpackNotSponsorError(raw[4:])
	}
	if bytes.Equal(raw[:4], trialRegistry.abi.Errors["TreeNotGrown"].ID.Bytes()[:4]) {
		return trialRegistry.UnpackTreeNotGrownError(raw[4:])
	}
	if bytes.Equal(raw[:4], trialRegistry.abi.Errors["TrialExists"].ID.Bytes()[:4]) {
		return trialRegistry.UnpackTrialExistsError(raw[4:])
	}
	if bytes.Equal(raw[:4], trialRegistry.abi.Errors["UnknownTrial"].ID.Bytes()[:4]) {
		return trialRegistry.UnpackUnknownTrialError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// TrialRegistryInvalidLogKey represents a InvalidLogKey error raised by the TrialRegistry contract.
type TrialRegistryInvalidLogKey struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidLogKey()
func TrialRegistryInvalidLogKeyErrorID() common.Hash {
	return common.HexToHash("0x8560b1f36a43d13673ea1621412fde64e93d9ebfefc38a8ad2d31757663ba6ba")
}

// UnpackInvalidLogKeyError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidLogKey()
func (trialRegistry *TrialRegistry) UnpackInvalidLogKeyError(raw []byte) (*TrialRegistryInvalidLogKey, error) {
	out := new(TrialRegistryInvalidLogKey)
	if err := trialRegistry.abi.UnpackIntoInterface(out, "InvalidLogKey", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// TrialRegistryInvalidProtocolHash represents a InvalidProtocolHash error raised by the TrialRegistry contract.
type TrialRegistryInvalidProtocolHash struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidProtocolHash()
func TrialRegistryInvalidProtocolHashErrorID() common.Hash {
	return common.HexToHash("0xb5a5a34ca3143398efa6b8c020d6e7abff4f1a7c064f58fa1e4913c2f9efb442")
}

// UnpackInvalidProtocolHashError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidProtocolHash()
func (trialRegistry *TrialRegistry) UnpackInvalidProtocolHashError(raw []byte) (*TrialRegistryInvalidProtocolHash, error) {
	out := new(TrialRegistryInvalidProtocolHash)
	if err := trialRegistry.abi.UnpackIntoInterface(out, "InvalidProtocolHash", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// TrialRegistryNotSponsor represents a NotSponsor error raised by the TrialRegistry contract.
type TrialRegistryNotSponsor struct {
	TrialId [32]byte
	Caller  common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotSponsor(bytes32 trialId, address caller)
func TrialRegistryNotSponsorErrorID() common.Hash {
	return common.HexToHash("0x07ac38162e3cbbc75762bbcb714282f03f99e94a712ce0fca590b909dc906a1e")
}

// UnpackNotSponsorError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotSponsor(bytes32 trialId, address caller)
func (trialRegistry *TrialRegistry) UnpackNotSponsorError(raw []byte) (*TrialRegistryNotSponsor, error) {
	out := new(TrialRegistryNotSponsor)
	if err := trialRegistry.abi.UnpackIntoInterface(out, "NotSponsor", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// TrialRegistryTreeNotGrown represents a TreeNotGrown error raised by the TrialRegistry contract.
type TrialRegistryTreeNotGrown struct {
	TrialId    [32]byte
	LatestSize uint64
	TreeSize   uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TreeNotGrown(bytes32 trialId, uint64 latestSize, uint64 treeSize)
func TrialRegistryTreeNotGrownErrorID() common.Hash {
	return common.HexToHash("0xdd8a9980d703f0a943e603f00162a167d6b9aefcc445d2d7cd375e90b978d7c1")
}

// UnpackTreeNotGrownError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TreeNotGrown(bytes32 trialId, uint64 latestSize, uint64 treeSize)
func (trialRegistry *TrialRegistry) UnpackTreeNotGrownError(raw []byte) (*TrialRegistryTreeNotGrown, error) {
	out := new(TrialRegistryTreeNotGrown)
	if err := trialRegistry.abi.UnpackIntoInterface(out, "TreeNotGrown", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// TrialRegistryTrialExists represents a TrialExists error raised by the TrialRegistry contract.
type TrialRegistryTrialExists struct {
	TrialId [32]byte
	Sponsor common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TrialExists(bytes32 trialId, address sponsor)
func TrialRegistryTrialExistsErrorID() common.Hash {
	return common.HexToHash("0xb8f0cec6f92479244e5a459856683b080e3b7037a884bf7f854845da025ac772")
}

// UnpackTrialExistsError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TrialExists(bytes32 trialId, address sponsor)
func (trialRegistry *TrialRegistry) UnpackTrialExistsError(raw []byte) (*TrialRegistryTrialExists, error) {
	out := new(TrialRegistryTrialExists)
	if err := trialRegistry.abi.UnpackIntoInterface(out, "TrialExists", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// TrialRegistryUnknownTrial represents a UnknownTrial error raised by the TrialRegistry contract.
type TrialRegistryUnknownTrial struct {
	TrialId [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownTrial(bytes32 trialId)
func TrialRegistryUnknownTrialErrorID() common.Hash {
	return common.HexToHash("0x9a71378b72d1f9cb2249425cd702e450edaeb508c53aacb7e9c9a12d010d27c1")
}

// UnpackUnknownTrialError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownTrial(bytes32 trialId)
func (trialRegistry *TrialRegistry) UnpackUnknownTrialError(raw []byte) (*TrialRegistryUnknownTrial, error) {
	out := new(TrialRegistryUnknownTrial)
	if err := trialRegistry.abi.UnpackIntoInterface(out, "UnknownTrial", raw); err != nil {
		return nil, err
	}
	return out, nil
}
