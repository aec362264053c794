package main

import (
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

var addressLine = regexp.MustCompile(`^0x[0-9a-fA-F]{40}\n$`)

// cliEnv is the environment of a scripted session on one data dir.
func cliEnv(t *testing.T) map[string]string {
	return map[string]string{envData: t.TempDir(), envPassphrase: "secret", envLightScrypt: "1"}
}

func chainStatus(t *testing.T, env map[string]string, args ...string) chainStatusOut {
	t.Helper()
	out, _, err := runCmd(t, env, append([]string{"chain", "status", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("chain status: %v", err)
	}
	var st chainStatusOut
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("chain status JSON: %v\n%s", err, out)
	}
	return st
}

func TestCLI_accountsAndFundingPersistAcrossCommands(t *testing.T) {
	env := cliEnv(t)
	out, _, err := runCmd(t, env, "account", "new", "--name", "alice")
	if err != nil || !addressLine.MatchString(out) {
		t.Fatalf("account new: %q, %v", out, err)
	}
	alice := strings.TrimSpace(out)

	_, _, err = runCmd(t, env, "account", "new", "--name", "alice")
	if exitCode(err) != 3 {
		t.Errorf("duplicate name: exit %d, %v", exitCode(err), err)
	}

	out, _, err = runCmd(t, env, "chain", "fund", "alice", "10")
	if err != nil || out != "alice now has 10 ETH\n" {
		t.Fatalf("chain fund: %q, %v", out, err)
	}

	// A new command (a new process in real use) sees the same chain.
	st := chainStatus(t, env)
	if !st.Embedded || st.ChainID != "1337" || st.Deployment == nil || len(st.Deployment.Contracts) != 2 {
		t.Fatalf("status: %+v", st)
	}
	if len(st.Accounts) != 1 || st.Accounts[0].Address != alice || st.Accounts[0].Balance != "10" {
		t.Fatalf("accounts: %+v", st.Accounts)
	}
	again := chainStatus(t, env)
	if again.Block != st.Block || again.Accounts[0].Balance != "10" || again.Deployment.Contracts["DataLicenseMarket"] != st.Deployment.Contracts["DataLicenseMarket"] {
		t.Errorf("state changed between commands: %+v then %+v", st, again)
	}
	out, _, _ = runCmd(t, env, "chain", "status")
	for _, want := range []string{"chain id  1337", "DataLicenseMarket", "account alice", "10 ETH"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("chain status lacks %q:\n%s", want, out)
		}
	}

	for _, tt := range []struct {
		args []string
		exit int
		msg  string
	}{
		{[]string{"chain", "fund", "nobody", "1"}, 4, "nobody"},
		{[]string{"chain", "fund", "alice", "lots"}, 2, `"lots"`},
		{[]string{"chain", "fund", "alice", "0"}, 2, "more than 0"},
	} {
		_, _, err := runCmd(t, env, tt.args...)
		if exitCode(err) != tt.exit || !strings.Contains(userMessage(err), tt.msg) {
			t.Errorf("%v: exit %d, %v", tt.args, exitCode(err), err)
		}
	}

	wrong := map[string]string{envData: env[envData], envPassphrase: "not-secret", envLightScrypt: "1"}
	_, _, err = runCmd(t, wrong, "chain", "deploy", "--as", "alice", "--force")
	if exitCode(err) != 5 || !strings.Contains(userMessage(err), "wrong passphrase") {
		t.Errorf("wrong passphrase: exit %d, %v", exitCode(err), err)
	}
	_, _, err = runCmd(t, env, "chain", "deploy", "--as", "alice")
	if exitCode(err) != 3 || !strings.Contains(userMessage(err), "--force") {
		t.Errorf("second deploy: exit %d, %v", exitCode(err), err)
	}
}

func TestCLI_importKeys(t *testing.T) {
	env := cliEnv(t)
	dir := t.TempDir()

	hexKey, _ := crypto.GenerateKey()
	hexFile := filepath.Join(dir, "key.hex")
	if err := os.WriteFile(hexFile, []byte("0x"+hex.EncodeToString(crypto.FromECDSA(hexKey))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	jsonKey, _ := crypto.GenerateKey()
	id, _ := uuid.NewRandom()
	v3, err := keystore.EncryptKey(&keystore.Key{Id: id, Address: crypto.PubkeyToAddress(jsonKey.PublicKey), PrivateKey: jsonKey},
		"metamask-pass", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	jsonFile := filepath.Join(dir, "key.json")
	if err := os.WriteFile(jsonFile, v3, 0o600); err != nil {
		t.Fatal(err)
	}

	out, _, err := runCmd(t, env, "account", "import", "--name", "hexy", "--key", hexFile)
	if err != nil || strings.TrimSpace(out) != crypto.PubkeyToAddress(hexKey.PublicKey).Hex() {
		t.Fatalf("import hex: %q, %v", out, err)
	}
	passFile := filepath.Join(dir, "pass")
	if err := os.WriteFile(passFile, []byte("metamask-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, env, "account", "import", "--name", "jason", "--key", jsonFile, "--passphrase-file", passFile)
	if err != nil || strings.TrimSpace(out) != crypto.PubkeyToAddress(jsonKey.PublicKey).Hex() {
		t.Fatalf("import v3 JSON: %q, %v", out, err)
	}
	_, _, err = runCmd(t, env, "account", "import", "--name", "bad", "--key", jsonFile)
	if exitCode(err) != 5 {
		t.Errorf("v3 JSON with the wrong passphrase: exit %d, %v", exitCode(err), err)
	}
	_, _, err = runCmd(t, env, "account", "import", "--name", "missing", "--key", filepath.Join(dir, "nope"))
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "--key") {
		t.Errorf("missing key file: exit %d, %v", exitCode(err), err)
	}

	out, _, err = runCmd(t, env, "account", "list")
	if err != nil || !strings.Contains(out, "hexy") || !strings.Contains(out, "jason") {
		t.Errorf("account list: %q, %v", out, err)
	}
}

func TestCLI_passphraseFromStdin(t *testing.T) {
	dir := t.TempDir()
	var out, errb strings.Builder
	env := envMap(map[string]string{envData: dir, envLightScrypt: "1"})
	err := run(t.Context(), []string{"account", "new", "--name", "piped"}, env, strings.NewReader("from-a-pipe\n"), &out, &errb)
	if err != nil || !addressLine.MatchString(out.String()) {
		t.Fatalf("account new with a piped passphrase: %q, %v", out.String(), err)
	}
	err = run(t.Context(), []string{"account", "new", "--name", "nopass"}, env, strings.NewReader(""), &out, &errb)
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "--passphrase-file") {
		t.Errorf("no passphrase: exit %d, %v", exitCode(err), err)
	}
}

func TestCLI_demoAccounts(t *testing.T) {
	env := cliEnv(t)
	ctx := t.Context()
	c := &cli{getenv: envMap(env), stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	a, _, err := c.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	accts, err := a.EnsureDemoAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.EnsureDemoAccounts(ctx)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err != nil || len(accts) != 3 || !accts[0].Created || again[0].Created || again[2].Address != accts[2].Address {
		t.Fatalf("demo accounts: %+v then %+v, %v", accts, again, err)
	}
	st := chainStatus(t, env)
	for _, acct := range st.Accounts {
		if acct.Balance != "100" {
			t.Errorf("demo account %s has %s ETH", acct.Name, acct.Balance)
		}
	}
	for _, role := range []string{"patient", "researcher", "sponsor"} {
		if out, _, err := runCmd(t, env, "account", "roles", role); err != nil || out != role+"\n" {
			t.Errorf("demo account %s roles: %q, %v", role, out, err)
		}
	}
}

func TestCLI_accountRoles(t *testing.T) {
	env := cliEnv(t)
	if _, _, err := runCmd(t, env, "account", "new", "--name", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, env, "account", "new", "--name", "bob", "--roles", "researcher, patient"); err != nil {
		t.Fatal(err)
	}
	_, _, err := runCmd(t, env, "account", "new", "--name", "carol", "--roles", "patient,nurse")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `"nurse"`) {
		t.Errorf("unknown role: exit %d, %v", exitCode(err), err)
	}
	for name, want := range map[string]string{"alice": "patient,researcher,sponsor\n", "bob": "patient,researcher\n"} {
		if out, _, err := runCmd(t, env, "account", "roles", name); err != nil || out != want {
			t.Errorf("roles of %s: %q, %v", name, out, err)
		}
	}
	if _, _, err := runCmd(t, env, "account", "roles", "carol"); exitCode(err) != 4 {
		t.Errorf("roles of a missing account: exit %d, %v", exitCode(err), err)
	}

	if out, _, err := runCmd(t, env, "account", "roles", "alice", "sponsor"); err != nil || out != "sponsor\n" {
		t.Fatalf("set roles: %q, %v", out, err)
	}
	if out, _, _ := runCmd(t, env, "account", "roles", "alice"); out != "sponsor\n" {
		t.Errorf("after set: %q", out)
	}
	if out, _, _ := runCmd(t, env, "account", "roles", "bob"); out != "patient,researcher\n" {
		t.Errorf("bob changed with alice: %q", out)
	}
	if _, _, err := runCmd(t, env, "account", "roles", "alice", ","); exitCode(err) != 2 {
		t.Errorf("empty set: exit %d, %v", exitCode(err), err)
	}
	wrong := map[string]string{envData: env[envData], envPassphrase: "wrong", envLightScrypt: "1"}
	if _, _, err := runCmd(t, wrong, "account", "roles", "alice", "patient"); err == nil {
		t.Error("wrong passphrase set roles")
	}
	if out, _, _ := runCmd(t, env, "account", "roles", "alice"); out != "sponsor\n" {
		t.Errorf("after the refused change: %q", out)
	}
}

// The same commands against a real geth --dev node over JSON-RPC.
func TestCLI_againstGeth(t *testing.T) {
	g := chaintest.StartGeth(t)
	env := cliEnv(t)
	env[envChainRPC] = g.URL

	out, _, err := runCmd(t, env, "account", "new", "--name", "alice")
	if err != nil {
		t.Fatal(err)
	}
	g.Fund(t, common.HexToAddress(strings.TrimSpace(out)), new(big.Int).Mul(big.NewInt(5), big.NewInt(1e18)))

	st := chainStatus(t, env)
	if st.Embedded || st.Deployment != nil || st.Endpoint != g.URL {
		t.Fatalf("before deploy: %+v", st)
	}
	out, _, err = runCmd(t, env, "chain", "deploy", "--as", "alice")
	if err != nil || !strings.Contains(out, "DataLicenseMarket") || !strings.Contains(out, "TrialRegistry") {
		t.Fatalf("chain deploy: %q, %v", out, err)
	}
	st = chainStatus(t, env)
	if st.Deployment == nil || len(st.Deployment.Contracts) != 2 || st.Block == 0 {
		t.Fatalf("after deploy: %+v", st)
	}
	// Another node on the same chain finds the contracts by flag.
	other := cliEnv(t)
	other[envChainRPC] = g.URL
	st2 := chainStatus(t, other, "--market", st.Deployment.Contracts["DataLicenseMarket"], "--registry", st.Deployment.Contracts["TrialRegistry"])
	if st2.Deployment == nil || st2.Deployment.Contracts["TrialRegistry"] != st.Deployment.Contracts["TrialRegistry"] {
		t.Errorf("other node: %+v", st2)
	}
	_, _, err = runCmd(t, other, "chain", "status", "--market", "0x000000000000000000000000000000000000dEaD")
	if exitCode(err) != 4 || !strings.Contains(userMessage(err), "no code") {
		t.Errorf("wrong market address: exit %d, %v", exitCode(err), err)
	}

	_, _, err = runCmd(t, env, "chain", "fund", "alice", "1")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "embedded chain only") {
		t.Errorf("fund on geth: exit %d, %v", exitCode(err), err)
	}
}

func TestCLI_unreachableRPC(t *testing.T) {
	env := cliEnv(t)
	_, _, err := runCmd(t, env, "chain", "status", "--chain-rpc", "http://127.0.0.1:1")
	if exitCode(err) != 6 || !strings.Contains(userMessage(err), "127.0.0.1:1") {
		t.Fatalf("exit %d: %v", exitCode(err), err)
	}
}
