package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/plugins/recorder"
)

// Call runs f with the service ref names, starting the plugin if needed
// (again, if it died), under the host's call deadline. f's error is
// explained: a plugin that crashed, exited or hung is named with the cause,
// and dead or hung processes are cleared so the next call starts afresh.
func (h *Host) Call(ctx context.Context, ref Ref, f func(ctx context.Context, service any) error) error {
	p, err := h.get(ctx, ref)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, h.opt.CallTimeout)
	defer cancel()
	err = f(cctx, p.raw)
	if err == nil {
		return nil
	}
	return h.explain(ctx, cctx, p, err)
}

func (h *Host) explain(ctx, cctx context.Context, p *proc, err error) error {
	name := p.ref.String()
	if errors.Is(err, anonymize.ErrInvalid) || recorder.IsInvalid(err) {
		return fmt.Errorf("plugin %s: %w", name, err)
	}
	deadlineLike := isDeadlineLike(err)
	if ctx.Err() != nil || deadlinePassed(ctx) || (deadlineNear(ctx) && deadlineLike) {
		// The caller gave up; the plugin may be stuck in the call, so it
		// is stopped (and restarts on next use).
		h.drop(p)
		cause := ctx.Err()
		if cause == nil {
			cause = context.DeadlineExceeded
		}
		return fmt.Errorf("plugin %s: %w", name, cause)
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) || (deadlineNear(cctx) && deadlineLike) {
		h.drop(p)
		return fmt.Errorf("plugin %s: no answer within %s (the call's deadline); it was stopped and will restart on next use", name, h.opt.CallTimeout)
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.ResourceExhausted {
		return fmt.Errorf("plugin %s: oversized output: a message passed the %d-byte limit (%s)", name, h.opt.MaxMessageBytes, st.Message())
	}
	// A broken connection is how a dead plugin shows; give the process a
	// moment to be reaped so the error can say how it died.
	wait := time.Duration(0)
	if st, ok := status.FromError(err); (ok && (st.Code() == codes.Unavailable || st.Code() == codes.Canceled || st.Code() == codes.Unknown)) || errors.Is(err, io.EOF) {
		wait = 2 * time.Second
	}
	if p.waitExited(wait) {
		h.drop(p)
		return fmt.Errorf("plugin %s %s during the call; it will restart on next use", name, p.out.cause())
	}
	if st, ok := status.FromError(err); ok {
		return fmt.Errorf("plugin %s: %s", name, st.Message())
	}
	return fmt.Errorf("plugin %s: %w", name, err)
}

// deadlineNear: the plugin's side learns the deadline too and may reset
// the stream a moment before the host's timer fires, so deadlines are
// judged by the clock.
func deadlineNear(c context.Context) bool {
	dl, ok := c.Deadline()
	return ok && time.Until(dl) < 250*time.Millisecond
}

// deadlinePassed: the call's context inherits the caller's deadline with a
// timer of its own, which may fire first; a caller deadline already past is
// the caller's, whatever the error says.
func deadlinePassed(c context.Context) bool {
	dl, ok := c.Deadline()
	return ok && !time.Now().Before(dl)
}

// isDeadlineLike reports whether err says a call was cancelled or ran out
// of time, as a status or as a context error.
func isDeadlineLike(err error) bool {
	c := status.Code(err)
	return c == codes.Canceled || c == codes.DeadlineExceeded || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// get returns the running process for ref, starting it when needed.
func (h *Host) get(ctx context.Context, ref Ref) (*proc, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("plugin host closed")
	}
	if p, ok := h.procs[ref.key()]; ok {
		if !p.client.Exited() {
			return p, nil
		}
		delete(h.procs, ref.key())
		go p.kill()
	}
	p, err := h.start(ref)
	if err != nil {
		return nil, err
	}
	h.procs[ref.key()] = p
	return p, nil
}

// drop forgets p and kills it.
func (h *Host) drop(p *proc) {
	h.mu.Lock()
	if h.procs[p.ref.key()] == p {
		delete(h.procs, p.ref.key())
	}
	h.mu.Unlock()
	p.kill()
}
