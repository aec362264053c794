package chain_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

func TestDial_unreachableNodeIsUnavailableNamingTheURL(t *testing.T) {
	// A port that was free a moment ago: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	for _, url := range []string{"http://" + addr, "ws://" + addr} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := chain.Dial(ctx, url, 1337)
		cancel()
		if marketplace.ErrorCode(err) != marketplace.EUNAVAILABLE {
			t.Errorf("dial %s: %v, want code %s", url, err, marketplace.EUNAVAILABLE)
		}
		if msg := marketplace.ErrorMessage(err); !strings.Contains(msg, url) || !strings.Contains(msg, "unreachable") {
			t.Errorf("dial %s: message %q does not name the URL and the cause", url, msg)
		}
	}
}

func TestDial_refusesBadURLs(t *testing.T) {
	for _, url := range []string{"", "localhost:8545", "ftp://example.org", "http://"} {
		_, err := chain.Dial(context.Background(), url, 0)
		if marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("dial %q: %v, want code %s", url, err, marketplace.EINVALID)
		}
	}
}

func TestDial_hidesPasswordsInMessages(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = chain.Dial(context.Background(), "http://user:s3cret@"+addr, 0)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v shows the password", err)
	}
}

// dialClosed dials url expecting chainID (0: the node's), and closes the
// connection when the test ends.
func dialClosed(t *testing.T, url string, chainID uint64) *chain.Remote {
	t.Helper()
	r, err := chain.Dial(context.Background(), url, chainID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// TestDial_gethOverHTTPAndWebSocket: the same node over both transports;
// a wrong chain id is refused.
func TestDial_gethOverHTTPAndWebSocket(t *testing.T) {
	g := chaintest.SharedGeth(t)
	ctx := context.Background()
	for _, url := range []string{g.URL, g.WSURL} {
		r, err := chain.Dial(ctx, url, chaintest.GethChainID)
		if err != nil {
			t.Fatalf("dial %s: %v", url, err)
		}
		if r.Endpoint() != url {
			t.Errorf("endpoint %q, want %q", r.Endpoint(), url)
		}
		if _, err := r.BlockNumber(ctx); err != nil {
			t.Errorf("%s: block number: %v", url, err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("close %s: %v", url, err)
		}
	}
	_, err := chain.Dial(ctx, g.URL, 1)
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "serves chain id 1337, not the 1") {
		t.Errorf("dial with chain id 1: %v", err)
	}
	// Chain id 0 takes the node's.
	r := dialClosed(t, g.URL, 0)
	if id, _ := r.ChainID(ctx); id.Uint64() != chaintest.GethChainID {
		t.Errorf("chain id %s", id)
	}

	// Heads arrive over the WebSocket subscription too.
	ws := dialClosed(t, g.WSURL, 0)
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	heads := make(chan uint64, 8)
	done := make(chan error, 1)
	go func() { done <- ws.WatchHeads(wctx, heads) }()
	var first uint64
	select {
	case first = <-heads:
	case err := <-done:
		t.Fatalf("watch heads: %v", err)
	}
	g.Fund(t, common.Address{9}, big.NewInt(1))
	select {
	case n := <-heads:
		if n != first+1 {
			t.Errorf("head %d after %d", n, first)
		}
	case err := <-done:
		t.Errorf("watch ended before a new head: %v", err)
		return
	case <-wctx.Done():
		t.Error("no new head over WebSocket")
	}
	// The watch ends with its context, and with nothing else.
	cancel()
	if err := <-done; !errors.Is(err, wctx.Err()) {
		t.Errorf("watch ended with %v, want %v", err, wctx.Err())
	}
}

// TestWaitMined_toleratesIndexingAndPollsFast: a node that answers
// "transaction indexing is in progress" is waited for, and the receipt is
// picked up within tens of milliseconds of appearing.
func TestWaitMined_toleratesIndexingAndPollsFast(t *testing.T) {
	hash := common.HexToHash("0xabc")
	receipt := &types.Receipt{Type: types.DynamicFeeTxType, Status: types.ReceiptStatusSuccessful, TxHash: hash,
		BlockNumber: big.NewInt(5), BlockHash: common.HexToHash("0x5"), GasUsed: 21000, CumulativeGasUsed: 21000,
		EffectiveGasPrice: big.NewInt(1), Logs: []*types.Log{}}
	var calls atomic.Int32
	var readyAt atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("decode request: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reply := map[string]any{"jsonrpc": "2.0", "id": req.ID}
		switch req.Method {
		case "eth_chainId":
			reply["result"] = "0x539"
		case "eth_getTransactionReceipt":
			switch n := calls.Add(1); {
			case n <= 3:
				reply["error"] = map[string]any{"code": -32000, "message": "transaction indexing is in progress"}
			case n <= 5:
				reply["result"] = nil
			default:
				if n == 6 {
					readyAt.Store(time.Now().UnixNano())
				}
				reply["result"] = receipt
			}
		default:
			reply["error"] = map[string]any{"code": -32601, "message": "method not found"}
		}
		if err := json.NewEncoder(w).Encode(reply); err != nil {
			t.Errorf("encode reply: %v", err)
		}
	}))
	defer srv.Close()

	r, err := chain.Dial(context.Background(), srv.URL, 1337)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	}()
	start := time.Now()
	got, err := r.WaitMined(context.Background(), hash)
	if err != nil {
		t.Fatal(err)
	}
	if got.TxHash != hash || got.BlockNumber.Uint64() != 5 {
		t.Errorf("receipt %+v", got)
	}
	// Five misses at 25 ms each: well under bind.WaitMined's one second per poll.
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("waited %v for a receipt available after 5 polls", d)
	}
	t.Logf("waited %v over %d polls", time.Since(start), calls.Load())
}
