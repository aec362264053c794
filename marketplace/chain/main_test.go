package chain_test

import (
	"log/slog"
	"os"
	"testing"

	"github.com/ethereum/go-ethereum/log"

	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

// TestMain shares one geth --dev across the package's tests. CHAIN_DEBUG=1
// shows the embedded node's log.
func TestMain(m *testing.M) {
	if os.Getenv("CHAIN_DEBUG") != "" {
		log.SetDefault(log.NewLogger(log.NewTerminalHandlerWithLevel(os.Stderr, slog.LevelDebug, false)))
	}
	os.Exit(chaintest.Run(m))
}
