package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/medmarket/medmarket/marketplace/chain"
)

// TestTrials_concurrentTransactionsOfOneAccountAllSucceed: one account
// registers trials, amends and anchors others, buys a licence and sends
// ether, all at once on the embedded chain. The trial registry and the
// anchorer take their turn in the account's transaction queue with the buys
// and transfers, so none of them clashes on the account's nonce.
func TestTrials_concurrentTransactionsOfOneAccountAllSucceed(t *testing.T) {
	ctx := context.Background()
	a, p, sg := listedWithBobUnlocked(t)
	bob := BySigner(sg)
	const trialsBefore = 3
	for i := range trialsBefore {
		if _, err := a.RegisterTrial(ctx, bob, "Trial", fmt.Sprintf("NCT1000000%d", i), "protocol.pdf", strings.NewReader(fmt.Sprintf("%%PDF v1 of %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	alice := addr(t, a, "alice")
	type action struct {
		name string
		run  func() error
	}
	var actions []action
	for i := range trialsBefore {
		ref := fmt.Sprintf("NCT1000000%d", i)
		actions = append(actions,
			action{"anchor " + ref, func() error { _, err := a.AnchorTrial(ctx, bob, ref); return err }},
			action{"amend " + ref, func() error {
				_, err := a.AmendTrial(ctx, bob, ref, "protocol-v2.pdf", strings.NewReader("%PDF v2 of "+ref))
				return err
			}},
			action{"register", func() error {
				_, err := a.RegisterTrial(ctx, bob, "Trial", fmt.Sprintf("NCT2000000%d", i), "protocol.pdf", strings.NewReader(fmt.Sprintf("%%PDF new %d", i)))
				return err
			}},
			action{"buy", func() error {
				_, err := a.Buy(ctx, bob, p.ListingID, BuyConfirmation{AcceptTerms: true})
				return err
			}},
			action{"buy", func() error {
				_, err := a.Buy(ctx, bob, p.ListingID, BuyConfirmation{AcceptTerms: true})
				return err
			}},
			action{"transfer", func() error {
				_, err := chain.Transfer(ctx, a.chain, sg.TransactOpts(ctx, a.chainID), alice, ether("0.001"))
				return err
			}},
		)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(actions))
	start := make(chan struct{})
	for i, act := range actions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = act.run()
		}()
	}
	close(start)
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			t.Errorf("%s: %v", actions[i].name, err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d concurrent actions of one account failed", failed, len(actions))
	}

	ts, err := a.Trials(ctx)
	if err != nil || len(ts) != 2*trialsBefore {
		t.Fatalf("trials: %d, %v; want %d", len(ts), err, 2*trialsBefore)
	}
	for i := range trialsBefore {
		ref := fmt.Sprintf("NCT1000000%d", i)
		tr, err := a.Trial(ctx, ref)
		if err != nil || len(tr.Protocols) != 2 || tr.Log.Anchor == nil {
			t.Errorf("%s after the run: %d protocol versions, anchor %+v, %v; want 2 and an anchor", ref, len(tr.Protocols), tr.Log.Anchor, err)
		}
	}
	if l, err := a.Listing(ctx, p.ListingID); err != nil || l.Sales != 2*trialsBefore {
		t.Errorf("listing: %d sales, %v; want %d", l.Sales, err, 2*trialsBefore)
	}
}
