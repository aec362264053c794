package pools

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// testRecipient is an age X25519 recipient (from age's documentation).
const testRecipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

var (
	testChain    = uint64(1337)
	testContract = common.HexToAddress("0x00000000000000000000000000000000000000c0")
	testT0       = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
)

// keySigner signs like vault.Signer.SignPersonal, with a real secp256k1 key.
type keySigner struct{ key *ecdsa.PrivateKey }

func (s keySigner) Address() common.Address { return crypto.PubkeyToAddress(s.key.PublicKey) }

func (s keySigner) SignPersonal(msg []byte) ([]byte, error) {
	sig, err := crypto.Sign(accounts.TextHash(msg), s.key)
	if err != nil {
		return nil, err
	}
	sig[crypto.RecoveryIDOffset] += 27
	return sig, nil
}

// testKey returns the n-th deterministic test key (n >= 0).
func testKey(t testing.TB, n int) keySigner {
	t.Helper()
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], uint64(n))
	d := sha256.Sum256(append([]byte("pools test key "), seed[:]...))
	k, err := crypto.ToECDSA(d[:])
	if err != nil {
		t.Fatal(err)
	}
	return keySigner{k}
}

// testPipeline is a pool pipeline a patient's node can run: Safe Harbor, age in 10-year intervals,
// sex as it is, and a diagnosis kept as sensitive.
func testPipeline() *anonymize.Config {
	qi, sens := anonymize.RoleQuasi, anonymize.RoleSensitive
	return &anonymize.Config{
		Columns: map[string]anonymize.ColumnConfig{
			"age":       {Role: &qi, Hierarchy: &anonymize.HierarchySpec{Auto: "interval", Width: 10}},
			"sex":       {Role: &qi},
			"diagnosis": {Role: &sens},
		},
		Transforms: []anonymize.TransformConfig{
			{Name: "safe-harbor"},
			{Name: "generalize", Params: anonymize.Params{"levels": map[string]any{"age": 1}}},
		},
	}
}

// testConfig returns a valid configuration of version v.
func testConfig(v int) *Config {
	return &Config{
		Version:        v,
		Name:           "Type 2 diabetes, 2015-2025, adults in the US",
		Description:    "Encounters and conditions of adults with type 2 diabetes.",
		Chain:          testChain,
		Contract:       testContract,
		Operator:       common.HexToAddress("0x00000000000000000000000000000000000000a0"),
		Hub:            "https://hub.example.org/provider",
		FeeBasisPoints: 1000,
		Pipeline:       testPipeline(),
		K:              2,
		Price:          big.NewInt(1e15),
		Terms:          marketplace.Terms{Use: marketplace.HMB | marketplace.NCU, DurationDays: 365},
		Recipient:      testRecipient,
		At:             testT0.Add(time.Duration(v-1) * 24 * time.Hour),
	}
}

// contribution is a made-up contribution hash for account n.
func contribution(n, round int) common.Hash {
	return sha256.Sum256([]byte(strings.Repeat("c", n%7) + string(rune('a'+round)) + common.BigToHash(big.NewInt(int64(n))).Hex()))
}

// signedConsent returns signer's consent to cfg for a contribution of records rows.
func signedConsent(t testing.TB, s keySigner, cfg *Config, contrib common.Hash, records int, at time.Time) *Consent {
	t.Helper()
	c := &Consent{Chain: cfg.Chain, Pool: cfg.Contract, ConfigVersion: cfg.Version, ConfigHash: cfg.Hash(),
		Contribution: contrib, Records: records, At: at}
	if err := c.Sign(s); err != nil {
		t.Fatal(err)
	}
	return c
}

func signedWithdrawal(t testing.TB, s keySigner, cfg *Config, at time.Time) *Withdrawal {
	t.Helper()
	w := &Withdrawal{Chain: cfg.Chain, Pool: cfg.Contract, At: at}
	if err := w.Sign(s); err != nil {
		t.Fatal(err)
	}
	return w
}

// leaf marshals e as a log leaf, failing the test when it does not marshal.
func leaf(t testing.TB, e Entry) []byte {
	t.Helper()
	b, err := e.Marshal()
	if err != nil {
		t.Fatalf("marshal %s entry: %v", e.Kind, err)
	}
	return b
}

// release returns release version v of cfg over ms, with its root.
func release(v int, cfg *Config, listing uint64, ms []Member, at time.Time) *Release {
	return &Release{Version: v, ConfigVersion: cfg.Version, ListingID: listing,
		ContentHash: sha256.Sum256([]byte{byte(v), byte(listing)}), Members: ms, Root: ContributionsRoot(ms), At: at}
}
