package ledger

import (
	"context"
	"slices"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// AnchorPolicy says when RunAnchoring anchors a log. Zero fields are off; a
// zero policy anchors only on demand (Ledger.Anchor).
type AnchorPolicy struct {
	// EveryEntries anchors a log as soon as this many entries were appended
	// since its last anchor.
	EveryEntries int
	// Every anchors, at this interval, every log with entries not yet
	// anchored.
	Every time.Duration
	// Only, when set, limits the scheduler to the logs it accepts: a
	// ledger may hold logs its anchorer cannot anchor (the node's question
	// logs beside the trials' logs), which would otherwise fail at every
	// trigger.
	Only func(ctx context.Context, id LogID) bool
}

// covers reports whether p anchors log id.
func (p AnchorPolicy) covers(ctx context.Context, id LogID) bool {
	return p.Only == nil || p.Only(ctx, id)
}

// Validate refuses negative fields.
func (p AnchorPolicy) Validate() error {
	if p.EveryEntries < 0 || p.Every < 0 {
		return marketplace.Errorf(marketplace.EINVALID, "Anchoring intervals cannot be negative.")
	}
	return nil
}

func (l *Ledger) markDirty(id LogID) {
	l.mu.Lock()
	l.dirty[id] = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Ledger) takeDirty() []LogID {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]LogID, 0, len(l.dirty))
	for id := range l.dirty {
		ids = append(ids, id)
	}
	clear(l.dirty)
	return ids
}

// RunAnchoring anchors logs by policy p until ctx is done, then returns nil.
// It first reconciles every log with the chain (recovering anchors mined
// before a crash but not recorded) and anchors those already due. Failures
// are logged, kept for Status, and retried at the next trigger. Anchor may be
// called meanwhile for an anchoring on demand. Run one RunAnchoring per
// Ledger.
func (l *Ledger) RunAnchoring(ctx context.Context, p AnchorPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if l.anchorer == nil {
		return marketplace.Errorf(marketplace.EUNAVAILABLE, "No chain is configured for anchoring.")
	}
	ids, err := l.logsOf(ctx, p)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := l.Reconcile(ctx, id); err != nil {
			l.fail(id, err)
		}
	}
	for _, id := range ids {
		l.anchorIfDue(ctx, id, p, true)
	}
	var tick <-chan time.Time
	if p.Every > 0 {
		t := time.NewTicker(p.Every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-l.wake:
			if p.EveryEntries > 0 {
				for _, id := range l.takeDirty() {
					if p.covers(ctx, id) {
						l.anchorIfDue(ctx, id, p, false)
					}
				}
			}
		case <-tick:
			ids, err := l.logsOf(ctx, p)
			if err != nil {
				l.log.Warn("ledger: list logs", "err", err)
				continue
			}
			for _, id := range ids {
				l.anchorIfDue(ctx, id, p, true)
			}
		}
	}
}

// logsOf lists the logs p covers.
func (l *Ledger) logsOf(ctx context.Context, p AnchorPolicy) ([]LogID, error) {
	ids, err := l.Logs(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ids, func(id LogID) bool { return !p.covers(ctx, id) }), nil
}

// anchorIfDue anchors log id when it has EveryEntries unanchored entries, or
// any when onTime.
func (l *Ledger) anchorIfDue(ctx context.Context, id LogID, p AnchorPolicy, onTime bool) {
	st, err := l.Status(ctx, id)
	if err != nil {
		l.fail(id, err)
		return
	}
	due := st.Unanchored > 0 && ((onTime && p.Every > 0) || (p.EveryEntries > 0 && st.Unanchored >= uint64(p.EveryEntries)))
	if !due || ctx.Err() != nil {
		return
	}
	rec, err := l.Anchor(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			l.fail(id, err)
		}
		return
	}
	l.mu.Lock()
	delete(l.lastErr, id)
	l.mu.Unlock()
	l.log.Info("ledger: anchored", "log", id.String(), "size", rec.TreeSize, "tx", rec.TxHash.Hex(), "block", rec.Block)
}

func (l *Ledger) fail(id LogID, err error) {
	l.mu.Lock()
	l.lastErr[id] = err.Error()
	l.mu.Unlock()
	l.log.Warn("ledger: anchoring failed", "log", id.String(), "err", err)
}
