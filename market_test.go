package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

const patientsCSV = "../shared/data/synthea-csv/patients.csv"

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, stderr, err := runCmd(t, env, args...)
	if err != nil {
		t.Fatalf("medmarket %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// marketFlow is the scripted flow, on whatever chain env names;
// fund gives an account 10 ether.
func marketFlow(t *testing.T, env map[string]string, fund func(name, addr string)) {
	addr := map[string]string{}
	for _, n := range []string{"alice", "bob"} {
		addr[n] = strings.TrimSpace(mustRun(t, env, "account", "new", "--name", n))
		fund(n, addr[n])
	}
	id, published := flowPublishAndSearch(t, env)
	data := flowBuyAndDownload(t, env, id, published)
	flowLicenceSeats(t, env, id, addr["alice"])
	flowSellerChanges(t, env, id)
	mustRun(t, env, "delist", "--as", "alice", id)
	_, stderr, err := runCmd(t, env, "buy", "--as", "bob", id, "--yes")
	if err == nil {
		t.Fatalf("buy after delist succeeded: %s", stderr)
	}
	// The listing is gone from search, and bob's licence still works.
	if out := mustRun(t, env, "search", "synthea", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("search after delist: %s", out)
	}
	mustRun(t, env, "download", "--as", "bob", id, "--out", data)
}

// flowPublishAndSearch: alice publishes; search finds the listing. It
// returns the listing id and the file alice's buyers decrypt.
func flowPublishAndSearch(t *testing.T, env map[string]string) (id, published string) {
	published = filepath.Join(t.TempDir(), "published.csv")
	out := mustRun(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor-k5", "--title", "Synthea patients",
		"--price", "0.01", "--terms", "HMB,NCU", "--duration", "365", "--seats", "3", "--tags", "synthea,demo", "--save-copy", published)
	if id = strings.TrimSpace(out); id != "1" {
		t.Fatalf("publish printed %q, want the listing id", out)
	}
	var found []listingOut
	if err := json.Unmarshal([]byte(mustRun(t, env, "search", "synthea", "--json")), &found); err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].ID != 1 || found[0].Price != "0.01" || found[0].Terms != "HMB+NCU" || found[0].Title != "Synthea patients" || found[0].Provider == "" {
		t.Fatalf("search: %+v", found)
	}
	return id, published
}

// flowBuyAndDownload: bob buys (only with --yes) and downloads exactly
// what alice published; it returns the downloaded file.
func flowBuyAndDownload(t *testing.T, env map[string]string, id, published string) string {
	_, _, err := runCmd(t, env, "buy", "--as", "bob", id)
	if exitCode(err) != 2 {
		t.Fatalf("buy without --yes: exit %d, %v", exitCode(err), err)
	}
	mustRun(t, env, "buy", "--as", "bob", id, "--yes")
	data := filepath.Join(t.TempDir(), "data.csv")
	mustRun(t, env, "download", "--as", "bob", id, "--out", data)
	got, _ := os.ReadFile(data)
	want, _ := os.ReadFile(published)
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("downloaded %d bytes, not the %d anonymized bytes", len(got), len(want))
	}
	if bytes.Contains(got, []byte("Ssn")) || bytes.Contains(got, []byte("SSN")) {
		t.Error("the published file still has a SSN column")
	}
	return data
}

// flowLicenceSeats: bob's licence lists; he seats alice on it, then
// removes her.
func flowLicenceSeats(t *testing.T, env map[string]string, id, alice string) {
	var lics []licenceOut
	if err := json.Unmarshal([]byte(mustRun(t, env, "licences", "--as", "bob", "--json")), &lics); err != nil {
		t.Fatal(err)
	}
	if len(lics) != 1 || lics[0].ListingID != 1 || !lics[0].Valid || lics[0].Seats != 3 {
		t.Fatalf("licences: %+v", lics)
	}
	if out := mustRun(t, env, "seats", "add", "--as", "bob", id, alice); !strings.HasSuffix(out, "on listing 1: added\n") {
		t.Fatalf("seats add: %q", out)
	}
	mustRun(t, env, "seats", "remove", "--as", "bob", id, alice)
	if err := json.Unmarshal([]byte(mustRun(t, env, "licences", "--as", "bob", "--json")), &lics); err != nil || len(lics[0].Members) != 0 || lics[0].SeatsUsed != 0 {
		t.Fatalf("licences after seating and removing alice: %+v, %v", lics, err)
	}
}

// flowSellerChanges: alice withdraws and reprices; arguments are checked
// before anything else, naming what is wrong.
func flowSellerChanges(t *testing.T, env map[string]string, id string) {
	if out := mustRun(t, env, "withdraw", "--as", "alice"); out != "withdrew 0.01 ETH\n" {
		t.Fatalf("withdraw: %q", out)
	}
	if out := mustRun(t, env, "price", "--as", "alice", id, "0.02"); out != "listing 1 now costs 0.02 ETH\n" {
		t.Fatalf("price: %q", out)
	}
	for _, args := range [][]string{{"delist", "--as", "alice", "one"}, {"price", "--as", "alice", id, "cheap"}, {"seats", "add", "--as", "bob", id, "alice"}} {
		_, _, err := runCmd(t, env, args...)
		if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), `"`+args[len(args)-1]+`"`) {
			t.Errorf("%v: exit %d, %v", args, exitCode(err), err)
		}
	}
}

