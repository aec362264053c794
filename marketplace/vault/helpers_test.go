package vault_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
)

func keyFromECDSA(priv interface{}) *keystore.Key {
	k := priv.(*ecdsa.PrivateKey)
	return &keystore.Key{Id: uuid.New(), Address: crypto.PubkeyToAddress(k.PublicKey), PrivateKey: k}
}

// metaMaskJSON rewrites a geth key file the way ethers.js-based wallets
// (MetaMask, MyEtherWallet) write theirs: "Crypto" capitalised, no "address",
// an extra "x-ethers" section.
func metaMaskJSON(t *testing.T, gethJSON []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(gethJSON, &m); err != nil {
		t.Fatal(err)
	}
	m["Crypto"] = m["crypto"]
	delete(m, "crypto")
	delete(m, "address")
	m["x-ethers"] = map[string]any{"client": "ethers.js", "version": "0.1"}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// scryptN reads the scrypt cost parameter of the key file for addr in dir.
func scryptN(t *testing.T, dir string, addr common.Address) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		var f struct {
			Address string `json:"address"`
			Crypto  struct {
				KDFParams struct {
					N int `json:"n"`
				} `json:"kdfparams"`
			} `json:"crypto"`
		}
		if json.Unmarshal(data, &f) == nil && common.HexToAddress(f.Address) == addr {
			return f.Crypto.KDFParams.N
		}
	}
	t.Fatalf("no key file for %s in %s", addr, dir)
	return 0
}
