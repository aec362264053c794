package provider

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/pools"
)

// Patient pools: a pool's hub (its operator's node) serves the pool to
// patients' nodes and auditors:
//
//	GET  provider/v1/pools                           -> []PoolInfo
//	GET  provider/v1/pools/{pool}                    -> PoolInfo
//	GET  provider/v1/pools/{pool}/log                -> the pool log, a ledger bundle (entries, proofs, signed checkpoints)
//	GET  provider/v1/pools/{pool}/rounds/{n}         -> RoundReply: the entitlements of payout round n
//	POST provider/v1/pools/{pool}/contributions      the encrypted contribution; its consent in HeaderConsent -> ContributionReply
//	POST provider/v1/pools/{pool}/withdrawals        a pools.Withdrawal -> PoolReceipt
//
// Contributions and withdrawals carry their own signatures (the consent
// and the withdrawal, EIP-191 by the patient's account), recorded in the
// pool log so that anyone can check them later: they are their own
// envelope. Each must be fresh (its time within MaxRequestLifetime of the
// hub's clock), so a captured one cannot be replayed later; the hub
// refuses a consent older than the account's last withdrawal and a
// withdrawal older than its current consent, so neither undoes the other.
// The log names contributors by account: a patient who wants no link
// between a pool and their other activity joins with an account of its
// own (the payouts go to it).

// PathPools is the pools' API path.
const PathPools = "provider/v1/pools"

// HeaderConsent carries a contribution's consent: base64 (std) of its JSON.
const HeaderConsent = "X-Medmarket-Consent"

// Limits of the pool routes.
const (
	// MaxContributionBytes bounds an encrypted contribution: one patient's
	// whole record, transformed.
	MaxContributionBytes = 16 << 20
	// MaxPoolLogBytes bounds a pool log a client reads (a bundle of a pool
	// of 100,000 members' entries and proofs).
	MaxPoolLogBytes = 512 << 20
	// PoolWritesPerMinute bounds contributions and withdrawals per minute,
	// all accounts together; KeyPoolWritesPerMinute those of one account.
	PoolWritesPerMinute    = 120
	KeyPoolWritesPerMinute = 6
	// PoolLogReadsPerMinute bounds pool log exports, all callers together
	// (each is as large as the pool's log).
	PoolLogReadsPerMinute = 60
	maxWithdrawalBytes    = 4 << 10
	maxConsentHeader      = 8 << 10
)

// PoolInfo is what a hub tells anyone about a pool: its configuration,
// how many patients are in it, and what it released and paid.
type PoolInfo struct {
	Config   pools.Config `json:"config"`
	Members  int          `json:"members"`  // active contributions
	Versions int          `json:"versions"` // versions released
	Rounds   int          `json:"rounds"`   // payout rounds posted
	LogSize  uint64       `json:"log_size"`
}

// ContributionReply is the hub's receipt of a contribution: where its
// consent is in the pool log.
type ContributionReply struct {
	Pool         common.Address `json:"pool"`
	Account      common.Address `json:"account"`
	Contribution common.Hash    `json:"contribution"`
	Index        uint64         `json:"index"` // of its entry in the pool log
	// Already says the same contribution was recorded before (a retry).
	Already bool `json:"already,omitempty"`
}

// PoolReceipt is where a withdrawal is in the pool log.
type PoolReceipt struct {
	Pool    common.Address `json:"pool"`
	Account common.Address `json:"account"`
	Index   uint64         `json:"index"`
}

// RoundReply is a payout round as its operator computed it: the root
// posted on chain and every contributor's cumulative entitlement, from
// which each builds their proof (and anyone checks the root).
type RoundReply struct {
	Round        pools.Round         `json:"round"`
	Entitlements []pools.Entitlement `json:"entitlements"`
}

