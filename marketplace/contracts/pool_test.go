package contracts

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/pools"
)

// poolChain is a test chain with a PoolPayouts contract whose operator is c.sponsor.
type poolChain struct {
	*testChain
	pool  *PoolPayouts
	poolC *bind.BoundContract
	addr  common.Address
}

func newPoolChain(tb testing.TB) *poolChain {
	tb.Helper()
	c := newTestChain(tb)
	p := &poolChain{testChain: c, pool: NewPoolPayouts()}
	p.addr = c.deploy(PoolPayoutsMetaData.Bin, p.pool.PackConstructor(c.sponsor.addr, c.marketC.Address()))
	p.poolC = p.pool.Instance(c.client, p.addr)
	return p
}

// fund sends wei to the pool from a, as a sale's proceeds would arrive.
func (p *poolChain) fund(a *account, wei *big.Int) {
	p.tb.Helper()
	p.mustSend(a, p.poolC, nil, wei)
}

// pay sends wei to an account that is no contract (to make it exist on chain), a plain transfer.
func (p *poolChain) pay(a *account, to common.Address, wei *big.Int) {
	p.tb.Helper()
	nonce, err := p.client.PendingNonceAt(p.ctx, a.addr)
	if err != nil {
		p.tb.Fatal(err)
	}
	head, err := p.client.HeaderByNumber(p.ctx, nil)
	if err != nil {
		p.tb.Fatal(err)
	}
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), big.NewInt(1e9))
	tx, err := a.opts.Signer(a.addr, types.NewTx(&types.DynamicFeeTx{
		Nonce: nonce, GasTipCap: big.NewInt(1e9), GasFeeCap: feeCap, Gas: 21_000, To: &to, Value: wei,
	}))
	if err != nil {
		p.tb.Fatal(err)
	}
	if err := p.client.SendTransaction(p.ctx, tx); err != nil {
		p.tb.Fatal(err)
	}
	p.sim.Commit()
	if r := p.receipt(tx); r.Status != types.ReceiptStatusSuccessful {
		p.tb.Fatalf("transfer to %s failed", to.Hex())
	}
}

func (p *poolChain) post(tree *pools.Tree) (*types.Receipt, error) {
	return p.send(p.sponsor, p.poolC, p.pool.PackPostRound(tree.Root(), tree.Total()), nil)
}

// claim submits account's claim from a with the tree's proof and entitlement.
func (p *poolChain) claim(from *account, tree *pools.Tree, who common.Address) (*types.Receipt, error) {
	p.tb.Helper()
	e, err := tree.Entitlement(who)
	if err != nil {
		p.tb.Fatal(err)
	}
	proof, err := tree.Proof(who)
	if err != nil {
		p.tb.Fatal(err)
	}
	return p.send(from, p.poolC, p.pool.PackClaim(who, e.Cumulative, proof), nil)
}

func (p *poolChain) claimed(who common.Address) *big.Int {
	return call(p.testChain, p.poolC, p.pool.PackClaimed(who), p.pool.UnpackClaimed)
}

func (p *poolChain) owed(who common.Address) *big.Int {
	return call(p.testChain, p.poolC, p.pool.PackOwed(who), p.pool.UnpackOwed)
}