func TestCLI_marketFlowEmbedded(t *testing.T) {
	env := cliEnv(t)
	marketFlow(t, env, func(name, _ string) { mustRun(t, env, "chain", "fund", name, "10") })
}

func TestCLI_marketFlowAgainstGeth(t *testing.T) {
	g := chaintest.StartGeth(t)
	env := cliEnv(t)
	env[envChainRPC] = g.URL
	first := true
	marketFlow(t, env, func(name, addr string) {
		g.Fund(t, common.HexToAddress(addr), new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18)))
		if first {
			mustRun(t, env, "chain", "deploy", "--as", name)
			first = false
		}
	})
}

func TestCLI_downloadWithoutLicenceRefused(t *testing.T) {
	env := cliEnv(t)
	for _, n := range []string{"alice", "bob"} {
		mustRun(t, env, "account", "new", "--name", n)
		mustRun(t, env, "chain", "fund", n, "10")
	}
	mustRun(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor-k5", "--title", "P", "--price", "0.01", "--terms", "GRU")
	_, _, err := runCmd(t, env, "download", "--as", "bob", "1", "--out", filepath.Join(t.TempDir(), "x.csv"))
	if exitCode(err) != 5 || !strings.Contains(userMessage(err), "no valid licence") {
		t.Fatalf("download without licence: exit %d, %v", exitCode(err), err)
	}
}

// TestCLI_buyStatementsAndDownloadFormats: what the buyer states shows in
// `licences --json`; `download` picks the format from --out's extension,
// --format overrides it, an unknown one is refused naming the field.
func TestCLI_buyStatementsAndDownloadFormats(t *testing.T) {
	env := cliEnv(t)
	for _, n := range []string{"alice", "bob"} {
		mustRun(t, env, "account", "new", "--name", n)
		mustRun(t, env, "chain", "fund", n, "10")
	}
	published := filepath.Join(t.TempDir(), "published.csv")
	mustRun(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--preset", "safe-harbor-k5", "--title", "P", "--price", "0.01",
		"--terms", "HMB,IRB", "--save-copy", published)
	_, _, err := runCmd(t, env, "buy", "--as", "bob", "1", "--yes")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "Approval") {
		t.Fatalf("buy without the approval: exit %d, %v", exitCode(err), err)
	}
	mustRun(t, env, "buy", "--as", "bob", "1", "--yes", "--approval", "IRB-2026-17")
	var lics []licenceOut
	if err := json.Unmarshal([]byte(mustRun(t, env, "licences", "--as", "bob", "--json")), &lics); err != nil {
		t.Fatal(err)
	}
	if len(lics) != 1 || lics[0].Statements == nil || lics[0].Statements.Approval != "IRB-2026-17" || lics[0].Statements.Delivered == "" {
		t.Fatalf("licences: %+v", lics)
	}
	if out := mustRun(t, env, "licences", "--as", "bob"); !strings.Contains(out, "approval: IRB-2026-17") {
		t.Fatalf("licences table:\n%s", out)
	}
	// The seller sees what bob stated, as its node (the provider) received it.
	var sales struct {
		Datasets []struct {
			Statements []buyerStatementOut `json:"statements"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, env, "sales", "--as", "alice", "--json")), &sales); err != nil {
		t.Fatal(err)
	}
	if len(sales.Datasets) != 1 || len(sales.Datasets[0].Statements) != 1 || sales.Datasets[0].Statements[0].Approval != "IRB-2026-17" {
		t.Fatalf("sales: %+v", sales)
	}
	if out := mustRun(t, env, "sales", "--as", "alice"); !strings.Contains(out, "stated approval: IRB-2026-17") {
		t.Fatalf("sales table:\n%s", out)
	}

	dir := t.TempDir()
	pq := filepath.Join(dir, "data.parquet")
	if out := mustRun(t, env, "download", "--as", "bob", "1", "--out", pq); !strings.Contains(out, "parquet, converted from csv") {
		t.Fatalf("download to .parquet: %q", out)
	}
	if b, _ := os.ReadFile(pq); !bytes.HasPrefix(b, []byte("PAR1")) {
		t.Fatal("data.parquet is not a Parquet file")
	}
	forced := filepath.Join(dir, "data.parquet.csv")
	mustRun(t, env, "download", "--as", "bob", "1", "--out", pq+".bin", "--format", "csv")
	if err := os.Rename(pq+".bin", forced); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(forced)
	want, _ := os.ReadFile(published)
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("--format csv: %d bytes, want the %d published", len(got), len(want))
	}
	_, _, err = runCmd(t, env, "download", "--as", "bob", "1", "--out", filepath.Join(dir, "x"), "--format", "xlsx")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "Format") {
		t.Fatalf("--format xlsx: exit %d, %v", exitCode(err), err)
	}
}
