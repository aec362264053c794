// Package chaintest runs the chain package's backends for tests: the
// embedded chain in a temporary directory and a real geth --dev node over
// JSON-RPC, with funded test accounts. Other packages' tests use it to run
// the same flow on both.
package chaintest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// GethVersion is the geth release the tests run against. v1.17.8 is the
// newest that `go install` builds (later tags carry replace directives).
const GethVersion = "v1.17.8"

// InstallCommand installs the geth the tests need.
const InstallCommand = "go install github.com/ethereum/go-ethereum/cmd/geth@" + GethVersion

// GethChainID is the chain id of geth --dev.
const GethChainID = 1337

// GethPath finds the geth binary: $MEDMARKET_GETH, else geth on PATH, else
// $(go env GOPATH)/bin/geth.
func GethPath() (string, error) {
	if p := os.Getenv("MEDMARKET_GETH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("MEDMARKET_GETH=%s: %w", p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("geth"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "geth")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("geth not found in $MEDMARKET_GETH, on PATH or in $(go env GOPATH)/bin")
}

// Geth is a geth --dev node started for one test, sealing a block as each
// transaction arrives (--dev.period 0), its data in a temporary directory.
type Geth struct {
	URL     string         // HTTP JSON-RPC endpoint
	WSURL   string         // WebSocket JSON-RPC endpoint
	DataDir string         // geth's --datadir
	Dev     common.Address // the dev account: funded, unlocked, eth_accounts[0]

	rpc    *rpc.Client
	mu     sync.Mutex // serialises funding: eth_sendTransaction picks nonces
	cmd    *exec.Cmd
	exited chan struct{}
	log    *bytes.Buffer
}

// EnvStrict, set by build/test.sh (which installs every part the tests
// need), turns a skip for a missing part into a failure: there, a missing
// part means the set-up broke, not that the machine lacks it.
const EnvStrict = "MEDMARKET_TEST_STRICT"

// Missing skips the test for a part this machine lacks, or fails it under
// the test command (EnvStrict).
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvStrict) != "" {
		t.Fatalf("missing although the test command installs it: "+format, args...)
	}
	t.Skipf(format, args...)
}

// StartGeth starts geth --dev for the test and stops it at cleanup. When no
// geth binary is found it skips the test (fails it under the test command),
// naming the install command.
func StartGeth(t testing.TB) *Geth {
	t.Helper()
	bin, err := GethPath()
	if err != nil {
		Missing(t, "%v; install it with: %s", err, InstallCommand)
	}
	g, err := launchGeth(bin, t.TempDir())
	if err != nil {
		t.Fatalf("cannot start geth: %v", err)
	}
	t.Cleanup(func() {
		if err := g.stop(); err != nil {
			t.Logf("stopping geth: %v", err)
		}
	})
	return g
}

// shared is the geth that SharedGeth hands out when the tests run under Run.
var shared struct {
	sync.Mutex
	enabled bool
	g       *Geth
	dir     string
	err     error
}

// Run runs a package's tests (call it from TestMain) and stops the geth
// they shared afterwards. Under Run, SharedGeth and GethBackend start one
// geth for the whole package instead of one per test, which saves a few
// seconds per test; tests must then not depend on a fresh chain (use fresh
// accounts, as Backend.NewAccount gives).
//
//	func TestMain(m *testing.M) { os.Exit(chaintest.Run(m)) }
func Run(m *testing.M) int {
	shared.Lock()
	shared.enabled = true
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	defer shared.Unlock()
	if shared.g != nil {
		if err := shared.g.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "chaintest: stopping the shared geth:", err)
		}
		if err := os.RemoveAll(shared.dir); err != nil {
			fmt.Fprintln(os.Stderr, "chaintest: removing the shared geth's directory:", err)
		}
	}
	return code
}

// SharedGeth returns the package's shared geth when the tests run under Run,
// starting it on first use, and a geth of the test's own (StartGeth)
// otherwise. It skips the test when geth is not installed.
func SharedGeth(t testing.TB) *Geth {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.enabled {
		return StartGeth(t)
	}
	if shared.g == nil && shared.err == nil {
		bin, err := GethPath()
		if err != nil {
			Missing(t, "%v; install it with: %s", err, InstallCommand)
		}
		if shared.dir, shared.err = os.MkdirTemp("", "medmarket-geth-"); shared.err == nil {
			shared.g, shared.err = launchGeth(bin, shared.dir)
		}
	}
	if shared.err != nil {
		t.Fatalf("cannot start the shared geth: %v", shared.err)
	}
	return shared.g
}