func mustTree(tb testing.TB, es ...pools.Entitlement) *pools.Tree {
	tb.Helper()
	t, err := pools.BuildTree(es)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func ent(a common.Address, wei *big.Int) pools.Entitlement {
	return pools.Entitlement{Account: a, Cumulative: wei}
}

func TestPool_onlyTheOperatorPostsARound(t *testing.T) {
	p := newPoolChain(t)
	p.fund(p.buyer, eth(3))
	tree := mustTree(t, ent(p.member.addr, eth(1)), ent(p.member2.addr, eth(2)))
	_, err := p.send(p.stranger, p.poolC, p.pool.PackPostRound(tree.Root(), tree.Total()), nil)
	wantRefusal(t, err, marketplace.EFORBIDDEN, "NotOperator(caller "+p.stranger.addr.Hex()+")")

	r, err := p.post(tree)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.pool.UnpackRoundPostedEvent(r.Logs[0])
	if err != nil {
		t.Fatal(err)
	}
	if ev.Round != 1 || ev.Root != tree.Root() || ev.CumulativeTotal.Cmp(eth(3)) != 0 {
		t.Errorf("RoundPosted = %+v", ev)
	}
	if got := call(p.testChain, p.poolC, p.pool.PackRoot(), p.pool.UnpackRoot); got != tree.Root() {
		t.Errorf("root = %x", got)
	}
	if got := call(p.testChain, p.poolC, p.pool.PackRound(), p.pool.UnpackRound); got != 1 {
		t.Errorf("round = %d", got)
	}
	if got := call(p.testChain, p.poolC, p.pool.PackOperator(), p.pool.UnpackOperator); got != p.sponsor.addr {
		t.Errorf("operator = %s", got.Hex())
	}
}

func TestPool_roundTotalNeverDecreases(t *testing.T) {
	p := newPoolChain(t)
	p.fund(p.buyer, eth(5))
	if _, err := p.post(mustTree(t, ent(p.member.addr, eth(4)))); err != nil {
		t.Fatal(err)
	}
	_, err := p.post(mustTree(t, ent(p.member.addr, eth(3))))
	wantRefusal(t, err, marketplace.ECONFLICT, "TotalDecreased(current 4000000000000000000, given 3000000000000000000)")
	// The same total with another split is a valid round.
	if _, err := p.post(mustTree(t, ent(p.member.addr, eth(2)), ent(p.member2.addr, eth(2)))); err != nil {
		t.Fatal(err)
	}
}

func TestPool_roundAboveTheFundsReverts(t *testing.T) {
	p := newPoolChain(t)
	p.fund(p.buyer, eth(2))
	_, err := p.post(mustTree(t, ent(p.member.addr, eth(2)), ent(p.member2.addr, big.NewInt(1))))
	wantRefusal(t, err, marketplace.ECONFLICT, "Underfunded(cumulativeTotal 2000000000000000001, funded 2000000000000000000)")
	// What was paid out still counts as funded: after a claim, a round up to the total received passes.
	tree := mustTree(t, ent(p.member.addr, eth(2)))
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	if _, err := p.claim(p.stranger, tree, p.member.addr); err != nil {
		t.Fatal(err)
	}
	p.fund(p.buyer, eth(1))
	if _, err := p.post(mustTree(t, ent(p.member.addr, eth(2)), ent(p.member2.addr, eth(1)))); err != nil {
		t.Errorf("a round covered by received funds, part of them paid out: %v", err)
	}
}

func TestPool_aThirdPartyClaimPaysTheAccount(t *testing.T) {
	p := newPoolChain(t)
	p.fund(p.buyer, eth(3))
	tree := mustTree(t, ent(p.member.addr, eth(1)), ent(p.member2.addr, eth(2)))
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	before, strangerBefore := p.balance(p.member.addr), p.balance(p.stranger.addr)
	r, err := p.claim(p.stranger, tree, p.member.addr) // the hub claims for an offline patient
	if err != nil {
		t.Fatal(err)
	}
	if got := new(big.Int).Sub(p.balance(p.member.addr), before); got.Cmp(eth(1)) != 0 {
		t.Errorf("the contributor received %s wei, want 1 ether", got)
	}
	if got := new(big.Int).Sub(strangerBefore, p.balance(p.stranger.addr)); got.Cmp(gasCost(r)) != 0 {
		t.Errorf("the caller's balance changed by %s, want only its gas %s", got, gasCost(r))
	}
	ev, err := p.pool.UnpackClaimedEvent(r.Logs[0])
	if err != nil {
		t.Fatal(err)
	}
	if ev.Account != p.member.addr || ev.Amount.Cmp(eth(1)) != 0 || ev.CumulativeAmount.Cmp(eth(1)) != 0 {
		t.Errorf("Claimed = %+v", ev)
	}
	_, err = p.claim(p.stranger, tree, p.member.addr)
	wantRefusal(t, err, marketplace.ECONFLICT, "NothingToClaim(account "+p.member.addr.Hex()+", cumulativeAmount 1000000000000000000, claimedAmount 1000000000000000000)")
}

func TestPool_aNewRoundPaysOnlyTheDifference(t *testing.T) {
	p := newPoolChain(t)
	p.fund(p.buyer, eth(3))
	round1 := mustTree(t, ent(p.member.addr, eth(1)), ent(p.member2.addr, eth(2)))
	if _, err := p.post(round1); err != nil {
		t.Fatal(err)
	}
	if _, err := p.claim(p.stranger, round1, p.member.addr); err != nil {
		t.Fatal(err)
	}
	p.fund(p.buyer, eth(4))
	round2 := mustTree(t, ent(p.member.addr, eth(3)), ent(p.member2.addr, eth(4)))
	if _, err := p.post(round2); err != nil {
		t.Fatal(err)
	}
	// The old round's proof no longer verifies.
	_, err := p.claim(p.stranger, round1, p.member2.addr)
	wantRefusal(t, err, marketplace.EINVALID, "InvalidProof(account "+p.member2.addr.Hex()+", cumulativeAmount 2000000000000000000)")

	before, before2 := p.balance(p.member.addr), p.balance(p.member2.addr)
	for _, who := range []common.Address{p.member.addr, p.member2.addr} {
		if _, err := p.claim(p.stranger, round2, who); err != nil {
			t.Fatal(err)
		}
	}
	if got := new(big.Int).Sub(p.balance(p.member.addr), before); got.Cmp(eth(2)) != 0 {
		t.Errorf("member received %s wei in round 2, want 2 ether (3 minus the 1 claimed)", got)
	}
	if got := new(big.Int).Sub(p.balance(p.member2.addr), before2); got.Cmp(eth(4)) != 0 {
		t.Errorf("member2 received %s wei, want its whole 4 ether", got)
	}
	if got := p.claimed(p.member.addr); got.Cmp(eth(3)) != 0 {
		t.Errorf("claimed(member) = %s", got)
	}
	if got := p.balance(p.addr); got.Sign() != 0 {
		t.Errorf("the pool keeps %s wei after everyone claimed everything", got)
	}
}

func TestPool_aWrongProofOrAmountReverts(t *testing.T) {
	p := newPoolChain(t)
	_, err := p.send(p.stranger, p.poolC, p.pool.PackClaim(p.member.addr, eth(1), nil), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, "NoRound()")

	p.fund(p.buyer, eth(6))
	tree := mustTree(t, ent(p.member.addr, eth(1)), ent(p.member2.addr, eth(2)), ent(p.buyer2.addr, eth(3)))
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	proof, err := tree.Proof(p.member.addr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.send(p.stranger, p.poolC, p.pool.PackClaim(p.member.addr, eth(2), proof), nil)
	wantRefusal(t, err, marketplace.EINVALID, "InvalidProof(account "+p.member.addr.Hex()+", cumulativeAmount 2000000000000000000)")
	// member's proof for member2's entitlement, and a stranger's claim with member's proof.
	_, err = p.send(p.stranger, p.poolC, p.pool.PackClaim(p.member2.addr, eth(2), proof), nil)
	wantRefusal(t, err, marketplace.EINVALID, "InvalidProof(account "+p.member2.addr.Hex()+", cumulativeAmount 2000000000000000000)")
	_, err = p.send(p.stranger, p.poolC, p.pool.PackClaim(p.stranger.addr, eth(1), proof), nil)
	wantRefusal(t, err, marketplace.EINVALID, "InvalidProof(account "+p.stranger.addr.Hex()+", cumulativeAmount 1000000000000000000)")
	// A tampered sibling.
	bad := append([][32]byte(nil), proof...)
	bad[0][0] ^= 1
	_, err = p.send(p.stranger, p.poolC, p.pool.PackClaim(p.member.addr, eth(1), bad), nil)
	wantRefusal(t, err, marketplace.EINVALID, "InvalidProof(account "+p.member.addr.Hex()+", cumulativeAmount 1000000000000000000)")
	if got := p.claimed(p.member.addr); got.Sign() != 0 {
		t.Errorf("claimed after refused claims = %s", got)
	}
}

func TestPool_aRefusingRecipientDoesNotBlockOthers(t *testing.T) {
	p := newPoolChain(t)
	payeeABI := NewRefusingPayee()
	payee := p.deploy(RefusingPayeeMetaData.Bin, nil)
	payeeC := payeeABI.Instance(p.client, payee)

	p.fund(p.buyer, eth(3))
	tree := mustTree(t, ent(payee, eth(1)), ent(p.member.addr, eth(2)))
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	r, err := p.claim(p.stranger, tree, payee)
	if err != nil {
		t.Fatalf("a refused transfer reverted the claim: %v", err)
	}
	if len(r.Logs) != 2 {
		t.Fatalf("%d logs, want Claimed and PaymentDeferred", len(r.Logs))
	}
	if ev, err := p.pool.UnpackPaymentDeferredEvent(r.Logs[1]); err != nil || ev.Account != payee || ev.Amount.Cmp(eth(1)) != 0 {
		t.Errorf("PaymentDeferred = %+v, %v", ev, err)
	}
	if got := p.owed(payee); got.Cmp(eth(1)) != 0 {
		t.Errorf("owed(payee) = %s, want 1 ether", got)
	}
	before := p.balance(p.member.addr)
	if _, err := p.claim(p.stranger, tree, p.member.addr); err != nil {
		t.Fatal(err)
	}
	if got := new(big.Int).Sub(p.balance(p.member.addr), before); got.Cmp(eth(2)) != 0 {
		t.Errorf("the other contributor received %s wei, want 2 ether", got)
	}

	// The payee pulls its money once it accepts; a second withdraw finds nothing.
	_, err = p.send(p.stranger, payeeC, payeeABI.PackWithdrawFrom(p.addr), nil)
	wantRefusal(t, err, marketplace.EUNAVAILABLE, "TransferFailed(to "+payee.Hex()+", amount 1000000000000000000)")
	p.mustSend(p.stranger, payeeC, payeeABI.PackSetAccepting(true), nil)
	p.mustSend(p.stranger, payeeC, payeeABI.PackWithdrawFrom(p.addr), nil)
	if got := p.balance(payee); got.Cmp(eth(1)) != 0 {
		t.Errorf("payee balance %s, want 1 ether", got)
	}
	if got := p.owed(payee); got.Sign() != 0 {
		t.Errorf("owed(payee) after withdraw = %s", got)
	}
	_, err = p.send(p.stranger, payeeC, payeeABI.PackWithdrawFrom(p.addr), nil)
	wantRefusal(t, err, marketplace.ECONFLICT, "NothingOwed(account "+payee.Hex()+")")
}

// contributors returns n entitlements to pseudo-random accounts (seeded), amounts 1..n gwei.
func contributors(n int, seed uint64) []pools.Entitlement {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]pools.Entitlement, n)
	for i := range out {
		var a common.Address
		for j := range a {
			a[j] = byte(r.Uint32())
		}
		out[i] = ent(a, new(big.Int).Mul(big.NewInt(int64(i+1)), big.NewInt(1e9)))
	}
	return out
}

