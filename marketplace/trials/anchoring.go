package trials

import (
	"context"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// Anchor anchors the current checkpoint of trial id's log on chain now, as
// signer (the sponsor, else EFORBIDDEN): one transaction whatever the number
// of entries since the last anchor. With nothing new to anchor it returns
// the latest anchor and sends nothing.
func (s *Service) Anchor(ctx context.Context, signer Signer, id common.Hash) (ledger.AnchorReceipt, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return ledger.AnchorReceipt{}, err
	}
	if err := s.checkSponsor(t, signer); err != nil {
		return ledger.AnchorReceipt{}, err
	}
	if err := s.needChain(); err != nil {
		return ledger.AnchorReceipt{}, err
	}
	_, release := s.anchorer.hold(signer)
	defer release()
	rec, err := s.ledger.Anchor(ctx, ledger.LogID(id))
	if err == nil {
		s.log.Info("trial anchored", "trial", id, "size", rec.TreeSize, "tx", rec.TxHash, "block", rec.Block)
	}
	return rec, err
}

// Status reports the anchoring of trial id's log.
func (s *Service) Status(ctx context.Context, id common.Hash) (ledger.Status, error) {
	if _, err := s.Trial(ctx, id); err != nil {
		return ledger.Status{}, err
	}
	st, err := s.ledger.Status(ctx, ledger.LogID(id))
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return ledger.Status{}, nil
	}
	return st, err
}

// RunAnchoring anchors trial logs by policy until ctx ends (see
// ledger.RunAnchoring). Only logs whose sponsor's key is unlocked in this
// process can be anchored: keep says how long a sponsor's key stays unlocked
// after the sponsor's last action (Keep), so that what the sponsor recorded
// gets anchored; 0 keeps no key, and the scheduler then reports those logs
// as waiting for their sponsor.
func (s *Service) RunAnchoring(ctx context.Context, p ledger.AnchorPolicy, keep time.Duration) error {
	if err := s.needChain(); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Only == nil {
		p.Only = s.isTrialLog
	}
	s.keepFor.Store(int64(keep))
	defer s.keepFor.Store(0)
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.anchorer.expire()
			}
		}
	}()
	return s.ledger.RunAnchoring(ctx, p)
}

// Keep keeps signer's key unlocked for scheduled anchoring while
// RunAnchoring runs, for its keep duration after this call. It reports
// whether it kept it: if so, the service locks the key when the time is up
// and the caller must not lock it; if not, the caller locks it.
func (s *Service) Keep(signer Signer) bool {
	d := time.Duration(s.keepFor.Load())
	if d <= 0 || s.anchorer == nil {
		return false
	}
	s.anchorer.keep(signer, d)
	return true
}

// Hold keeps signer's key available for anchoring its trials until release
// is called (the caller still owns the key and locks it afterwards): a
// signed-in sponsor's trials are anchored on schedule while the session
// lasts.
func (s *Service) Hold(signer Signer) (release func()) {
	if s.anchorer == nil {
		return func() {}
	}
	_, release = s.anchorer.hold(signer)
	return release
}

// isTrialLog reports whether log id is a trial's: the ledger also holds
// logs no trial sponsor anchors (the node's question logs).
func (s *Service) isTrialLog(ctx context.Context, id ledger.LogID) bool {
	_, err := s.Trial(ctx, common.Hash(id))
	return err == nil
}
