package chain_test

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
)

func openEmbedded(t *testing.T, dir string, opts ...chain.Option) *chain.Embedded {
	t.Helper()
	start := time.Now()
	e, err := chain.OpenEmbedded(context.Background(), dir, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Logf("open took %v", time.Since(start))
	return e
}

func closeEmbedded(t *testing.T, e *chain.Embedded) {
	t.Helper()
	start := time.Now()
	if err := e.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	t.Logf("close took %v", time.Since(start))
}

func newKey(t *testing.T, c chain.Chain) *bind.TransactOpts {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return bind.NewKeyedTransactor(key, big.NewInt(chain.EmbeddedChainID))
}

// TestEmbedded_survivesRestart opens a chain, funds, deploys and transacts,
// closes it, and reopens the directory: balances, code, storage and block
// numbers continue where they were.
func TestEmbedded_survivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := storeABI(t)

	e := openEmbedded(t, dir)
	dev := e.DevAddress()
	alice := newKey(t, e)
	if _, err := e.Fund(ctx, alice.From, ether("2")); err != nil {
		t.Fatal(err)
	}
	bc, deployed := deployStore(t, e, alice, a)
	store(t, e, bc, a, alice, 99)
	bob := newKey(t, e)
	if _, err := chain.Transfer(ctx, e, alice, bob.From, ether("0.5")); err != nil {
		t.Fatal(err)
	}
	aliceBefore := balance(t, e, alice.From)
	headBefore, err := e.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closeEmbedded(t, e)

	e = openEmbedded(t, dir)
	defer closeEmbedded(t, e)
	if e.DevAddress() != dev {
		t.Errorf("dev account changed from %s to %s", dev, e.DevAddress())
	}
	head, err := e.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head < headBefore {
		t.Fatalf("block number went back from %d to %d", headBefore, head)
	}
	if got := balance(t, e, alice.From); got.Cmp(aliceBefore) != 0 {
		t.Errorf("alice has %s after restart, had %s", got, aliceBefore)
	}
	if got := balance(t, e, bob.From); got.Cmp(ether("0.5")) != 0 {
		t.Errorf("bob has %s after restart, want 0.5 ETH", marketplace.FormatEther(got))
	}
	bc = bind.NewBoundContract(deployed.ContractAddress, *a, e, e, e)
	if got := readValue(t, bc, a); got != 99 {
		t.Errorf("value() = %d after restart, want 99", got)
	}
	// The chain goes on: nonces continue and new blocks follow the old ones.
	r := store(t, e, bc, a, alice, 100)
	if r.BlockNumber.Uint64() != head+1 {
		t.Errorf("new block %d, want %d", r.BlockNumber, head+1)
	}
	if got := readValue(t, bc, a); got != 100 {
		t.Errorf("value() = %d, want 100", got)
	}
}

// TestEmbedded_secondOpenIsAConflict: one process at a time per data dir.
func TestEmbedded_secondOpenIsAConflict(t *testing.T) {
	dir := t.TempDir()
	e := openEmbedded(t, dir)
	defer closeEmbedded(t, e)

	_, err := chain.OpenEmbedded(context.Background(), dir)
	if marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("second open: %v, want code %s", err, marketplace.ECONFLICT)
	}
	want := "data dir " + e.Dir() + " is in use by another medmarket process"
	if got := marketplace.ErrorMessage(err); got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

// TestEmbedded_staysSmallOnDisk: a fresh chain with a few transactions stays
// well under 64 MB (pebble's default write-ahead files alone reserve GBs).
func TestEmbedded_staysSmallOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openEmbedded(t, dir)
	alice := newKey(t, e)
	if _, err := e.Fund(ctx, alice.From, ether("1")); err != nil {
		t.Fatal(err)
	}
	a := storeABI(t)
	bc, _ := deployStore(t, e, alice, a)
	for i := int64(1); i <= 5; i++ {
		store(t, e, bc, a, alice, i)
	}
	open := dirSize(t, dir)
	closeEmbedded(t, e)
	closed := dirSize(t, dir)
	t.Logf("disk: %.2f MB open, %.2f MB closed (allocated blocks or apparent size, whichever is larger)", float64(open)/1e6, float64(closed)/1e6)
	const limit = 64 << 20
	if open > limit || closed > limit {
		t.Errorf("chain dir takes %d bytes open, %d closed; limit %d", open, closed, limit)
	}
}

// TestEmbedded_fundRefusesNothing: Fund needs a positive amount.
func TestEmbedded_fundRefusesNothing(t *testing.T) {
	e := openEmbedded(t, t.TempDir())
	defer closeEmbedded(t, e)
	if _, err := e.Fund(context.Background(), common.Address{1}, big.NewInt(0)); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("fund 0: %v", err)
	}
}