// TestPool_tenThousandContributorsClaimASample posts one round for 10,000 contributors and has
// 50 of them claimed (by a third party): every claim succeeds and pays exactly the entitlement.
func TestPool_tenThousandContributorsClaimASample(t *testing.T) {
	p := newPoolChain(t)
	es := contributors(10_000, 10)
	tree := mustTree(t, es...)
	p.fund(p.buyer, tree.Total())
	if _, err := p.post(tree); err != nil {
		t.Fatal(err)
	}
	paid, maxGas := new(big.Int), uint64(0)
	for i := 0; i < len(es); i += len(es) / 50 {
		e := es[i]
		r, err := p.claim(p.stranger, tree, e.Account)
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		if got := p.balance(e.Account); got.Cmp(e.Cumulative) != 0 {
			t.Errorf("contributor %d received %s wei, want %s", i, got, e.Cumulative)
		}
		paid.Add(paid, e.Cumulative)
		maxGas = max(maxGas, r.GasUsed)
	}
	if got := new(big.Int).Sub(tree.Total(), p.balance(p.addr)); got.Cmp(paid) != 0 {
		t.Errorf("the pool paid out %s wei, the claims sum to %s", got, paid)
	}
	t.Logf("10,000 contributors: 50 claims, costliest %d gas (each to an account new on chain)", maxGas)
}

