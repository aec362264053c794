package chain_test

import (
	"os"
	"log/slog"
	"github.com/ethereum/go-ethereum/log"
)

func init() {
	if os.Getenv("CHAIN_DEBUG") != "" {
		log.SetDefault(log.NewLogger(log.NewTerminalHandlerWithLevel(os.Stderr, slog.LevelDebug, false)))
	}
}