// TestEmbedded_adjustTimeMovesBlockTime: licence expiry can be exercised.
func TestEmbedded_adjustTimeMovesBlockTime(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t, t.TempDir())
	defer closeEmbedded(t, e)
	before, err := e.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.AdjustTime(48 * time.Hour); err != nil {
		t.Fatal(err)
	}
	after, err := e.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Time < before.Time+48*3600 {
		t.Errorf("block time %d, want >= %d", after.Time, before.Time+48*3600)
	}
}

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += max(info.Size(), allocated(info))
		}
		return nil
	})
	if err != nil && !strings.Contains(err.Error(), "no such file") {
		t.Fatal(err)
	}
	return total
}

// BenchmarkEmbedded_transfer measures send + seal + receipt on the embedded chain.
func BenchmarkEmbedded_transfer(b *testing.B) {
	ctx := context.Background()
	e, err := chain.OpenEmbedded(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := e.Close(); err != nil {
			b.Error(err)
		}
	}()
	to := common.Address{0x42}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Fund(ctx, to, big.NewInt(1)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEmbedded_survivesKill: what Send reported mined is on disk even when
// the process is killed without closing the chain (kill -9).
func TestEmbedded_survivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	to := common.Address{0x7e, 0x57}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmbedded_killedChild$")
	cmd.Env = append(os.Environ(), "MEDMARKET_CHAIN_CHILD_DIR="+dir, "MEDMARKET_CHAIN_CHILD_TO="+to.Hex())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Only if the test stops early: the child is killed below, and a kill
	// of a finished process fails.
	defer func() { _ = cmd.Process.Kill() }()
	var head uint64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "mined %d", &head); err == nil {
			break
		}
	}
	if head == 0 {
		t.Fatalf("child did not report its transactions: %v", sc.Err())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // reaps the child; it was killed, so Wait reports that

	e := openEmbedded(t, dir)
	defer closeEmbedded(t, e)
	got, err := e.BlockNumber(context.Background())
	if err != nil || got < head {
		t.Fatalf("block number after kill: %d (%v), want >= %d", got, err, head)
	}
	if bal := balance(t, e, to); bal.Cmp(big.NewInt(3)) != 0 {
		t.Errorf("balance after kill: %s wei, want 3", bal)
	}
}

// TestEmbedded_killedChild is the child process of TestEmbedded_survivesKill.
func TestEmbedded_killedChild(t *testing.T) {
	dir := os.Getenv("MEDMARKET_CHAIN_CHILD_DIR")
	if dir == "" {
		t.Skip("child process of TestEmbedded_survivesKill")
	}
	ctx := context.Background()
	e, err := chain.OpenEmbedded(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var r *types.Receipt
	for range 3 {
		if r, err = e.Fund(ctx, common.HexToAddress(os.Getenv("MEDMARKET_CHAIN_CHILD_TO")), big.NewInt(1)); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Printf("mined %d\n", r.BlockNumber)
	time.Sleep(time.Minute) // killed here, chain never closed
}

// TestEmbedded_lostDevKeyIsNamed: a chain whose dev key file is gone cannot
// be reopened (its genesis funds that key); the error says what is missing.
func TestEmbedded_lostDevKeyIsNamed(t *testing.T) {
	dir := t.TempDir()
	closeEmbedded(t, openEmbedded(t, dir))
	if err := os.Remove(filepath.Join(dir, "devkey")); err != nil {
		t.Fatal(err)
	}
	_, err := chain.OpenEmbedded(context.Background(), dir)
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), "lost its dev key") {
		t.Errorf("reopen without dev key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "devkey")); err == nil {
		t.Error("a new dev key was written over the lost one's place")
	}
	// The failed open released the directory: trying again is not a conflict.
	if _, err := chain.OpenEmbedded(context.Background(), dir); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("second reopen without dev key: %v", err)
	}
}

// TestEmbedded_concurrentSendersAreSerialised: bindings and transfers from
// many goroutines each get their own block, all mined.
func TestEmbedded_concurrentSendersAreSerialised(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t, t.TempDir())
	defer closeEmbedded(t, e)
	const senders, each = 4, 10
	start, _ := e.BlockNumber(ctx)
	errs := make(chan error, senders)
	for i := 0; i < senders; i++ {
		from := newKey(t, e)
		if _, err := e.Fund(ctx, from.From, ether("1")); err != nil {
			t.Fatal(err)
		}
		go func() {
			for j := 0; j < each; j++ {
				if _, err := chain.Transfer(ctx, e, from, common.Address{byte(i + 1)}, big.NewInt(1)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < senders; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	end, _ := e.BlockNumber(ctx)
	if got := end - start; got != senders+senders*each {
		t.Errorf("%d blocks for %d transactions", got, senders+senders*each)
	}
	for i := 0; i < senders; i++ {
		if b := balance(t, e, common.Address{byte(i + 1)}); b.Int64() != each {
			t.Errorf("receiver %d got %s wei, want %d", i+1, b, each)
		}
	}
}