func TestPool_refusesAZeroRootAndAZeroOperator(t *testing.T) {
	p := newPoolChain(t)
	_, err := p.send(p.sponsor, p.poolC, p.pool.PackPostRound([32]byte{}, new(big.Int)), nil)
	wantRefusal(t, err, marketplace.EINVALID, "InvalidRoot()")
	_, _, err = bind.DeployContract(p.deployer.opts, common.FromHex(PoolPayoutsMetaData.Bin), p.client, p.pool.PackConstructor(common.Address{}, p.marketC.Address()))
	wantRefusal(t, DecodeRevert(err), marketplace.EINVALID, "InvalidOperator()")
}

func TestPool_receiveCountsSaleRevenue(t *testing.T) {
	p := newPoolChain(t)
	p.fund(p.buyer, eth(2))
	p.fund(p.buyer2, eth(1))
	if got := call(p.testChain, p.poolC, p.pool.PackTotalReceived(), p.pool.UnpackTotalReceived); got.Cmp(eth(3)) != 0 {
		t.Errorf("totalReceived = %s, want 3 ether", got)
	}
	r := p.mustSend(p.buyer, p.poolC, nil, big.NewInt(7))
	ev, err := p.pool.UnpackReceivedEvent(r.Logs[0])
	if err != nil || ev.From != p.buyer.addr || ev.Amount.Int64() != 7 {
		t.Errorf("Received = %+v, %v", ev, err)
	}
}

// TestPool_aClaimTheBalanceCannotCoverIsOwed: leaves summing above the posted total (a wrong root)
// cannot drain other contributors' money twice: the uncovered claim is credited to owed.
func TestPool_aClaimTheBalanceCannotCoverIsOwed(t *testing.T) {
	p := newPoolChain(t)
	p.fund(p.buyer, eth(2))
	tree := mustTree(t, ent(p.member.addr, eth(2)), ent(p.member2.addr, eth(2))) // sums to 4
	if _, err := p.send(p.sponsor, p.poolC, p.pool.PackPostRound(tree.Root(), eth(2)), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.claim(p.stranger, tree, p.member.addr); err != nil {
		t.Fatal(err)
	}
	before := p.balance(p.member2.addr)
	if _, err := p.claim(p.stranger, tree, p.member2.addr); err != nil {
		t.Fatal(err)
	}
	if got := p.balance(p.member2.addr); got.Cmp(before) != 0 {
		t.Errorf("member2 was paid from an empty pool")
	}
	if got := p.owed(p.member2.addr); got.Cmp(eth(2)) != 0 {
		t.Errorf("owed(member2) = %s, want 2 ether", got)
	}
}
