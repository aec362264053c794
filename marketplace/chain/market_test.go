package chain_test

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/chain"
	"github.com/medmarket/medmarket/marketplace/chain/chaintest"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// marketplaceABIs are the contracts' ABIs, so the chain decodes their errors.
func marketplaceABIs(t testing.TB) []*abi.ABI {
	t.Helper()
	var abis []*abi.ABI
	for _, md := range []*bind.MetaData{&contracts.DataLicenseMarketMetaData, &contracts.TrialRegistryMetaData} {
		a, err := md.ParseABI()
		if err != nil {
			t.Fatal(err)
		}
		abis = append(abis, a)
	}
	return abis
}

// deployed is the marketplace's contracts on one chain.
type deployed struct {
	market, registry    *bind.BoundContract
	marketAddr, regAddr common.Address
	deployBlock         uint64
	marketABI           *contracts.DataLicenseMarket
	trials              *contracts.TrialRegistry
}

func deployMarketplace(t *testing.T, c chain.Chain, from *bind.TransactOpts) *deployed {
	t.Helper()
	ctx := context.Background()
	d := &deployed{marketABI: contracts.NewDataLicenseMarket(), trials: contracts.NewTrialRegistry()}
	for i, md := range []*bind.MetaData{&contracts.DataLicenseMarketMetaData, &contracts.TrialRegistryMetaData} {
		addr, tx, err := bind.DeployContract(from, common.FromHex(md.Bin), c, nil)
		if err != nil {
			t.Fatalf("deploy %s: %v", md.ID, err)
		}
		r, err := c.WaitMined(ctx, tx.Hash())
		if err != nil {
			t.Fatalf("deploy %s: %v", md.ID, err)
		}
		if i == 0 {
			d.marketAddr, d.deployBlock = addr, r.BlockNumber.Uint64()
		} else {
			d.regAddr = addr
		}
	}
	d.market = d.marketABI.Instance(c, d.marketAddr)
	d.registry = d.trials.Instance(c, d.regAddr)
	return d
}

// transact sends calldata through a binding and waits for the receipt.
func transact(t *testing.T, c chain.Chain, bc *bind.BoundContract, opts *bind.TransactOpts, data []byte) (*types.Receipt, error) {
	t.Helper()
	tx, err := bind.Transact(bc, opts, data)
	if err != nil {
		return nil, err
	}
	return c.WaitMined(context.Background(), tx.Hash())
}

func mustTransact(t *testing.T, c chain.Chain, bc *bind.BoundContract, opts *bind.TransactOpts, data []byte, what string) *types.Receipt {
	t.Helper()
	r, err := transact(t, c, bc, opts, data)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return r
}

func hasLicence(t *testing.T, d *deployed, id *big.Int, who common.Address) bool {
	t.Helper()
	ok, err := bind.Call(d.market, nil, d.marketABI.PackHasLicence(id, who), d.marketABI.UnpackHasLicence)
	if err != nil {
		t.Fatalf("hasLicence: %v", err)
	}
	return ok
}

// TestMarketplace_flowOnEveryBackend runs the marketplace's own flow through
// the generated bindings on the embedded chain and on geth --dev: deploy,
// list, a refused and an accepted buy, hasLicence, withdraw, register and
// anchor a trial, and index every event by block range.
func TestMarketplace_flowOnEveryBackend(t *testing.T) {
	chaintest.ForEachBackend(t, func(t *testing.T, b chaintest.Backend) {
		c := b.Chain
		owner := b.NewAccount(t, ether("1"))
		seller := b.NewAccount(t, ether("1"))
		buyer := b.NewAccount(t, ether("1"))
		d := deployMarketplace(t, c, owner)
		dep := checkDeploymentFile(t, c, d)
		price := ether("0.01")
		listAndBuy(t, c, d, price, seller, buyer, owner)
		withdrawPaysOnce(t, c, d, price, seller)
		registerAndAnchorTrial(t, c, d, owner, buyer)
		wantEventsByRange(t, c, d, dep.DeployBlock,
			"Committed Listed LicencePurchased Withdrawn TrialRegistered CheckpointAnchored CheckpointAnchored")
	}, chain.WithErrorABIs(marketplaceABIs(t)...))
}

