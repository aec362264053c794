package chain_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
)

func TestDeployments_roundTripByChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), chain.DeploymentsFile)
	ds, err := chain.ReadDeployments(path)
	if err != nil || len(ds) != 0 {
		t.Fatalf("missing file: %v, %v", ds, err)
	}
	dev := &chain.Deployment{ChainID: 1337, GenesisHash: common.HexToHash("0x01"),
		Contracts: map[string]common.Address{"DataLicenseMarket": {1}, "TrialRegistry": {2}}, DeployBlock: 3}
	sepolia := &chain.Deployment{ChainID: 11155111, Contracts: map[string]common.Address{"DataLicenseMarket": {9}}, DeployBlock: 7_000_000}
	for _, d := range []*chain.Deployment{sepolia, dev} {
		if err := ds.Put(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := ds.Write(path); err != nil {
		t.Fatal(err)
	}
	got, err := chain.ReadDeployments(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ds) {
		t.Errorf("read back %+v, wrote %+v", got, ds)
	}
	d, err := got.For(1337)
	if err != nil {
		t.Fatal(err)
	}
	if addr, err := d.Address("TrialRegistry"); err != nil || addr != (common.Address{2}) {
		t.Errorf("TrialRegistry at %s, %v", addr, err)
	}
	if _, err := d.Address("Nope"); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("unknown contract: %v", err)
	}
	if _, err := got.For(1); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("unknown chain: %v", err)
	}
}

func TestDeployments_refuseBadInput(t *testing.T) {
	ds := chain.Deployments{}
	for _, d := range []*chain.Deployment{
		nil,
		{Contracts: map[string]common.Address{"A": {1}}},
		{ChainID: 1},
		{ChainID: 1, Contracts: map[string]common.Address{"A": {}}},
	} {
		if err := ds.Put(d); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("put %+v: %v", d, err)
		}
	}
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := chain.ReadDeployments(path); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("read malformed file: %v", err)
	}
}

// TestDeployment_checkAgainstTheChain: a deployment matches the chain that has
// its code and genesis, and names what is wrong on another chain.
func TestDeployment_checkAgainstTheChain(t *testing.T) {
	ctx := context.Background()
	b := chaintest.Embedded(t)
	alice := b.NewAccount(t, ether("1"))
	_, deployed := deployStore(t, b.Chain, alice, storeABI(t))
	genesis, err := b.Chain.HeaderByNumber(ctx, common.Big0)
	if err != nil {
		t.Fatal(err)
	}
	d := &chain.Deployment{ChainID: chain.EmbeddedChainID, GenesisHash: genesis.Hash(),
		Contracts: map[string]common.Address{"Store": deployed.ContractAddress}, DeployBlock: deployed.BlockNumber.Uint64()}
	if err := d.Check(ctx, b.Chain); err != nil {
		t.Errorf("check: %v", err)
	}
	// Another embedded chain has the same id but another genesis (its own dev key).
	other := chaintest.Embedded(t)
	if err := d.Check(ctx, other.Chain); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("check on another chain: %v", err)
	}
	d.GenesisHash = common.Hash{}
	if err := d.Check(ctx, other.Chain); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Errorf("check without code: %v", err)
	}
	d.ChainID = 1
	if err := d.Check(ctx, b.Chain); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("check on the wrong chain id: %v", err)
	}
}
