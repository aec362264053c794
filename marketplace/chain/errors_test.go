package chain_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
)

func TestEther_formatAndParse(t *testing.T) {
	for _, tc := range []struct {
		text string
		wei  string
	}{
		{"0", "0"},
		{"1", "1000000000000000000"},
		{"0.25", "250000000000000000"},
		{"0.000000000000000001", "1"},
		{"1234.5", "1234500000000000000000"},
	} {
		wei, _ := new(big.Int).SetString(tc.wei, 10)
		if got := marketplace.FormatEther(wei); got != tc.text {
			t.Errorf("FormatEther(%s) = %q, want %q", tc.wei, got, tc.text)
		}
		got, err := marketplace.ParseEther(tc.text)
		if err != nil || got.Cmp(wei) != 0 {
			t.Errorf("ParseEther(%q) = %v, %v; want %s", tc.text, got, err, tc.wei)
		}
	}
	for _, bad := range []string{"", "abc", "-1", "0.0000000000000000001"} {
		if _, err := marketplace.ParseEther(bad); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("ParseEther(%q): %v, want EINVALID", bad, err)
		}
	}
}

func TestDecodeRevert(t *testing.T) {
	a := storeABI(t)
	tooBig, err := a.Errors["TooBig"].Inputs.Pack(big.NewInt(5000), big.NewInt(1000))
	if err != nil {
		t.Fatal(err)
	}
	id := a.Errors["TooBig"].ID
	tooBig = append(append([]byte(nil), id[:4]...), tooBig...)
	errorString := common.FromHex("0x08c379a0" +
		"0000000000000000000000000000000000000000000000000000000000000020" +
		"000000000000000000000000000000000000000000000000000000000000000a" +
		"6e6f206c6963656e636500000000000000000000000000000000000000000000") // "no licence"
	panic11 := common.FromHex("0x4e487b71" + "0000000000000000000000000000000000000000000000000000000000000011")
	for _, tc := range []struct {
		name       string
		data       []byte
		abis       bool
		wantName   string
		wantReason string
	}{
		{"custom error with its ABI", tooBig, true, "TooBig", "TooBig(value: 5000, max: 1000)"},
		{"custom error without its ABI", tooBig, false, "", "custom error 0x6ad9cdfc"},
		{"require message", errorString, false, "Error", "no licence"},
		{"panic", panic11, false, "Panic", "panic: arithmetic underflow or overflow"},
		{"no data", nil, false, "", ""},
		{"short data", []byte{1, 2}, false, "", "invalid revert data 0x0102"},
	} {
		var name, reason string
		if tc.abis {
			name, reason = chain.DecodeRevert(tc.data, a)
		} else {
			name, reason = chain.DecodeRevert(tc.data)
		}
		if name != tc.wantName || reason != tc.wantReason {
			t.Errorf("%s: got %q %q, want %q %q", tc.name, name, reason, tc.wantName, tc.wantReason)
		}
	}
}