// checkDeploymentFile writes the deployment file the CLI's `chain deploy`
// writes, reads it back and checks it against the chain.
func checkDeploymentFile(t *testing.T, c chain.Chain, d *deployed) *chain.Deployment {
	t.Helper()
	ctx := context.Background()
	genesis, err := c.HeaderByNumber(ctx, common.Big0)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := c.ChainID(ctx)
	dep := &chain.Deployment{ChainID: id.Uint64(), GenesisHash: genesis.Hash(), DeployBlock: d.deployBlock,
		Contracts: map[string]common.Address{"DataLicenseMarket": d.marketAddr, "TrialRegistry": d.regAddr}}
	path := filepath.Join(t.TempDir(), chain.DeploymentsFile)
	ds := chain.Deployments{}
	if err := ds.Put(dep); err != nil {
		t.Fatal(err)
	}
	if err := ds.Write(path); err != nil {
		t.Fatal(err)
	}
	read, err := chain.ReadDeployments(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := read.For(id.Uint64()); err != nil || got.Check(ctx, c) != nil {
		t.Fatalf("deployment read back: %+v, %v", got, err)
	}
	return dep
}

// listAndBuy lists a dataset as seller, checks that a buy at a wrong price
// is refused before anything is sent, buys at the price as buyer and checks
// that only the buyer holds a licence (not other).
func listAndBuy(t *testing.T, c chain.Chain, d *deployed, price *big.Int, seller, buyer, other *bind.TransactOpts) {
	t.Helper()
	terms := marketplace.Terms{Use: marketplace.HMB | marketplace.NCU, DurationDays: 365, Seats: 2}
	content := crypto.Keccak256Hash([]byte("anonymized dataset"))
	meta := crypto.Keccak256Hash([]byte("dataset card"))
	salt := contracts.NewSalt()
	mustTransact(t, c, d.market, seller, d.marketABI.PackCommit(contracts.Commitment(seller.From, content, salt)), "commit")
	r := mustTransact(t, c, d.market, seller, d.marketABI.PackList(content, salt, price, terms.Pack(), meta, testProvider), "list")
	listed, err := d.marketABI.UnpackListedEvent(r.Logs[0])
	if err != nil {
		t.Fatal(err)
	}
	listing := listed.Id
	t.Logf("gas: list %d", r.GasUsed)

	// A wrong price is refused before anything is sent, with the decoded custom error.
	wrong := *buyer
	wrong.Value = big.NewInt(1)
	before := balance(t, c, buyer.From)
	_, err = transact(t, c, d.market, &wrong, d.marketABI.PackBuy(listing))
	var re *chain.RevertError
	if !errors.As(err, &re) || re.Name != "WrongPrice" {
		t.Fatalf("buy at a wrong price: %v", err)
	}
	if app := contracts.DecodeRevert(err); marketplace.ErrorCode(app) != marketplace.EINVALID ||
		!strings.Contains(marketplace.ErrorMessage(app), "Listing price is 10000000000000000 wei but 1 wei was sent") {
		t.Errorf("contracts.DecodeRevert of the chain's error: %v", app)
	}
	if got := balance(t, c, buyer.From); got.Cmp(before) != 0 {
		t.Errorf("a refused buy changed the buyer's balance from %s to %s", before, got)
	}

	pay := *buyer
	pay.Value = price
	r = mustTransact(t, c, d.market, &pay, d.marketABI.PackBuy(listing), "buy")
	t.Logf("gas: buy %d", r.GasUsed)
	if !hasLicence(t, d, listing, buyer.From) || hasLicence(t, d, listing, other.From) {
		t.Error("hasLicence: want the buyer only")
	}
}

// withdrawPaysOnce withdraws the seller's price and checks a second
// withdraw reverts, mined, with the decoded cause.
func withdrawPaysOnce(t *testing.T, c chain.Chain, d *deployed, price *big.Int, seller *bind.TransactOpts) {
	t.Helper()
	sellerBefore := balance(t, c, seller.From)
	r := mustTransact(t, c, d.market, seller, d.marketABI.PackWithdraw(), "withdraw")
	t.Logf("gas: withdraw %d", r.GasUsed)
	want := new(big.Int).Add(sellerBefore, price)
	want.Sub(want, gasCost(r))
	if got := balance(t, c, seller.From); got.Cmp(want) != 0 {
		t.Errorf("seller has %s after withdraw, want %s", got, want)
	}
	// Nothing left: a mined withdraw (estimate skipped) reverts with the decoded cause.
	again := *seller
	again.GasLimit = 100_000
	r, err := transact(t, c, d.market, &again, d.marketABI.PackWithdraw())
	var re *chain.RevertError
	if !errors.As(err, &re) || re.Name != "NothingToWithdraw" || r == nil || r.Status != types.ReceiptStatusFailed {
		t.Errorf("second withdraw: receipt %v, err %v", r, err)
	}
	if app := contracts.DecodeRevert(err); marketplace.ErrorCode(app) != marketplace.ECONFLICT {
		t.Errorf("contracts.DecodeRevert of a mined revert: %v", app)
	}
}

// registerAndAnchorTrial registers a trial as sponsor, anchors two
// checkpoints, and checks that a shrinking anchor and one by another
// account are refused.
func registerAndAnchorTrial(t *testing.T, c chain.Chain, d *deployed, sponsor, other *bind.TransactOpts) {
	t.Helper()
	trial := crypto.Keccak256Hash([]byte("NCT00000001"))
	mustTransact(t, c, d.registry, sponsor, d.trials.PackRegister(trial, crypto.Keccak256Hash([]byte("protocol v1")), "medmarket/ledger/test+00000000+AQ"), "register")
	mustTransact(t, c, d.registry, sponsor, d.trials.PackAnchor(trial, 10, crypto.Keccak256Hash([]byte("root 10"))), "anchor 10")
	r := mustTransact(t, c, d.registry, sponsor, d.trials.PackAnchor(trial, 25, crypto.Keccak256Hash([]byte("root 25"))), "anchor 25")
	t.Logf("gas: anchor (later checkpoint) %d", r.GasUsed)
	latest, err := bind.Call(d.registry, nil, d.trials.PackLatest(trial), d.trials.UnpackLatest)
	if err != nil || latest.TreeSize != 25 {
		t.Errorf("latest = %+v, %v", latest, err)
	}
	var re *chain.RevertError
	_, err = transact(t, c, d.registry, sponsor, d.trials.PackAnchor(trial, 5, crypto.Keccak256Hash([]byte("root 5"))))
	if !errors.As(err, &re) || re.Name != "TreeNotGrown" {
		t.Errorf("shrinking anchor: %v", err)
	}
	_, err = transact(t, c, d.registry, other, d.trials.PackAnchor(trial, 30, crypto.Keccak256Hash([]byte("root 30"))))
	if !errors.As(err, &re) || re.Name != "NotSponsor" {
		t.Errorf("anchor by a non-sponsor: %v", err)
	}
}

// wantEventsByRange scans every event of both contracts by range from the
// deploy block and compares their names, in order, with want.
func wantEventsByRange(t *testing.T, c chain.Chain, d *deployed, from uint64, want string) {
	t.Helper()
	s := &chain.Scanner{Chain: c, Addresses: []common.Address{d.marketAddr, d.regAddr}, ChunkSize: 4}
	var names []string
	_, err := s.Scan(context.Background(), from, chain.Head, func(_, _ uint64, logs []types.Log) error {
		for _, l := range logs {
			names = append(names, eventName(l))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != want {
		t.Errorf("events by range: %s\nwant: %s", got, want)
	}
}

// eventName names a marketplace event by its topic.
func eventName(l types.Log) string {
	for _, md := range []*bind.MetaData{&contracts.DataLicenseMarketMetaData, &contracts.TrialRegistryMetaData} {
		a, _ := md.ParseABI()
		for name, ev := range a.Events {
			if len(l.Topics) > 0 && ev.ID == l.Topics[0] {
				return name
			}
		}
	}
	return "?"
}

// TestMarketplace_licencesSurviveARestart: listings, licences and balances on
// the embedded chain are all there after the process closes and reopens it.
func TestMarketplace_licencesSurviveARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openEmbedded(t, dir, chain.WithErrorABIs(marketplaceABIs(t)...))
	seller, buyer := newKey(t, e), newKey(t, e)
	for _, a := range []common.Address{seller.From, buyer.From} {
		if _, err := e.Fund(ctx, a, ether("2")); err != nil {
			t.Fatal(err)
		}
	}
	d := deployMarketplace(t, e, seller)
	salt := contracts.NewSalt()
	mustTransact(t, e, d.market, seller, d.marketABI.PackCommit(contracts.Commitment(seller.From, common.Hash{1}, salt)), "commit")
	r := mustTransact(t, e, d.market, seller, d.marketABI.PackList(common.Hash{1}, salt, ether("0.5"),
		marketplace.Terms{Use: marketplace.GRU}.Pack(), common.Hash{2}, testProvider), "list")
	listed, _ := d.marketABI.UnpackListedEvent(r.Logs[0])
	pay := *buyer
	pay.Value = ether("0.5")
	mustTransact(t, e, d.market, &pay, d.marketABI.PackBuy(listed.Id), "buy")
	buyerBal := balance(t, e, buyer.From)
	closeEmbedded(t, e)

	e = openEmbedded(t, dir, chain.WithErrorABIs(marketplaceABIs(t)...))
	defer closeEmbedded(t, e)
	d.market = d.marketABI.Instance(e, d.marketAddr)
	if !hasLicence(t, d, listed.Id, buyer.From) {
		t.Error("licence lost in the restart")
	}
	if got := balance(t, e, buyer.From); got.Cmp(buyerBal) != 0 {
		t.Errorf("buyer balance %s after restart, was %s", got, buyerBal)
	}
	owed, err := bind.Call(d.market, nil, d.marketABI.PackWithdrawable(seller.From), d.marketABI.UnpackWithdrawable)
	if err != nil || owed.Cmp(ether("0.5")) != 0 {
		t.Errorf("withdrawable after restart: %v, %v", owed, err)
	}
	// Buying again after the restart: a perpetual licence cannot be bought twice...
	_, err = transact(t, e, d.market, &pay, d.marketABI.PackBuy(listed.Id))
	var re *chain.RevertError
	if !errors.As(err, &re) || re.Name != "AlreadyLicensed" {
		t.Errorf("second buy: %v", err)
	}
	// ...and a buyer who cannot pay is told so, with the figures.
	poor := newKey(t, e)
	if _, err := e.Fund(ctx, poor.From, ether("0.1")); err != nil {
		t.Fatal(err)
	}
	poorPay := *poor
	poorPay.Value = ether("0.5")
	_, err = transact(t, e, d.market, &poorPay, d.marketABI.PackBuy(listed.Id))
	if marketplace.ErrorCode(err) != marketplace.EINVALID ||
		!strings.Contains(marketplace.ErrorMessage(err), "insufficient funds: account "+poor.From.Hex()+" has 0.1 ETH, the transaction needs 0.5 ETH plus gas") {
		t.Errorf("buy without the funds: %v", err)
	}
}

// testProvider is the provider URL test listings carry.
const testProvider = "http://127.0.0.1:8080/"
