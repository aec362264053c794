package chain_test

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// storeSource is the test contract, compiled with solc 0.8.37 (optimizer on,
// evmVersion prague) into storeABI and storeBin below. It stores a value,
// emits Stored, and reverts with a custom error or a require message.
//
//lint:ignore U1000 the source of storeABI and storeBin, kept to read and recompile them.
const storeSource = `
contract Store {
    uint256 public value;
    event Stored(address indexed who, uint256 value);
    error TooBig(uint256 value, uint256 max);
    function store(uint256 v) external {
        if (v > 1000) revert TooBig(v, 1000);
        value = v;
        emit Stored(msg.sender, v);
    }
    function fail(string calldata why) external pure { require(false, why); }
}`

const storeABIJSON = `[{"inputs":[{"internalType":"uint256","name":"value","type":"uint256"},{"internalType":"uint256","name":"max","type":"uint256"}],"name":"TooBig","type":"error"},{"anonymous":false,"inputs":[{"indexed":true,"internalType":"address","name":"who","type":"address"},{"indexed":false,"internalType":"uint256","name":"value","type":"uint256"}],"name":"Stored","type":"event"},{"inputs":[{"internalType":"string","name":"why","type":"string"}],"name":"fail","outputs":[],"stateMutability":"pure","type":"function"},{"inputs":[{"internalType":"uint256","name":"v","type":"uint256"}],"name":"store","outputs":[],"stateMutability":"nonpayable","type":"function"},{"inputs":[],"name":"value","outputs":[{"internalType":"uint256","name":"","type":"uint256"}],"stateMutability":"view","type":"function"}]`

const storeBin = "0x6080604052348015600e575f5ffd5b506101f98061001c5f395ff3fe608060405234801561000f575f5ffd5b506004361061003f575f3560e01c80633fa4f245146100435780636057361d1461005d57806378122f3a14610072575b5f5ffd5b61004b5f5481565b60405190815260200160405180910390f35b61007061006b366004610110565b610085565b005b610070610080366004610127565b6100f4565b6103e88111156100b857604051631ab6737f60e21b8152600481018290526103e860248201526044015b60405180910390fd5b5f81905560405181815233907febfcf7c0a1b09f6499e519a8d8bb85ce33cd539ec6cbd964e116cd74943ead1a9060200160405180910390a250565b818160405162461bcd60e51b81526004016100af929190610195565b5f60208284031215610120575f5ffd5b5035919050565b5f5f60208385031215610138575f5ffd5b823567ffffffffffffffff81111561014e575f5ffd5b8301601f8101851361015e575f5ffd5b803567ffffffffffffffff811115610174575f5ffd5b856020828401011115610185575f5ffd5b6020919091019590945092505050565b60208152816020820152818360408301375f818301604090810191909152601f909201601f1916010191905056fea2646970667358221220dd93d03e67d045ed951345cd0a78bfe48f1e6f6e45a7772e4e7b874ee6cba79564736f6c63430008250033"

func storeABI(t testing.TB) *abi.ABI {
	t.Helper()
	a, err := abi.JSON(strings.NewReader(storeABIJSON))
	if err != nil {
		t.Fatal(err)
	}
	return &a
}

func storeCode() []byte { return common.FromHex(storeBin) }