// PoolBackend is the optional part of a Backend that hosts pools.
// Contribute and Withdraw get requests whose signatures and freshness
// the provider checked.
type PoolBackend interface {
	// PoolInfos returns the pools this node hosts.
	PoolInfos(ctx context.Context) ([]PoolInfo, error)
	// PoolInfo returns one, ENOTFOUND when it is not hosted here.
	PoolInfo(ctx context.Context, pool common.Address) (PoolInfo, error)
	// PoolLog writes the pool log's bundle (JSON) to w.
	PoolLog(ctx context.Context, pool common.Address, w io.Writer) error
	// PoolRound returns payout round n, ENOTFOUND when not posted.
	PoolRound(ctx context.Context, pool common.Address, n uint64) (RoundReply, error)
	// Contribute applies the hub's admission policy to the contributor
	// (as to uploaders: open, approved accounts, or a minimum balance),
	// then stores the encrypted contribution read from blob (its
	// SHA-256 must be c.Contribution, at most MaxContributionBytes: EINVALID
	// otherwise, storing nothing) and records the consent in the pool log.
	Contribute(ctx context.Context, c pools.Consent, blob io.Reader) (ContributionReply, error)
	// Withdraw records the withdrawal in the pool log (ENOTFOUND when the
	// account has no contribution in the pool).
	Withdraw(ctx context.Context, w pools.Withdrawal) (PoolReceipt, error)
}

// poolPath is the API path of one pool.
func poolPath(pool common.Address) string { return PathPools + "/" + pool.Hex() }

// handlePools handles the GET provider/v1/pools route.
func (p *Provider) handlePools(log *slog.Logger) http.Handler {
	return p.poolRoute(log, func(w http.ResponseWriter, r *http.Request, pb PoolBackend) error {
		infos, err := pb.PoolInfos(r.Context())
		if err == nil {
			writeJSON(w, http.StatusOK, infos)
		}
		return err
	})
}

// handlePool handles GET provider/v1/pools/{pool}, its /log and its
// /rounds/{n}.
func (p *Provider) handlePool(log *slog.Logger, what string) http.Handler {
	return p.poolRoute(log, func(w http.ResponseWriter, r *http.Request, pb PoolBackend) error {
		pool, err := poolOf(r)
		if err != nil {
			return err
		}
		switch what {
		case "log":
			if err := p.admitPoolRead(); err != nil {
				return err
			}
			// The bundle is written as it is read; an error half way
			// leaves a short body, which the client's JSON decoding refuses.
			w.Header().Set("Content-Type", "application/json")
			return pb.PoolLog(r.Context(), pool, w)
		case "round":
			n, err := strconv.ParseUint(r.PathValue("n"), 10, 64)
			if err != nil || n == 0 {
				return marketplace.Errorf(marketplace.EINVALID, "Round %q: want a round number from 1.", r.PathValue("n"))
			}
			rr, err := pb.PoolRound(r.Context(), pool, n)
			if err == nil {
				writeJSON(w, http.StatusOK, rr)
			}
			return err
		}
		info, err := pb.PoolInfo(r.Context(), pool)
		if err == nil {
			writeJSON(w, http.StatusOK, info)
		}
		return err
	})
}

// handleContribute handles the POST provider/v1/pools/{pool}/contributions route.
func (p *Provider) handleContribute(log *slog.Logger) http.Handler {
	return p.poolRoute(log, func(w http.ResponseWriter, r *http.Request, pb PoolBackend) error {
		pool, err := poolOf(r)
		if err != nil {
			return err
		}
		c, err := consentOf(r.Header.Get(HeaderConsent))
		if err != nil {
			return err
		}
		if err := p.checkPoolWrite("Contribution", pool, c.Pool, c.Chain, c.At, c.Account, c.Verify); err != nil {
			log.Info("contribution refused", "pool", pool, "account", c.Account, "err", err)
			return err
		}
		if r.ContentLength > MaxContributionBytes {
			return marketplace.Errorf(marketplace.EINVALID, "Contribution: %d bytes, more than the %d a hub takes.", r.ContentLength, MaxContributionBytes)
		}
		rep, err := pb.Contribute(r.Context(), c, http.MaxBytesReader(w, r.Body, MaxContributionBytes))
		if err != nil {
			log.Info("contribution not recorded", "pool", pool, "account", c.Account, "err", err)
			return err
		}
		log.Info("contribution recorded", "pool", pool, "account", c.Account, "index", rep.Index, "already", rep.Already)
		writeJSON(w, http.StatusOK, rep)
		return nil
	})
}

