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

// DataLicenseMarketMetaData contains all meta data concerning the DataLicenseMarket contract.
var DataLicenseMarketMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"blockNumber\",\"type\":\"uint256\"}],\"name\":\"AlreadyCommitted\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"}],\"name\":\"AlreadyLicensed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"blockNumber\",\"type\":\"uint256\"}],\"name\":\"CommitNotMined\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidContentHash\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"member\",\"type\":\"address\"}],\"name\":\"InvalidMember\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidProvider\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"}],\"name\":\"InvalidTerms\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"expiredAt\",\"type\":\"uint64\"}],\"name\":\"LicenceExpired\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"ListingInactive\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"uint16\",\"name\":\"seats\",\"type\":\"uint16\"}],\"name\":\"NoSeatsLeft\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"seller\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"}],\"name\":\"NotCommitted\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotHolder\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"member\",\"type\":\"address\"}],\"name\":\"NotSeatMember\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotSeller\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"seller\",\"type\":\"address\"}],\"name\":\"NothingToWithdraw\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"member\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"}],\"name\":\"SeatTaken\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"TransferFailed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"UnknownListing\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"want\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"got\",\"type\":\"uint256\"}],\"name\":\"WrongPrice\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"Committed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"Delisted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"buyer\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"seller\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"uint16\",\"name\":\"seats\",\"type\":\"uint16\"}],\"name\":\"LicencePurchased\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"seller\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"metadataHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"provider\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"commitBlock\",\"type\":\"uint256\"}],\"name\":\"Listed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"}],\"name\":\"PriceChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"member\",\"type\":\"address\"}],\"name\":\"SeatAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"member\",\"type\":\"address\"}],\"name\":\"SeatRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"seller\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Withdrawn\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"MAX_PROVIDER_LENGTH\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"member\",\"type\":\"address\"}],\"name\":\"addSeat\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"buy\",\"outputs\":[],\"stateMutability\":\"payable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"commit\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"commitment\",\"type\":\"bytes32\"}],\"name\":\"commitBlock\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"blockNumber\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"delist\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"who\",\"type\":\"address\"}],\"name\":\"hasLicence\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"}],\"name\":\"licence\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"},{\"internalType\":\"uint16\",\"name\":\"seats\",\"type\":\"uint16\"},{\"internalType\":\"uint16\",\"name\":\"seatsUsed\",\"type\":\"uint16\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"contentHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"salt\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"terms\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"metadataHash\",\"type\":\"bytes32\"},{\"internalType\":\"string\",\"name\":\"provider\",\"type\":\"string\"}],\"name\":\"list\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"listing\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"seller\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint32\",\"name\":\"durationDays\",\"type\":\"uint32\"},{\"internalType\":\"uint16\",\"name\":\"seats\",\"type\":\"uint16\"},{\"internalType\":\"bool\",\"name\":\"active\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"nextListingId\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"member\",\"type\":\"address\"}],\"name\":\"removeSeat\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"member\",\"type\":\"address\"}],\"name\":\"seatHolder\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"holder\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"}],\"name\":\"setPrice\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"seller\",\"type\":\"address\"}],\"name\":\"withdrawable\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "DataLicenseMarket",
	Bin: "0x608060405260015f553480156012575f5ffd5b50611694806100205f395ff3fe6080604052600436106100ef575f3560e01c8063aaccf1ec11610087578063ce513b6f11610057578063ce513b6f1461042e578063d96a094a14610459578063f14fcbc81461046c578063f7d975771461048b575f5ffd5b8063aaccf1ec14610375578063ad2c0bd914610389578063b6b8d0bd146103a8578063c3b59735146103bd575f5ffd5b80637476963f116100c25780637476963f1461020057806374f6c5621461022f57806384a184de1461025a578063964bc33f14610356575f5ffd5b80632a064dc8146100f357806339b17dea146101145780633bd323d7146101465780633ccfd60b146101ec575b5f5ffd5b3480156100fe575f5ffd5b5061011261010d36600461145f565b6104aa565b005b34801561011f575f5ffd5b5061013361012e366004611489565b610688565b6040519081526020015b60405180910390f35b348015610151575f5ffd5b506101c161016036600461145f565b5f91825260026020908152604080842073ffffffffffffffffffffffffffffffffffffffff93909316845291905290205467ffffffffffffffff81169161ffff6801000000000000000083048116926a010000000000000000000090041690565b6040805167ffffffffffffffff909416845261ffff928316602085015291169082015260600161013d565b3480156101f7575f5ffd5b506101126109bc565b34801561020b575f5ffd5b5061021f61021a36600461145f565b610ade565b604051901515815260200161013d565b34801561023a575f5ffd5b50610133610249366004611526565b60056020525f908152604090205481565b348015610265575f5ffd5b50610307610274366004611526565b5f908152600160208190526040909120805491015473ffffffffffffffffffffffffffffffffffffffff821692909174010000000000000000000000000000000000000000810463ffffffff16917801000000000000000000000000000000000000000000000000820461ffff16917a010000000000000000000000000000000000000000000000000000900460ff1690565b6040805173ffffffffffffffffffffffffffffffffffffffff9096168652602086019490945263ffffffff9092169284019290925261ffff90911660608301521515608082015260a00161013d565b348015610361575f5ffd5b50610112610370366004611526565b610bab565b348015610380575f5ffd5b506101335f5481565b348015610394575f5ffd5b506101126103a336600461145f565b610c16565b3480156103b3575f5ffd5b5061013361020081565b3480156103c8575f5ffd5b506104096103d736600461145f565b600360209081525f928352604080842090915290825290205473ffffffffffffffffffffffffffffffffffffffff1681565b60405173ffffffffffffffffffffffffffffffffffffffff909116815260200161013d565b348015610439575f5ffd5b5061013361044836600461153d565b60046020525f908152604090205481565b610112610467366004611526565b610e78565b348015610477575f5ffd5b50610112610486366004611526565b61117c565b348015610496575f5ffd5b506101126104a536600461155d565b611207565b5f82815260026020908152604080832033845290915281208054909167ffffffffffffffff9091169003610518576040517f2f5ea621000000000000000000000000000000000000000000000000000000008152600481018490523360248201526044015b60405180910390fd5b5f83815260036020908152604080832073ffffffffffffffffffffffffffffffffffffffff86811685529252909120541633146105a0576040517f620562070000000000000000000000000000000000000000000000000000000081526004810184905273ffffffffffffffffffffffffffffffffffffffff8316602482015260440161050f565b5f83815260036020908152604080832073ffffffffffffffffffffffffffffffffffffffff8616808552925280832080547fffffffffffffffffffffffff000000000000000000000000000000000000000016905583547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff61ffff6a010000000000000000000080840482169290920116027fffffffffffffffffffffffffffffffffffffffff0000ffffffffffffffffffff909116178455519091339186917f4b241aeaed5f3f7cfd1977522f59a217c235a824cc0d4191030fff0bd77468e291a4505050565b5f876106c0576040517f68e1d61b00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b60408051336020820152908101899052606081018890525f9060059082906080016040516020818303038152906040528051906020012081526020019081526020015f20549050805f03610749576040517fe04463eb000000000000000000000000000000000000000000000000000000008152336004820152602481018a905260440161050f565b43811061078c576040517f2d3c0ca8000000000000000000000000000000000000000000000000000000008152600481018a90526024810182905260440161050f565b82158061079a575061020083115b156107d1576040517f7626db8200000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b7fffffffffffffffffffffffffffffffffffff000000000000000000000000000086161561082e576040517fd13c16800000000000000000000000000000000000000000000000000000000081526004810187905260240161050f565b5f549150816001015f819055506040518060a001604052803373ffffffffffffffffffffffffffffffffffffffff168152602001604088901c63ffffffff168152602001606088901c61ffff1681526020016001151581526020018881525060015f8481526020019081526020015f205f820151815f015f6101000a81548173ffffffffffffffffffffffffffffffffffffffff021916908373ffffffffffffffffffffffffffffffffffffffff1602179055506020820151815f0160146101000a81548163ffffffff021916908363ffffffff1602179055506040820151815f0160186101000a81548161ffff021916908361ffff1602179055506060820151815f01601a6101000a81548160ff02191690831515021790555060808201518160010155905050883373ffffffffffffffffffffffffffffffffffffffff16837f645f2551a42acff5a829ce55d7e1c055230c6a7262653b7f16584c1bd8cd7c828a8a8a8a8a896040516109a89695949392919061157d565b60405180910390a450979650505050505050565b335f9081526004602052604081205490819003610a07576040517fdc69dc1600000000000000000000000000000000000000000000000000000000815233600482015260240161050f565b335f8181526004602052604080822091909155517f7084f5476618d8e60b11ef0d7d3f06914655adb8793e28ff7f018d4c76d505d590610a4a9084815260200190565b60405180910390a26040515f90339083908381818185875af1925050503d805f8114610a91576040519150601f19603f3d011682016040523d82523d5f602084013e610a96565b606091505b5050905080610ada576040517f1c43b9760000000000000000000000000000000000000000000000000000000081523360048201526024810183905260440161050f565b5050565b5f82815260026020908152604080832073ffffffffffffffffffffffffffffffffffffffff851684529091528120544267ffffffffffffffff9091161115610b2857506001610ba5565b5f83815260036020908152604080832073ffffffffffffffffffffffffffffffffffffffff8087168552925290912054168015801590610ba157505f84815260026020908152604080832073ffffffffffffffffffffffffffffffffffffffff851684529091529020544267ffffffffffffffff909116115b9150505b92915050565b5f818152600160205260409020610bc2818361125f565b80547fffffffffff00ffffffffffffffffffffffffffffffffffffffffffffffffffff16815560405182907fc40fdc946efe80191c467f60727c4abc08254a056035d467a4516a86005ab763905f90a25050565b5f610c208361136a565b905073ffffffffffffffffffffffffffffffffffffffff82161580610c5a575073ffffffffffffffffffffffffffffffffffffffff821633145b15610ca9576040517f6c5bdf4000000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff8316600482015260240161050f565b5f83815260036020908152604080832073ffffffffffffffffffffffffffffffffffffffff8087168552925290912054168015610d39576040517f7dd2f44b0000000000000000000000000000000000000000000000000000000081526004810185905273ffffffffffffffffffffffffffffffffffffffff80851660248301528216604482015260640161050f565b815461ffff6a01000000000000000000008204811691680100000000000000009004168110610daf5782546040517f7353990c000000000000000000000000000000000000000000000000000000008152600481018790526801000000000000000090910461ffff16602482015260440161050f565b82547fffffffffffffffffffffffffffffffffffffffff0000ffffffffffffffffffff166a01000000000000000000006001830161ffff16021783555f85815260036020908152604080832073ffffffffffffffffffffffffffffffffffffffff881680855292528083208054337fffffffffffffffffffffffff0000000000000000000000000000000000000000909116811790915590519192909188917f36fbff56a8b7547d90fe677019b162b20f3ddefb27af933bb18024eb3fba32df91a45050505050565b5f818152600160205260409020805473ffffffffffffffffffffffffffffffffffffffff1680610ed7576040517fb146165a0000000000000000000000000000000000000000000000000000000081526004810184905260240161050f565b81547a010000000000000000000000000000000000000000000000000000900460ff16610f33576040517f161bec970000000000000000000000000000000000000000000000000000000081526004810184905260240161050f565b6001820154348114610f7a576040517f6871963e0000000000000000000000000000000000000000000000000000000081526004810182905234602482015260440161050f565b5f8481526002602090815260408083203384529091528120845490919074010000000000000000000000000000000000000000900463ffffffff1680820361103957825467ffffffffffffffff167fffffffffffffffffffffffffffffffffffffffffffffffff000000000000000101611029576040517fc352b8f60000000000000000000000000000000000000000000000000000000081526004810188905233602482015260440161050f565b67ffffffffffffffff9150611071565b825467ffffffffffffffff16428110156110505750425b61106363ffffffff831662015180611614565b61106d908261163e565b9250505b8554835467ffffffffffffffff84167fffffffffffffffffffffffffffffffffffffffffffff0000000000000000000090911617780100000000000000000000000000000000000000000000000090910461ffff1668010000000000000000810291909117845584156111095773ffffffffffffffffffffffffffffffffffffffff86165f9081526004602052604090208054860190555b6040805186815267ffffffffffffffff8516602082015261ffff831681830152905173ffffffffffffffffffffffffffffffffffffffff88169133918b917f8ff76ff891208f61edea8b1873e89b74cea2b3053ee8d4559299b71ec0a3e51e919081900360600190a45050505050505050565b5f8181526005602052604090205480156111cc576040517fa023ace0000000000000000000000000000000000000000000000000000000008152600481018390526024810182905260440161050f565b5f828152600560205260408082204390555183917f1d835fd041cc3bb34aa7ab8341f3008e52f9e9abe48577aab34a2ba101e5030f91a25050565b5f82815260016020526040902061121e818461125f565b6001810182905560405182815283907f8aa4fa52648a6d15edce8a179c792c86f3719d0cc3c572cf90f91948f0f2cb689060200160405180910390a2505050565b815473ffffffffffffffffffffffffffffffffffffffff16806112b1576040517fb146165a0000000000000000000000000000000000000000000000000000000081526004810183905260240161050f565b73ffffffffffffffffffffffffffffffffffffffff81163314611309576040517f4a1233a90000000000000000000000000000000000000000000000000000000081526004810183905233602482015260440161050f565b82547a010000000000000000000000000000000000000000000000000000900460ff16611365576040517f161bec970000000000000000000000000000000000000000000000000000000081526004810183905260240161050f565b505050565b5f81815260026020908152604080832033845290915281208054909167ffffffffffffffff909116908190036113d5576040517f2f5ea6210000000000000000000000000000000000000000000000000000000081526004810184905233602482015260440161050f565b428167ffffffffffffffff1611611431576040517f1ca0f1940000000000000000000000000000000000000000000000000000000081526004810184905233602482015267ffffffffffffffff8216604482015260640161050f565b50919050565b803573ffffffffffffffffffffffffffffffffffffffff8116811461145a575f5ffd5b919050565b5f5f60408385031215611470575f5ffd5b8235915061148060208401611437565b90509250929050565b5f5f5f5f5f5f5f60c0888a03121561149f575f5ffd5b873596506020880135955060408801359450606088013593506080880135925060a088013567ffffffffffffffff8111156114d8575f5ffd5b8801601f81018a136114e8575f5ffd5b803567ffffffffffffffff8111156114fe575f5ffd5b8a602082840101111561150f575f5ffd5b602082019350809250505092959891949750929550565b5f60208284031215611536575f5ffd5b5035919050565b5f6020828403121561154d575f5ffd5b61155682611437565b9392505050565b5f5f6040838503121561156e575f5ffd5b50508035926020909101359150565b86815285602082015284604082015260a060608201528260a0820152828460c08301375f60c084830101525f60c07fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0601f8601168301019050826080830152979650505050505050565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52601160045260245ffd5b67ffffffffffffffff8181168382160290811690818114611637576116376115e7565b5092915050565b67ffffffffffffffff8181168382160190811115610ba557610ba56115e756fea2646970667358221220e615fc0e2bc3b9071e1bbef1de9ecdd97b805e952da92b22159ece66a92d840864736f6c63430008250033",
}

