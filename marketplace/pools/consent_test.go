package pools

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

func TestConsent_signVerifyRoundTrip(t *testing.T) {
	cfg := testConfig(1)
	s := testKey(t, 1)
	c := signedConsent(t, s, cfg, contribution(1, 0), 12, testT0)
	if c.Account != s.Address() {
		t.Fatalf("account %s, want the signer %s", c.Account.Hex(), s.Address().Hex())
	}
	if err := c.Verify(); err != nil {
		t.Fatal(err)
	}
	// V as 0/1 verifies as well as 27/28 (wallets differ).
	low := *c
	low.Signature = bytes.Clone(c.Signature)
	low.Signature[64] -= 27
	if err := low.Verify(); err != nil {
		t.Errorf("V = 0/1: %v", err)
	}
}

func TestConsent_messageShowsWhatThePatientSigns(t *testing.T) {
	cfg := testConfig(1)
	c := signedConsent(t, testKey(t, 1), cfg, contribution(1, 0), 12, testT0)
	msg := string(c.Message())
	h := cfg.Hash()
	for _, want := range []string{"I consent", "withdraw", "chain: 1337", "pool: " + testContract.Hex(),
		"version 1", common.Bytes2Hex(h[:]), "account: " + c.Account.Hex(), "records: 12", "time: 2026-03-01T09:00:00Z"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestConsent_tamperedFieldFailsVerification(t *testing.T) {
	cfg := testConfig(1)
	cases := map[string]func(c *Consent){
		"chain":          func(c *Consent) { c.Chain++ },
		"pool":           func(c *Consent) { c.Pool = common.HexToAddress("0xc1") },
		"config version": func(c *Consent) { c.ConfigVersion++ },
		"config hash":    func(c *Consent) { c.ConfigHash[0] ^= 1 },
		"account":        func(c *Consent) { c.Account = testKey(t, 2).Address() },
		"contribution":   func(c *Consent) { c.Contribution[31] ^= 1 },
		"records":        func(c *Consent) { c.Records++ },
		"time":           func(c *Consent) { c.At = c.At.Add(time.Second) },
		"signature":      func(c *Consent) { c.Signature[10] ^= 1 },
	}
	for name, tamper := range cases {
		c := *signedConsent(t, testKey(t, 1), cfg, contribution(1, 0), 12, testT0)
		tamper(&c)
		if err := c.Verify(); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s tampered: err = %v, want EINVALID", name, err)
		}
	}
}

func TestConsentValidate_errorsNameTheField(t *testing.T) {
	cases := map[string]func(c *Consent){
		"chain":          func(c *Consent) { c.Chain = 0 },
		"pool":           func(c *Consent) { c.Pool = common.Address{} },
		"config_version": func(c *Consent) { c.ConfigVersion = 0 },
		"config_hash":    func(c *Consent) { c.ConfigHash = common.Hash{} },
		"account":        func(c *Consent) { c.Account = common.Address{} },
		"contribution":   func(c *Consent) { c.Contribution = common.Hash{} },
		"records":        func(c *Consent) { c.Records = 0 },
		"at":             func(c *Consent) { c.At = c.At.Add(time.Millisecond) },
		"signature":      func(c *Consent) { c.Signature = c.Signature[:64] },
	}
	for field, change := range cases {
		c := *signedConsent(t, testKey(t, 1), testConfig(1), contribution(1, 0), 12, testT0)
		change(&c)
		err := c.Validate()
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), field) {
			t.Errorf("%s: err = %v, want EINVALID naming it", field, err)
		}
	}
}

func TestWithdrawal_signVerifyRoundTripAndTampering(t *testing.T) {
	cfg := testConfig(1)
	s := testKey(t, 3)
	w := signedWithdrawal(t, s, cfg, testT0)
	if err := w.Verify(); err != nil {
		t.Fatal(err)
	}
	if msg := string(w.Message()); !strings.Contains(msg, "I withdraw") || !strings.Contains(msg, s.Address().Hex()) {
		t.Errorf("message does not say who withdraws:\n%s", msg)
	}
	cases := map[string]func(w *Withdrawal){
		"chain":     func(w *Withdrawal) { w.Chain++ },
		"pool":      func(w *Withdrawal) { w.Pool = common.HexToAddress("0xc1") },
		"account":   func(w *Withdrawal) { w.Account = testKey(t, 4).Address() },
		"time":      func(w *Withdrawal) { w.At = w.At.Add(time.Hour) },
		"signature": func(w *Withdrawal) { w.Signature = append(w.Signature[:64:64], 29) },
	}
	for name, tamper := range cases {
		w := *signedWithdrawal(t, s, cfg, testT0)
		tamper(&w)
		if err := w.Verify(); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s tampered: err = %v, want EINVALID", name, err)
		}
	}
}