// handlePoolWithdraw handles the POST provider/v1/pools/{pool}/withdrawals route.
func (p *Provider) handlePoolWithdraw(log *slog.Logger) http.Handler {
	return p.poolRoute(log, func(w http.ResponseWriter, r *http.Request, pb PoolBackend) error {
		pool, err := poolOf(r)
		if err != nil {
			return err
		}
		body, err := readCallBody(r, maxWithdrawalBytes, "Withdrawal")
		if err != nil {
			return err
		}
		var wd pools.Withdrawal
		if err := strictJSON(body, &wd); err != nil {
			return marketplace.Wrap(marketplace.EINVALID, err, "Withdrawal: not valid JSON")
		}
		if err := p.checkPoolWrite("Withdrawal", pool, wd.Pool, wd.Chain, wd.At, wd.Account, wd.Verify); err != nil {
			log.Info("withdrawal refused", "pool", pool, "account", wd.Account, "err", err)
			return err
		}
		rep, err := pb.Withdraw(r.Context(), wd)
		if err != nil {
			return err
		}
		log.Info("withdrawal recorded", "pool", pool, "account", wd.Account, "index", rep.Index)
		writeJSON(w, http.StatusOK, rep)
		return nil
	})
}

// poolRoute runs a pool route on the backend, when it hosts pools.
func (p *Provider) poolRoute(log *slog.Logger, h func(http.ResponseWriter, *http.Request, PoolBackend) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pb, ok := p.Backend.(PoolBackend)
		if !ok {
			writeError(w, log, marketplace.Errorf(marketplace.ENOTFOUND, "This node hosts no pools."))
			return
		}
		if err := h(w, r, pb); err != nil {
			writeError(w, log, err)
		}
	})
}

func poolOf(r *http.Request) (common.Address, error) {
	s := r.PathValue("pool")
	if !common.IsHexAddress(s) {
		return common.Address{}, marketplace.Errorf(marketplace.EINVALID, "Pool %q: want the pool's contract address.", s)
	}
	return common.HexToAddress(s), nil
}

func consentOf(h string) (pools.Consent, error) {
	var c pools.Consent
	if h == "" || len(h) > maxConsentHeader {
		return c, marketplace.Errorf(marketplace.EINVALID, "Contribution: no consent (%s).", HeaderConsent)
	}
	b, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return c, marketplace.Wrap(marketplace.EINVALID, err, "Contribution: the consent is not base64")
	}
	if err := strictJSON(b, &c); err != nil {
		return c, marketplace.Wrap(marketplace.EINVALID, err, "Contribution: the consent is not valid JSON")
	}
	return c, nil
}

// checkPoolWrite checks a signed pool request before its body is read:
// it names this pool on this chain, is fresh, its signature holds, and
// its account is within the rates.
func (p *Provider) checkPoolWrite(what string, pool, named common.Address, chain uint64, at time.Time, account common.Address, verify func() error) error {
	now := p.now()
	switch {
	case named != pool:
		return marketplace.Errorf(marketplace.EINVALID, "%s refused: it names pool %s, not %s.", what, named.Hex(), pool.Hex())
	case chain != p.ChainID:
		return marketplace.Errorf(marketplace.EFORBIDDEN, "%s refused: it is for chain %d, this hub is on chain %d.", what, chain, p.ChainID)
	case at.Before(now.Add(-MaxRequestLifetime)) || at.After(now.Add(clockSkew)):
		return marketplace.Errorf(marketplace.EFORBIDDEN, "%s refused: signed at %s, not within %s of this hub's clock (%s).",
			what, at.UTC().Format(time.RFC3339), MaxRequestLifetime, now.UTC().Format(time.RFC3339))
	}
	if err := verify(); err != nil {
		return marketplace.Wrap(marketplace.EFORBIDDEN, err, "%s refused", what)
	}
	return p.admitCallRate(&p.poolWindow, account, callRates{what: "pool requests", node: PoolWritesPerMinute, perA: KeyPoolWritesPerMinute})
}