// DataLicenseMarket is an auto generated Go binding around an Ethereum contract.
type DataLicenseMarket struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *DataLicenseMarket) GetABI() abi.ABI {
	return c.abi
}

// NewDataLicenseMarket creates a new instance of DataLicenseMarket.
func NewDataLicenseMarket() *DataLicenseMarket {
	parsed, err := DataLicenseMarketMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &DataLicenseMarket{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *DataLicenseMarket) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackMAXPROVIDERLENGTH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb6b8d0bd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function MAX_PROVIDER_LENGTH() view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) PackMAXPROVIDERLENGTH() []byte {
	enc, err := dataLicenseMarket.abi.Pack("MAX_PROVIDER_LENGTH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMAXPROVIDERLENGTH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb6b8d0bd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function MAX_PROVIDER_LENGTH() view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) TryPackMAXPROVIDERLENGTH() ([]byte, error) {
	return dataLicenseMarket.abi.Pack("MAX_PROVIDER_LENGTH")
}

// UnpackMAXPROVIDERLENGTH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb6b8d0bd.
//
// Solidity: function MAX_PROVIDER_LENGTH() view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) UnpackMAXPROVIDERLENGTH(data []byte) (*big.Int, error) {
	out, err := dataLicenseMarket.abi.Unpack("MAX_PROVIDER_LENGTH", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackAddSeat is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad2c0bd9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addSeat(uint256 id, address member) returns()
func (dataLicenseMarket *DataLicenseMarket) PackAddSeat(id *big.Int, member common.Address) []byte {
	enc, err := dataLicenseMarket.abi.Pack("addSeat", id, member)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddSeat is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad2c0bd9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addSeat(uint256 id, address member) returns()
func (dataLicenseMarket *DataLicenseMarket) TryPackAddSeat(id *big.Int, member common.Address) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("addSeat", id, member)
}

// PackBuy is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd96a094a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function buy(uint256 id) payable returns()
func (dataLicenseMarket *DataLicenseMarket) PackBuy(id *big.Int) []byte {
	enc, err := dataLicenseMarket.abi.Pack("buy", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBuy is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd96a094a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function buy(uint256 id) payable returns()
func (dataLicenseMarket *DataLicenseMarket) TryPackBuy(id *big.Int) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("buy", id)
}

// PackCommit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf14fcbc8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function commit(bytes32 commitment) returns()
func (dataLicenseMarket *DataLicenseMarket) PackCommit(commitment [32]byte) []byte {
	enc, err := dataLicenseMarket.abi.Pack("commit", commitment)
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
func (dataLicenseMarket *DataLicenseMarket) TryPackCommit(commitment [32]byte) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("commit", commitment)
}

// PackCommitBlock is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x74f6c562.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function commitBlock(bytes32 commitment) view returns(uint256 blockNumber)
func (dataLicenseMarket *DataLicenseMarket) PackCommitBlock(commitment [32]byte) []byte {
	enc, err := dataLicenseMarket.abi.Pack("commitBlock", commitment)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCommitBlock is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x74f6c562.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function commitBlock(bytes32 commitment) view returns(uint256 blockNumber)
func (dataLicenseMarket *DataLicenseMarket) TryPackCommitBlock(commitment [32]byte) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("commitBlock", commitment)
}

// UnpackCommitBlock is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x74f6c562.
//
// Solidity: function commitBlock(bytes32 commitment) view returns(uint256 blockNumber)
func (dataLicenseMarket *DataLicenseMarket) UnpackCommitBlock(data []byte) (*big.Int, error) {
	out, err := dataLicenseMarket.abi.Unpack("commitBlock", data)
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
func (dataLicenseMarket *DataLicenseMarket) PackDelist(id *big.Int) []byte {
	enc, err := dataLicenseMarket.abi.Pack("delist", id)
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
func (dataLicenseMarket *DataLicenseMarket) TryPackDelist(id *big.Int) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("delist", id)
}

// PackHasLicence is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7476963f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function hasLicence(uint256 id, address who) view returns(bool)
func (dataLicenseMarket *DataLicenseMarket) PackHasLicence(id *big.Int, who common.Address) []byte {
	enc, err := dataLicenseMarket.abi.Pack("hasLicence", id, who)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackHasLicence is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7476963f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function hasLicence(uint256 id, address who) view returns(bool)
func (dataLicenseMarket *DataLicenseMarket) TryPackHasLicence(id *big.Int, who common.Address) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("hasLicence", id, who)
}

// UnpackHasLicence is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x7476963f.
//
// Solidity: function hasLicence(uint256 id, address who) view returns(bool)
func (dataLicenseMarket *DataLicenseMarket) UnpackHasLicence(data []byte) (bool, error) {
	out, err := dataLicenseMarket.abi.Unpack("hasLicence", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackLicence is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3bd323d7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function licence(uint256 id, address holder) view returns(uint64 expiresAt, uint16 seats, uint16 seatsUsed)
func (dataLicenseMarket *DataLicenseMarket) PackLicence(id *big.Int, holder common.Address) []byte {
	enc, err := dataLicenseMarket.abi.Pack("licence", id, holder)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackLicence is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3bd323d7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function licence(uint256 id, address holder) view returns(uint64 expiresAt, uint16 seats, uint16 seatsUsed)
func (dataLicenseMarket *DataLicenseMarket) TryPackLicence(id *big.Int, holder common.Address) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("licence", id, holder)
}

// LicenceOutput serves as a container for the return parameters of contract
// method Licence.
type LicenceOutput struct {
	ExpiresAt uint64
	Seats     uint16
	SeatsUsed uint16
}

// UnpackLicence is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3bd323d7.
//
// Solidity: function licence(uint256 id, address holder) view returns(uint64 expiresAt, uint16 seats, uint16 seatsUsed)
func (dataLicenseMarket *DataLicenseMarket) UnpackLicence(data []byte) (LicenceOutput, error) {
	out, err := dataLicenseMarket.abi.Unpack("licence", data)
	outstruct := new(LicenceOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.ExpiresAt = *abi.ConvertType(out[0], new(uint64)).(*uint64)
	outstruct.Seats = *abi.ConvertType(out[1], new(uint16)).(*uint16)
	outstruct.SeatsUsed = *abi.ConvertType(out[2], new(uint16)).(*uint16)
	return *outstruct, nil
}

// PackList is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x39b17dea.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms, bytes32 metadataHash, string provider) returns(uint256 id)
func (dataLicenseMarket *DataLicenseMarket) PackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int, metadataHash [32]byte, provider string) []byte {
	enc, err := dataLicenseMarket.abi.Pack("list", contentHash, salt, price, terms, metadataHash, provider)
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
func (dataLicenseMarket *DataLicenseMarket) TryPackList(contentHash [32]byte, salt [32]byte, price *big.Int, terms *big.Int, metadataHash [32]byte, provider string) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("list", contentHash, salt, price, terms, metadataHash, provider)
}

// UnpackList is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x39b17dea.
//
// Solidity: function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms, bytes32 metadataHash, string provider) returns(uint256 id)
func (dataLicenseMarket *DataLicenseMarket) UnpackList(data []byte) (*big.Int, error) {
	out, err := dataLicenseMarket.abi.Unpack("list", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackListing is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x84a184de.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function listing(uint256 id) view returns(address seller, uint256 price, uint32 durationDays, uint16 seats, bool active)
func (dataLicenseMarket *DataLicenseMarket) PackListing(id *big.Int) []byte {
	enc, err := dataLicenseMarket.abi.Pack("listing", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackListing is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x84a184de.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function listing(uint256 id) view returns(address seller, uint256 price, uint32 durationDays, uint16 seats, bool active)
func (dataLicenseMarket *DataLicenseMarket) TryPackListing(id *big.Int) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("listing", id)
}

// ListingOutput serves as a container for the return parameters of contract
// method Listing.
type ListingOutput struct {
	Seller       common.Address
	Price        *big.Int
	DurationDays uint32
	Seats        uint16
	Active       bool
}

// UnpackListing is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x84a184de.
//
// Solidity: function listing(uint256 id) view returns(address seller, uint256 price, uint32 durationDays, uint16 seats, bool active)
func (dataLicenseMarket *DataLicenseMarket) UnpackListing(data []byte) (ListingOutput, error) {
	out, err := dataLicenseMarket.abi.Unpack("listing", data)
	outstruct := new(ListingOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Seller = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.Price = abi.ConvertType(out[1], new(big.Int)).(*big.Int)
	outstruct.DurationDays = *abi.ConvertType(out[2], new(uint32)).(*uint32)
	outstruct.Seats = *abi.ConvertType(out[3], new(uint16)).(*uint16)
	outstruct.Active = *abi.ConvertType(out[4], new(bool)).(*bool)
	return *outstruct, nil
}

// PackNextListingId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xaaccf1ec.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function nextListingId() view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) PackNextListingId() []byte {
	enc, err := dataLicenseMarket.abi.Pack("nextListingId")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackNextListingId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xaaccf1ec.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function nextListingId() view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) TryPackNextListingId() ([]byte, error) {
	return dataLicenseMarket.abi.Pack("nextListingId")
}

// UnpackNextListingId is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xaaccf1ec.
//
// Solidity: function nextListingId() view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) UnpackNextListingId(data []byte) (*big.Int, error) {
	out, err := dataLicenseMarket.abi.Unpack("nextListingId", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackRemoveSeat is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2a064dc8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function removeSeat(uint256 id, address member) returns()
func (dataLicenseMarket *DataLicenseMarket) PackRemoveSeat(id *big.Int, member common.Address) []byte {
	enc, err := dataLicenseMarket.abi.Pack("removeSeat", id, member)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRemoveSeat is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2a064dc8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function removeSeat(uint256 id, address member) returns()
func (dataLicenseMarket *DataLicenseMarket) TryPackRemoveSeat(id *big.Int, member common.Address) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("removeSeat", id, member)
}

// PackSeatHolder is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc3b59735.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function seatHolder(uint256 id, address member) view returns(address holder)
func (dataLicenseMarket *DataLicenseMarket) PackSeatHolder(id *big.Int, member common.Address) []byte {
	enc, err := dataLicenseMarket.abi.Pack("seatHolder", id, member)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSeatHolder is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc3b59735.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function seatHolder(uint256 id, address member) view returns(address holder)
func (dataLicenseMarket *DataLicenseMarket) TryPackSeatHolder(id *big.Int, member common.Address) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("seatHolder", id, member)
}

// UnpackSeatHolder is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc3b59735.
//
// Solidity: function seatHolder(uint256 id, address member) view returns(address holder)
func (dataLicenseMarket *DataLicenseMarket) UnpackSeatHolder(data []byte) (common.Address, error) {
	out, err := dataLicenseMarket.abi.Unpack("seatHolder", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackSetPrice is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf7d97577.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setPrice(uint256 id, uint256 price) returns()
func (dataLicenseMarket *DataLicenseMarket) PackSetPrice(id *big.Int, price *big.Int) []byte {
	enc, err := dataLicenseMarket.abi.Pack("setPrice", id, price)
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
func (dataLicenseMarket *DataLicenseMarket) TryPackSetPrice(id *big.Int, price *big.Int) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("setPrice", id, price)
}

// PackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ccfd60b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdraw() returns()
func (dataLicenseMarket *DataLicenseMarket) PackWithdraw() []byte {
	enc, err := dataLicenseMarket.abi.Pack("withdraw")
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
func (dataLicenseMarket *DataLicenseMarket) TryPackWithdraw() ([]byte, error) {
	return dataLicenseMarket.abi.Pack("withdraw")
}

// PackWithdrawable is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xce513b6f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdrawable(address seller) view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) PackWithdrawable(seller common.Address) []byte {
	enc, err := dataLicenseMarket.abi.Pack("withdrawable", seller)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdrawable is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xce513b6f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdrawable(address seller) view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) TryPackWithdrawable(seller common.Address) ([]byte, error) {
	return dataLicenseMarket.abi.Pack("withdrawable", seller)
}

// UnpackWithdrawable is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xce513b6f.
//
// Solidity: function withdrawable(address seller) view returns(uint256)
func (dataLicenseMarket *DataLicenseMarket) UnpackWithdrawable(data []byte) (*big.Int, error) {
	out, err := dataLicenseMarket.abi.Unpack("withdrawable", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// DataLicenseMarketCommitted represents a Committed event raised by the DataLicenseMarket contract.
type DataLicenseMarketCommitted struct {
	Commitment [32]byte
	Raw        *types.Log // Blockchain specific contextual infos
}

const DataLicenseMarketCommittedEventName = "Committed"

// ContractEventName returns the user-defined event name.
func (DataLicenseMarketCommitted) ContractEventName() string {
	return DataLicenseMarketCommittedEventName
}

// UnpackCommittedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Committed(bytes32 indexed commitment)
func (dataLicenseMarket *DataLicenseMarket) UnpackCommittedEvent(log *types.Log) (*DataLicenseMarketCommitted, error) {
	event := "Committed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dataLicenseMarket.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DataLicenseMarketCommitted)
	if len(log.Data) > 0 {
		if err := dataLicenseMarket.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dataLicenseMarket.abi.Events[event].Inputs {
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

// DataLicenseMarketDelisted represents a Delisted event raised by the DataLicenseMarket contract.
type DataLicenseMarketDelisted struct {
	Id  *big.Int
	Raw *types.Log // Blockchain specific contextual infos
}

const DataLicenseMarketDelistedEventName = "Delisted"

// ContractEventName returns the user-defined event name.
func (DataLicenseMarketDelisted) ContractEventName() string {
	return DataLicenseMarketDelistedEventName
}

// UnpackDelistedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Delisted(uint256 indexed id)
func (dataLicenseMarket *DataLicenseMarket) UnpackDelistedEvent(log *types.Log) (*DataLicenseMarketDelisted, error) {
	event := "Delisted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dataLicenseMarket.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DataLicenseMarketDelisted)
	if len(log.Data) > 0 {
		if err := dataLicenseMarket.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dataLicenseMarket.abi.Events[event].Inputs {
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

// DataLicenseMarketLicencePurchased represents a LicencePurchased event raised by the DataLicenseMarket contract.
type DataLicenseMarketLicencePurchased struct {
	Id        *big.Int
	Buyer     common.Address
	Seller    common.Address
	Price     *big.Int
	ExpiresAt uint64
	Seats     uint16
	Raw       *types.Log // Blockchain specific contextual infos
}

const DataLicenseMarketLicencePurchasedEventName = "LicencePurchased"

// ContractEventName returns the user-defined event name.
func (DataLicenseMarketLicencePurchased) ContractEventName() string {
	return DataLicenseMarketLicencePurchasedEventName
}

// UnpackLicencePurchasedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event LicencePurchased(uint256 indexed id, address indexed buyer, address indexed seller, uint256 price, uint64 expiresAt, uint16 seats)
func (dataLicenseMarket *DataLicenseMarket) UnpackLicencePurchasedEvent(log *types.Log) (*DataLicenseMarketLicencePurchased, error) {
	event := "LicencePurchased"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dataLicenseMarket.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DataLicenseMarketLicencePurchased)
	if len(log.Data) > 0 {
		if err := dataLicenseMarket.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dataLicenseMarket.abi.Events[event].Inputs {
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

// DataLicenseMarketListed represents a Listed event raised by the DataLicenseMarket contract.
type DataLicenseMarketListed struct {
	Id           *big.Int
	Seller       common.Address
	ContentHash  [32]byte
	Price        *big.Int
	Terms        *big.Int
	MetadataHash [32]byte
	Provider     string
	CommitBlock  *big.Int
	Raw          *types.Log // Blockchain specific contextual infos
}

const DataLicenseMarketListedEventName = "Listed"

// ContractEventName returns the user-defined event name.
func (DataLicenseMarketListed) ContractEventName() string {
	return DataLicenseMarketListedEventName
}

// UnpackListedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Listed(uint256 indexed id, address indexed seller, bytes32 indexed contentHash, uint256 price, uint256 terms, bytes32 metadataHash, string provider, uint256 commitBlock)
func (dataLicenseMarket *DataLicenseMarket) UnpackListedEvent(log *types.Log) (*DataLicenseMarketListed, error) {
	event := "Listed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dataLicenseMarket.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DataLicenseMarketListed)
	if len(log.Data) > 0 {
		if err := dataLicenseMarket.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dataLicenseMarket.abi.Events[event].Inputs {
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

// DataLicenseMarketPriceChanged represents a PriceChanged event raised by the DataLicenseMarket contract.
type DataLicenseMarketPriceChanged struct {
	Id    *big.Int
	Price *big.Int
	Raw   *types.Log // Blockchain specific contextual infos
}

const DataLicenseMarketPriceChangedEventName = "PriceChanged"

// ContractEventName returns the user-defined event name.
func (DataLicenseMarketPriceChanged) ContractEventName() string {
	return DataLicenseMarketPriceChangedEventName
}

// UnpackPriceChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event PriceChanged(uint256 indexed id, uint256 price)
func (dataLicenseMarket *DataLicenseMarket) UnpackPriceChangedEvent(log *types.Log) (*DataLicenseMarketPriceChanged, error) {
	event := "PriceChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dataLicenseMarket.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DataLicenseMarketPriceChanged)
	if len(log.Data) > 0 {
		if err := dataLicenseMarket.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dataLicenseMarket.abi.Events[event].Inputs {
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

// DataLicenseMarketSeatAdded represents a SeatAdded event raised by the DataLicenseMarket contract.
type DataLicenseMarketSeatAdded struct {
	Id     *big.Int
	Holder common.Address
	Member common.Address
	Raw    *types.Log // Blockchain specific contextual infos
}

const DataLicenseMarketSeatAddedEventName = "SeatAdded"

// ContractEventName returns the user-defined event name.
func (DataLicenseMarketSeatAdded) ContractEventName() string {
	return DataLicenseMarketSeatAddedEventName
}

// UnpackSeatAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event SeatAdded(uint256 indexed id, address indexed holder, address indexed member)
func (dataLicenseMarket *DataLicenseMarket) UnpackSeatAddedEvent(log *types.Log) (*DataLicenseMarketSeatAdded, error) {
	event := "SeatAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dataLicenseMarket.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DataLicenseMarketSeatAdded)
	if len(log.Data) > 0 {
		if err := dataLicenseMarket.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dataLicenseMarket.abi.Events[event].Inputs {
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

// DataLicenseMarketSeatRemoved represents a SeatRemoved event raised by the DataLicenseMarket contract.
type DataLicenseMarketSeatRemoved struct {
	Id     *big.Int
	Holder common.Address
	Member common.Address
	Raw    *types.Log // Blockchain specific contextual infos
}

const DataLicenseMarketSeatRemovedEventName = "SeatRemoved"

// ContractEventName returns the user-defined event name.
func (DataLicenseMarketSeatRemoved) ContractEventName() string {
	return DataLicenseMarketSeatRemovedEventName
}

// UnpackSeatRemovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event SeatRemoved(uint256 indexed id, address indexed holder, address indexed member)
func (dataLicenseMarket *DataLicenseMarket) UnpackSeatRemovedEvent(log *types.Log) (*DataLicenseMarketSeatRemoved, error) {
	event := "SeatRemoved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dataLicenseMarket.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DataLicenseMarketSeatRemoved)
	if len(log.Data) > 0 {
		if err := dataLicenseMarket.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dataLicenseMarket.abi.Events[event].Inputs {
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

// DataLicenseMarketWithdrawn represents a Withdrawn event raised by the DataLicenseMarket contract.
type DataLicenseMarketWithdrawn struct {
	Seller common.Address
	Amount *big.Int
	Raw    *types.Log // Blockchain specific contextual infos
}

const DataLicenseMarketWithdrawnEventName = "Withdrawn"

// ContractEventName returns the user-defined event name.
func (DataLicenseMarketWithdrawn) ContractEventName() string {
	return DataLicenseMarketWithdrawnEventName
}

// UnpackWithdrawnEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Withdrawn(address indexed seller, uint256 amount)
func (dataLicenseMarket *DataLicenseMarket) UnpackWithdrawnEvent(log *types.Log) (*DataLicenseMarketWithdrawn, error) {
	event := "Withdrawn"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != dataLicenseMarket.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DataLicenseMarketWithdrawn)
	if len(log.Data) > 0 {
		if err := dataLicenseMarket.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range dataLicenseMarket.abi.Events[event].Inputs {
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
func (dataLicenseMarket *DataLicenseMarket) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["AlreadyCommitted"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackAlreadyCommittedError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["AlreadyLicensed"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackAlreadyLicensedError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["CommitNotMined"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackCommitNotMinedError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["InvalidContentHash"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackInvalidContentHashError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["InvalidMember"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackInvalidMemberError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["InvalidProvider"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackInvalidProviderError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["InvalidTerms"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackInvalidTermsError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["LicenceExpired"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackLicenceExpiredError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["ListingInactive"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackListingInactiveError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["NoSeatsLeft"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackNoSeatsLeftError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["NotCommitted"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackNotCommittedError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["NotHolder"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackNotHolderError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["NotSeatMember"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackNotSeatMemberError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["NotSeller"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackNotSellerError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["NothingToWithdraw"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackNothingToWithdrawError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["SeatTaken"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackSeatTakenError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["TransferFailed"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackTransferFailedError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["UnknownListing"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackUnknownListingError(raw[4:])
	}
	if bytes.Equal(raw[:4], dataLicenseMarket.abi.Errors["WrongPrice"].ID.Bytes()[:4]) {
		return dataLicenseMarket.UnpackWrongPriceError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// DataLicenseMarketAlreadyCommitted represents a AlreadyCommitted error raised by the DataLicenseMarket contract.
type DataLicenseMarketAlreadyCommitted struct {
	Commitment  [32]byte
	BlockNumber *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AlreadyCommitted(bytes32 commitment, uint256 blockNumber)
func DataLicenseMarketAlreadyCommittedErrorID() common.Hash {
	return common.HexToHash("0xa023ace05a9c2df46808c509c5e7a8f8da00c739067458b3d06ea704ed02ccd1")
}

// UnpackAlreadyCommittedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AlreadyCommitted(bytes32 commitment, uint256 blockNumber)
func (dataLicenseMarket *DataLicenseMarket) UnpackAlreadyCommittedError(raw []byte) (*DataLicenseMarketAlreadyCommitted, error) {
	out := new(DataLicenseMarketAlreadyCommitted)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "AlreadyCommitted", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketAlreadyLicensed represents a AlreadyLicensed error raised by the DataLicenseMarket contract.
type DataLicenseMarketAlreadyLicensed struct {
	Id     *big.Int
	Holder common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AlreadyLicensed(uint256 id, address holder)
func DataLicenseMarketAlreadyLicensedErrorID() common.Hash {
	return common.HexToHash("0xc352b8f6e0dbf86abb66a01bcf50138a7ef466ed3dff9546047895c93b648930")
}

// UnpackAlreadyLicensedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AlreadyLicensed(uint256 id, address holder)
func (dataLicenseMarket *DataLicenseMarket) UnpackAlreadyLicensedError(raw []byte) (*DataLicenseMarketAlreadyLicensed, error) {
	out := new(DataLicenseMarketAlreadyLicensed)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "AlreadyLicensed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketCommitNotMined represents a CommitNotMined error raised by the DataLicenseMarket contract.
type DataLicenseMarketCommitNotMined struct {
	ContentHash [32]byte
	BlockNumber *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error CommitNotMined(bytes32 contentHash, uint256 blockNumber)
func DataLicenseMarketCommitNotMinedErrorID() common.Hash {
	return common.HexToHash("0x2d3c0ca81b8853d9e6d08c6da08d906b846b449de309312c86fbb000ed29fd0e")
}

// UnpackCommitNotMinedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error CommitNotMined(bytes32 contentHash, uint256 blockNumber)
func (dataLicenseMarket *DataLicenseMarket) UnpackCommitNotMinedError(raw []byte) (*DataLicenseMarketCommitNotMined, error) {
	out := new(DataLicenseMarketCommitNotMined)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "CommitNotMined", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketInvalidContentHash represents a InvalidContentHash error raised by the DataLicenseMarket contract.
type DataLicenseMarketInvalidContentHash struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidContentHash()
func DataLicenseMarketInvalidContentHashErrorID() common.Hash {
	return common.HexToHash("0x68e1d61b5f0120bb6963c36b31f3ac39fc9c5ba682e31aabd70183ad8995ea58")
}

// UnpackInvalidContentHashError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidContentHash()
func (dataLicenseMarket *DataLicenseMarket) UnpackInvalidContentHashError(raw []byte) (*DataLicenseMarketInvalidContentHash, error) {
	out := new(DataLicenseMarketInvalidContentHash)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "InvalidContentHash", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketInvalidMember represents a InvalidMember error raised by the DataLicenseMarket contract.
type DataLicenseMarketInvalidMember struct {
	Member common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidMember(address member)
func DataLicenseMarketInvalidMemberErrorID() common.Hash {
	return common.HexToHash("0x6c5bdf406d267684903a20ef80d1a90feaf9418b4263acb377e3f8dfef2e514a")
}

// UnpackInvalidMemberError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidMember(address member)
func (dataLicenseMarket *DataLicenseMarket) UnpackInvalidMemberError(raw []byte) (*DataLicenseMarketInvalidMember, error) {
	out := new(DataLicenseMarketInvalidMember)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "InvalidMember", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketInvalidProvider represents a InvalidProvider error raised by the DataLicenseMarket contract.
type DataLicenseMarketInvalidProvider struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidProvider()
func DataLicenseMarketInvalidProviderErrorID() common.Hash {
	return common.HexToHash("0x7626db8228156415a192c340087024e43b89cf203c807847ce89ea7d90d614ad")
}

// UnpackInvalidProviderError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidProvider()
func (dataLicenseMarket *DataLicenseMarket) UnpackInvalidProviderError(raw []byte) (*DataLicenseMarketInvalidProvider, error) {
	out := new(DataLicenseMarketInvalidProvider)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "InvalidProvider", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketInvalidTerms represents a InvalidTerms error raised by the DataLicenseMarket contract.
type DataLicenseMarketInvalidTerms struct {
	Terms *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidTerms(uint256 terms)
func DataLicenseMarketInvalidTermsErrorID() common.Hash {
	return common.HexToHash("0xd13c1680b48662121ff32a22a9632c985f72abd5d8156258ad0f5df14597ea49")
}

// UnpackInvalidTermsError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidTerms(uint256 terms)
func (dataLicenseMarket *DataLicenseMarket) UnpackInvalidTermsError(raw []byte) (*DataLicenseMarketInvalidTerms, error) {
	out := new(DataLicenseMarketInvalidTerms)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "InvalidTerms", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketLicenceExpired represents a LicenceExpired error raised by the DataLicenseMarket contract.
type DataLicenseMarketLicenceExpired struct {
	Id        *big.Int
	Holder    common.Address
	ExpiredAt uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error LicenceExpired(uint256 id, address holder, uint64 expiredAt)
func DataLicenseMarketLicenceExpiredErrorID() common.Hash {
	return common.HexToHash("0x1ca0f19415d62350faf8703a448150e0b008ca6ca275607065044797ae0170ed")
}

// UnpackLicenceExpiredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error LicenceExpired(uint256 id, address holder, uint64 expiredAt)
func (dataLicenseMarket *DataLicenseMarket) UnpackLicenceExpiredError(raw []byte) (*DataLicenseMarketLicenceExpired, error) {
	out := new(DataLicenseMarketLicenceExpired)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "LicenceExpired", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketListingInactive represents a ListingInactive error raised by the DataLicenseMarket contract.
type DataLicenseMarketListingInactive struct {
	Id *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ListingInactive(uint256 id)
func DataLicenseMarketListingInactiveErrorID() common.Hash {
	return common.HexToHash("0x161bec9702a4910408c759d4078d91106b875d71aeb4405e407bc181938aa321")
}

// UnpackListingInactiveError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ListingInactive(uint256 id)
func (dataLicenseMarket *DataLicenseMarket) UnpackListingInactiveError(raw []byte) (*DataLicenseMarketListingInactive, error) {
	out := new(DataLicenseMarketListingInactive)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "ListingInactive", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketNoSeatsLeft represents a NoSeatsLeft error raised by the DataLicenseMarket contract.
type DataLicenseMarketNoSeatsLeft struct {
	Id    *big.Int
	Seats uint16
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NoSeatsLeft(uint256 id, uint16 seats)
func DataLicenseMarketNoSeatsLeftErrorID() common.Hash {
	return common.HexToHash("0x7353990c6c88e792d9556c2ea8db7bceb41c98818cd437a5feba2b5feee5f61d")
}

// UnpackNoSeatsLeftError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NoSeatsLeft(uint256 id, uint16 seats)
func (dataLicenseMarket *DataLicenseMarket) UnpackNoSeatsLeftError(raw []byte) (*DataLicenseMarketNoSeatsLeft, error) {
	out := new(DataLicenseMarketNoSeatsLeft)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "NoSeatsLeft", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketNotCommitted represents a NotCommitted error raised by the DataLicenseMarket contract.
type DataLicenseMarketNotCommitted struct {
	Seller      common.Address
	ContentHash [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotCommitted(address seller, bytes32 contentHash)
func DataLicenseMarketNotCommittedErrorID() common.Hash {
	return common.HexToHash("0xe04463eb201d779ade4d8c86b59bdf02ba24bea2b2bfe5144957ff4704db9eb1")
}

// UnpackNotCommittedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotCommitted(address seller, bytes32 contentHash)
func (dataLicenseMarket *DataLicenseMarket) UnpackNotCommittedError(raw []byte) (*DataLicenseMarketNotCommitted, error) {
	out := new(DataLicenseMarketNotCommitted)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "NotCommitted", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketNotHolder represents a NotHolder error raised by the DataLicenseMarket contract.
type DataLicenseMarketNotHolder struct {
	Id     *big.Int
	Caller common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotHolder(uint256 id, address caller)
func DataLicenseMarketNotHolderErrorID() common.Hash {
	return common.HexToHash("0x2f5ea62181e76d3b40234492f2ad8a6eb05ede51021ff0cb0a2000a6639b1237")
}

// UnpackNotHolderError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotHolder(uint256 id, address caller)
func (dataLicenseMarket *DataLicenseMarket) UnpackNotHolderError(raw []byte) (*DataLicenseMarketNotHolder, error) {
	out := new(DataLicenseMarketNotHolder)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "NotHolder", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketNotSeatMember represents a NotSeatMember error raised by the DataLicenseMarket contract.
type DataLicenseMarketNotSeatMember struct {
	Id     *big.Int
	Member common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotSeatMember(uint256 id, address member)
func DataLicenseMarketNotSeatMemberErrorID() common.Hash {
	return common.HexToHash("0x6205620745ec8ab76c5a57c97f19b63651c866fbc737c00ea02d85353bed5703")
}

// UnpackNotSeatMemberError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotSeatMember(uint256 id, address member)
func (dataLicenseMarket *DataLicenseMarket) UnpackNotSeatMemberError(raw []byte) (*DataLicenseMarketNotSeatMember, error) {
	out := new(DataLicenseMarketNotSeatMember)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "NotSeatMember", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketNotSeller represents a NotSeller error raised by the DataLicenseMarket contract.
type DataLicenseMarketNotSeller struct {
	Id     *big.Int
	Caller common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotSeller(uint256 id, address caller)
func DataLicenseMarketNotSellerErrorID() common.Hash {
	return common.HexToHash("0x4a1233a90105de1d0c9a9444cfc9d5b9b32d2673a4dcf2b821fbf4cfbe478611")
}

// UnpackNotSellerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotSeller(uint256 id, address caller)
func (dataLicenseMarket *DataLicenseMarket) UnpackNotSellerError(raw []byte) (*DataLicenseMarketNotSeller, error) {
	out := new(DataLicenseMarketNotSeller)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "NotSeller", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketNothingToWithdraw represents a NothingToWithdraw error raised by the DataLicenseMarket contract.
type DataLicenseMarketNothingToWithdraw struct {
	Seller common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NothingToWithdraw(address seller)
func DataLicenseMarketNothingToWithdrawErrorID() common.Hash {
	return common.HexToHash("0xdc69dc16e4a8405b44139edda9a06ee66b303337358b6f4633533d65de15b7f4")
}

// UnpackNothingToWithdrawError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NothingToWithdraw(address seller)
func (dataLicenseMarket *DataLicenseMarket) UnpackNothingToWithdrawError(raw []byte) (*DataLicenseMarketNothingToWithdraw, error) {
	out := new(DataLicenseMarketNothingToWithdraw)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "NothingToWithdraw", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketSeatTaken represents a SeatTaken error raised by the DataLicenseMarket contract.
type DataLicenseMarketSeatTaken struct {
	Id     *big.Int
	Member common.Address
	Holder common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SeatTaken(uint256 id, address member, address holder)
func DataLicenseMarketSeatTakenErrorID() common.Hash {
	return common.HexToHash("0x7dd2f44bb40b2cf1a4ea47659fb3ce2e610abfc489f7cf73cf4424fbae6b0096")
}

// UnpackSeatTakenError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SeatTaken(uint256 id, address member, address holder)
func (dataLicenseMarket *DataLicenseMarket) UnpackSeatTakenError(raw []byte) (*DataLicenseMarketSeatTaken, error) {
	out := new(DataLicenseMarketSeatTaken)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "SeatTaken", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketTransferFailed represents a TransferFailed error raised by the DataLicenseMarket contract.
type DataLicenseMarketTransferFailed struct {
	To     common.Address
	Amount *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TransferFailed(address to, uint256 amount)
func DataLicenseMarketTransferFailedErrorID() common.Hash {
	return common.HexToHash("0x1c43b9761b3fba5321ca8212bfc231945f668ccc0c446f333999eea9ce8fda81")
}

// UnpackTransferFailedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TransferFailed(address to, uint256 amount)
func (dataLicenseMarket *DataLicenseMarket) UnpackTransferFailedError(raw []byte) (*DataLicenseMarketTransferFailed, error) {
	out := new(DataLicenseMarketTransferFailed)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "TransferFailed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketUnknownListing represents a UnknownListing error raised by the DataLicenseMarket contract.
type DataLicenseMarketUnknownListing struct {
	Id *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownListing(uint256 id)
func DataLicenseMarketUnknownListingErrorID() common.Hash {
	return common.HexToHash("0xb146165ab82178840e88d92fab3f6c79f4e559147a7f0009a73b3403a809ef6e")
}

// UnpackUnknownListingError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownListing(uint256 id)
func (dataLicenseMarket *DataLicenseMarket) UnpackUnknownListingError(raw []byte) (*DataLicenseMarketUnknownListing, error) {
	out := new(DataLicenseMarketUnknownListing)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "UnknownListing", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DataLicenseMarketWrongPrice represents a WrongPrice error raised by the DataLicenseMarket contract.
type DataLicenseMarketWrongPrice struct {
	Want *big.Int
	Got  *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error WrongPrice(uint256 want, uint256 got)
func DataLicenseMarketWrongPriceErrorID() common.Hash {
	return common.HexToHash("0x6871963ecfaa42ef4294ecf7c25a19680ce1fffd2e1762b921f1e95aa9d2f043")
}

// UnpackWrongPriceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error WrongPrice(uint256 want, uint256 got)
func (dataLicenseMarket *DataLicenseMarket) UnpackWrongPriceError(raw []byte) (*DataLicenseMarketWrongPrice, error) {
	out := new(DataLicenseMarketWrongPrice)
	if err := dataLicenseMarket.abi.UnpackIntoInterface(out, "WrongPrice", raw); err != nil {
		return nil, err
	}
	return out, nil
}