// launchGeth starts geth --dev with its data in dir and waits until it
// answers, retrying on other ports: a port found free can be taken before
// geth binds it.
func launchGeth(bin, dir string) (*Geth, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		g, err := launchGethOnce(bin, filepath.Join(dir, fmt.Sprintf("geth-%d", attempt)))
		if err == nil {
			return g, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launchGethOnce(bin, dir string) (*Geth, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	httpPort, wsPort, authPort := ports[0], ports[1], ports[2]
	args := []string{
		"--dev", "--dev.period", "0",
		"--datadir", dir,
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(httpPort), "--http.api", "eth,net,web3",
		"--ws", "--ws.addr", "127.0.0.1", "--ws.port", strconv.Itoa(wsPort), "--ws.api", "eth,net,web3",
		"--authrpc.port", strconv.Itoa(authPort),
		"--ipcdisable", "--nodiscover", "--maxpeers", "0", "--port", "0",
		// Small caches keep pebble from preallocating large write-ahead files.
		"--cache", "64",
		"--verbosity", "2",
	}
	g := &Geth{
		URL:     fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		WSURL:   fmt.Sprintf("ws://127.0.0.1:%d", wsPort),
		DataDir: dir,
		exited:  make(chan struct{}),
		log:     new(bytes.Buffer),
	}
	g.cmd = exec.Command(bin, args...)
	g.cmd.Stdout = &lockedWriter{w: g.log}
	g.cmd.Stderr = g.cmd.Stdout
	g.cmd.SysProcAttr = dieWithParent()
	if err := g.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = g.cmd.Wait() // an exit status after our interrupt is expected; waitReady reports an early death
		close(g.exited)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := g.waitReady(ctx); err != nil {
		return nil, fmt.Errorf("%w\ngeth log:\n%s", errors.Join(err, g.stop()), g.logTail())
	}
	return g, nil
}

// waitReady waits until the HTTP endpoint answers and the dev account is known.
func (g *Geth) waitReady(ctx context.Context) error {
	for {
		select {
		case <-g.exited:
			return errors.New("geth exited during start-up")
		case <-ctx.Done():
			return errors.New("geth did not answer on " + g.URL + " within a minute")
		case <-time.After(50 * time.Millisecond):
		}
		c, err := rpc.DialContext(ctx, g.URL)
		if err != nil {
			continue
		}
		var accounts []common.Address
		if err := c.CallContext(ctx, &accounts, "eth_accounts"); err != nil || len(accounts) == 0 {
			c.Close()
			continue
		}
		g.rpc, g.Dev = c, accounts[0]
		return nil
	}
}

// Fund sends wei from the dev account to `to` and waits until it is mined.
func (g *Geth) Fund(t testing.TB, to common.Address, wei *big.Int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := g.FundContext(ctx, to, wei); err != nil {
		t.Fatalf("fund %s: %v", to.Hex(), err)
	}
}

// FundContext is Fund for code that has no testing.TB.
func (g *Geth) FundContext(ctx context.Context, to common.Address, wei *big.Int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var hash common.Hash
	err := g.rpc.CallContext(ctx, &hash, "eth_sendTransaction", map[string]any{
		"from":  g.Dev,
		"to":    to,
		"value": (*hexutil.Big)(wei),
	})
	if err != nil {
		return err
	}
	for {
		var receipt map[string]any
		if err := g.rpc.CallContext(ctx, &receipt, "eth_getTransactionReceipt", hash); err == nil && receipt != nil {
			if receipt["status"] != "0x1" {
				return fmt.Errorf("funding transaction %s failed", hash.Hex())
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop interrupts geth, waits for a clean exit, and kills it after 15 s.
func (g *Geth) stop() error {
	if g.rpc != nil {
		g.rpc.Close()
	}
	select {
	case <-g.exited:
		return nil
	default:
	}
	if err := g.cmd.Process.Signal(os.Interrupt); errors.Is(err, os.ErrProcessDone) {
		<-g.exited
		return nil
	} else if err != nil {
		return fmt.Errorf("interrupt geth: %w", err)
	}
	select {
	case <-g.exited:
		return nil
	case <-time.After(15 * time.Second):
		kerr := g.cmd.Process.Kill()
		<-g.exited
		if kerr != nil {
			return fmt.Errorf("kill geth: %w", kerr)
		}
		return errors.New("geth did not stop within 15 s after an interrupt; killed")
	}
}

func (g *Geth) logTail() string {
	s := g.cmd.Stdout.(*lockedWriter).String()
	if len(s) > 4000 {
		s = "..." + s[len(s)-4000:]
	}
	return s
}

// freePorts returns n distinct TCP ports free on 127.0.0.1 right now.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("no free port: %w", err)
		}
		defer func() { _ = l.Close() }() // held open only so the next port differs
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