// admitPoolRead counts a pool log read against the node-wide rate (the
// log is public; its size is bounded by the pool).
func (p *Provider) admitPoolRead() error {
	return p.admitCallRate(&p.poolReadWindow, common.Address{}, callRates{what: "pool log reads", node: PoolLogReadsPerMinute, perA: PoolLogReadsPerMinute})
}

// PoolClient calls pools' hubs.
type PoolClient struct {
	Client *Client
}

// Pools lists the pools the hub at base hosts.
func (c PoolClient) Pools(ctx context.Context, base string) ([]PoolInfo, error) {
	var out []PoolInfo
	return out, c.getJSON(ctx, base, PathPools, 16<<20, &out)
}

// Pool fetches one pool's information.
func (c PoolClient) Pool(ctx context.Context, base string, pool common.Address) (PoolInfo, error) {
	var out PoolInfo
	return out, c.getJSON(ctx, base, poolPath(pool), 1<<20, &out)
}

// Log fetches the pool log's bundle (JSON; the caller verifies it).
func (c PoolClient) Log(ctx context.Context, base string, pool common.Address) ([]byte, error) {
	req, err := newRequest(ctx, http.MethodGet, base, poolPath(pool)+"/log", nil)
	if err != nil {
		return nil, err
	}
	res, err := c.Client.do(req, base)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, MaxPoolLogBytes+1))
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "hub %s: reading the pool log", base)
	}
	if len(b) > MaxPoolLogBytes {
		return nil, marketplace.Errorf(marketplace.EINVALID, "hub %s sent a pool log of more than %d bytes: refused", base, MaxPoolLogBytes)
	}
	return b, nil
}

// Round fetches payout round n's entitlements.
func (c PoolClient) Round(ctx context.Context, base string, pool common.Address, n uint64) (RoundReply, error) {
	var out RoundReply
	return out, c.getJSON(ctx, base, fmt.Sprintf("%s/rounds/%d", poolPath(pool), n), 256<<20, &out)
}

// Contribute uploads an encrypted contribution with its signed consent.
func (c PoolClient) Contribute(ctx context.Context, base string, consent pools.Consent, blob []byte) (ContributionReply, error) {
	return c.contributeTo(ctx, base, consent.Pool, consent, blob)
}

func (c PoolClient) contributeTo(ctx context.Context, base string, pool common.Address, consent pools.Consent, blob []byte) (ContributionReply, error) {
	var out ContributionReply
	cj, err := json.Marshal(consent)
	if err != nil {
		return out, err
	}
	req, err := newRequest(ctx, http.MethodPost, base, poolPath(pool)+"/contributions", bytes.NewReader(blob))
	if err != nil {
		return out, err
	}
	req.ContentLength = int64(len(blob))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set(HeaderConsent, base64.StdEncoding.EncodeToString(cj))
	return out, c.do(req, base, 64<<10, &out)
}

// Withdraw sends a signed withdrawal to the pool's hub.
func (c PoolClient) Withdraw(ctx context.Context, base string, w pools.Withdrawal) (PoolReceipt, error) {
	var out PoolReceipt
	b, err := json.Marshal(w)
	if err != nil {
		return out, err
	}
	req, err := newRequest(ctx, http.MethodPost, base, poolPath(w.Pool)+"/withdrawals", bytes.NewReader(b))
	if err != nil {
		return out, err
	}
	req.Header.Set("Content-Type", "application/json")
	return out, c.do(req, base, 64<<10, &out)
}

func (c PoolClient) getJSON(ctx context.Context, base, path string, limit int64, out any) error {
	req, err := newRequest(ctx, http.MethodGet, base, path, nil)
	if err != nil {
		return err
	}
	return c.do(req, base, limit, out)
}

// do sends req and decodes at most limit bytes of its answer into out.
func (c PoolClient) do(req *http.Request, base string, limit int64, out any) error {
	res, err := c.Client.do(req, base)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(io.LimitReader(res.Body, limit)).Decode(out); err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "hub %s sent no valid answer", base)
	}
	return nil
}
