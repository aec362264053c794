package marketplace_test

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

func TestValidateAccountName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"Lab-7.team_b", true},
		{"patient1", true},
		{strings.Repeat("a", marketplace.MaxAccountNameLen), true},
		{"", false},
		{strings.Repeat("a", marketplace.MaxAccountNameLen+1), false},
		{"-alice", false},
		{"al ice", false},
		{"alice/../bob", false},
		{"0x52908400098527886E0F7030069857D2E4169EE7", false},
	} {
		err := marketplace.ValidateAccountName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateAccountName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("ValidateAccountName(%q): code %q", tc.name, marketplace.ErrorCode(err))
		}
	}
}

func TestAccount_Validate(t *testing.T) {
	if err := (marketplace.Account{Name: "alice"}).Validate(); err == nil {
		t.Error("account without address accepted")
	}
	if err := (marketplace.Account{Name: "alice", Address: common.Address{1}}).Validate(); err != nil {
		t.Error(err)
	}
}
