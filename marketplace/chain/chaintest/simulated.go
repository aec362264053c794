package chaintest

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
)

// The simulated chain (ethclient/simulated) serves the tests of the parts
// that talk to contracts without a chain.Chain: contracts, catalog, ledger
// and trials. This package imports nothing of ours but marketplace/chain, so
// every one of them may use it from its own (internal) tests.

// MainnetRules pins a simulated chain to the forks live on mainnet (Osaka
// with BPO1 and BPO2), clearing the unreleased ones the dev preset enables
// (Amsterdam, Bogota, UBT...), so gas figures are those a user would pay.
// The embedded chain pins the same forks (see shared/notes/embedded-chain.md).
func MainnetRules(_ *node.Config, ethConf *ethconfig.Config) {
	cfg := *params.AllDevChainProtocolChanges
	zero := uint64(0)
	cfg.BPO1Time, cfg.BPO2Time = &zero, &zero
	cfg.BPO3Time, cfg.BPO4Time, cfg.BPO5Time = nil, nil, nil
	cfg.AmsterdamTime, cfg.BogotaTime, cfg.UBTTime = nil, nil, nil
	cfg.BlobScheduleConfig = &params.BlobScheduleConfig{
		Cancun: params.DefaultCancunBlobConfig,
		Prague: params.DefaultPragueBlobConfig,
		BPO1:   params.DefaultBPO1BlobConfig,
		BPO2:   params.DefaultBPO2BlobConfig,
	}
	ethConf.Genesis.Config = &cfg
}

// NewKeys returns n fresh secp256k1 keys.
func NewKeys(tb testing.TB, n int) []*ecdsa.PrivateKey {
	tb.Helper()
	keys := make([]*ecdsa.PrivateKey, n)
	for i := range keys {
		k, err := crypto.GenerateKey()
		if err != nil {
			tb.Fatal(err)
		}
		keys[i] = k
	}
	return keys
}

// NewSimulated starts a simulated chain under MainnetRules whose genesis
// gives each of funded wei, and closes it when the test ends. Blocks are
// sealed only on Commit (or by AutoMine).
func NewSimulated(tb testing.TB, wei *big.Int, funded ...common.Address) *simulated.Backend {
	tb.Helper()
	alloc := types.GenesisAlloc{}
	for _, a := range funded {
		alloc[a] = types.Account{Balance: new(big.Int).Set(wei)}
	}
	sim := simulated.NewBackend(alloc, MainnetRules)
	tb.Cleanup(func() {
		if err := sim.Close(); err != nil {
			tb.Error(err)
		}
	})
	return sim
}

// Addresses returns the address of each key, in order.
func Addresses(keys []*ecdsa.PrivateKey) []common.Address {
	out := make([]common.Address, len(keys))
	for i, k := range keys {
		out[i] = crypto.PubkeyToAddress(k.PublicKey)
	}
	return out
}

// ChainID returns the chain id the client reports, failing the test on error.
func ChainID(tb testing.TB, c simulated.Client) *big.Int {
	tb.Helper()
	id, err := c.ChainID(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// AutoMine is a simulated chain's client that seals a block after every
// transaction sent, as a dev node does, so code that waits for receipts
// runs against it unchanged.
type AutoMine struct {
	simulated.Client
	Sim *simulated.Backend
}

// NewAutoMine returns sim's client sealing a block per transaction.
func NewAutoMine(sim *simulated.Backend) AutoMine { return AutoMine{Client: sim.Client(), Sim: sim} }

// SendTransaction sends tx and seals the block that includes it.
func (c AutoMine) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if err := c.Client.SendTransaction(ctx, tx); err != nil {
		return err
	}
	c.Sim.Commit()
	return nil
}
