package trials

import (
	"log/slog"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// Config tells New where the trials live and which chain registers them.
type Config struct {
	// DB is the node's buntdb (SyncPolicy Always). The service keeps its
	// trials under "trial:" keys and the ledger under "ledger:" keys.
	DB *buntdb.DB
	// KeyDir holds the log signing key (ledger.key) and the pseudonym secret
	// (pseudonym.key); both are made on first use.
	KeyDir string
	// Chain, ChainID and Registry locate the TrialRegistry contract; with a
	// nil Chain or a zero Registry, registering and anchoring are
	// EUNAVAILABLE (reading and exporting still work).
	Chain Backend
	// Sender sends the register, amend and anchor transactions; nil sends
	// them straight to Chain (backendSender), which queues them only
	// with each other. A node passes the sender that queues each account's
	// transactions with all others it sends (buys, transfers), so none of
	// them clash on a nonce.
	Sender    Sender
	ChainID   *big.Int
	Registry  common.Address
	FromBlock uint64 // the registry's deployment block, where event searches start
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service registers trials and records, anchors, exports and verifies their
// steps. Safe for concurrent use; the steps of one trial are appended one
// batch at a time.
type Service struct {
	db       *buntdb.DB
	ledger   *ledger.Ledger
	reg      *registry // nil without a chain
	anchorer *sponsorAnchorer
	ps       *pseudonymizer
	now      func() time.Time
	log      *slog.Logger
	chainID  *big.Int
	regAddr  common.Address
	keepFor  atomic.Int64 // how long a sponsor's key stays unlocked for scheduled anchoring; 0: not at all

	mu   sync.Mutex
	logs map[common.Hash]*logState
}

// New opens the trial service on cfg.DB.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.KeyDir == "" {
		return nil, marketplace.Errorf(marketplace.EINTERNAL, "trials: DB and KeyDir required")
	}
	s := &Service{db: cfg.DB, now: cfg.Now, log: cfg.Logger, chainID: cfg.ChainID, regAddr: cfg.Registry, logs: map[common.Hash]*logState{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	secret, err := loadSecret(cfg.KeyDir)
	if err != nil {
		return nil, err
	}
	if s.ps, err = newPseudonymizer(secret); err != nil {
		return nil, err
	}
	lcfg := ledger.Config{KeyDir: cfg.KeyDir, Logger: s.log}
	if cfg.Chain != nil && cfg.Registry != (common.Address{}) {
		s.reg = newRegistry(cfg.Chain, cfg.Sender, cfg.Registry, cfg.FromBlock)
		s.anchorer = newSponsorAnchorer(cfg.Chain, cfg.Sender, cfg.Registry, cfg.ChainID, cfg.FromBlock, s.sponsorOf, s.now)
		lcfg.Anchorer = s.anchorer
	}
	if s.ledger, err = ledger.New(cfg.DB, lcfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Ledger returns the ledger that holds the trials' logs.
func (s *Service) Ledger() *ledger.Ledger { return s.ledger }

func (s *Service) needChain() error {
	if s.reg == nil {
		return marketplace.Errorf(marketplace.EUNAVAILABLE, "No TrialRegistry contract on this node's chain: deploy the contracts first (medmarket chain deploy).")
	}
	return nil
}
