package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
)

// A trial's log lives on its sponsor's node. Staff whose keys live on
// other nodes reach it through the trial routes of its provider API, each
// request signed (EIP-191) by the staff member's own account over the
// method, the API path, the SHA-256 of the body, a nonce and an expiry at
// most MaxRequestLifetime ahead (the envelope every signed request here
// passes), in the request's headers:
//
//	POST provider/v1/trials/{id}/prepare  {"inputs":[...]}  -> {"steps":[...]}
//	POST provider/v1/trials/{id}/submit   {"leaves":[...]}  -> {"entries":[...]}
//	GET  provider/v1/trials/{id}/export                     -> the JSON export
//
// The node prepares the steps the signer asks for, the signer's node signs
// them with the key it holds, and submits the signed leaves; the export is
// served to the sponsor and the trial's team only. Requests are bounded in
// size and counted against per-minute rates, node-wide and per account.

// PathTrials is the prefix of the trial routes: + id + "/prepare",
// "/submit" or "/export".
const PathTrials = "provider/v1/trials/"

// Headers of a signed trial request.
const (
	HeaderAccount   = "X-Medmarket-Account"
	HeaderNonce     = "X-Medmarket-Nonce"
	HeaderExpiry    = "X-Medmarket-Expiry"
	HeaderSignature = "X-Medmarket-Signature"
)

// Limits of the trial routes.
const (
	// MaxTrialRequestBytes bounds a prepare or submit body.
	MaxTrialRequestBytes = 8 << 20
	// MaxTrialExportBytes bounds an export a client reads.
	MaxTrialExportBytes = 512 << 20
	// TrialRequestsPerMinute bounds the trial requests served per minute,
	// all accounts together; KeyTrialRequestsPerMinute those of one account.
	TrialRequestsPerMinute    = 600
	KeyTrialRequestsPerMinute = 60
)

// TrialBackend is the optional part of a Backend that serves the trial
// routes: the node's trial service. who is the request's verified signer.
type TrialBackend interface {
	// PrepareTrialSteps builds the steps inputs (a JSON array of step
	// inputs) would be recorded as in trial, signed by who, as things stand
	// now, appending nothing; EFORBIDDEN when who is not on the team.
	PrepareTrialSteps(ctx context.Context, who common.Address, trial common.Hash, inputs json.RawMessage) ([]marketplace.Step, error)
	// SubmitTrialSteps appends leaves signed by who, all or none (ECONFLICT
	// when the log moved on since they were prepared).
	SubmitTrialSteps(ctx context.Context, who common.Address, trial common.Hash, leaves [][]byte) ([]SubmittedEntry, error)
	// TrialExport returns trial's JSON export when who is its sponsor or on
	// its team (EFORBIDDEN otherwise).
	TrialExport(ctx context.Context, who common.Address, trial common.Hash) ([]byte, error)
}

// SubmittedEntry is where a submitted leaf went in the log.
type SubmittedEntry struct {
	Index    uint64      `json:"index"`
	LeafHash common.Hash `json:"leaf_hash"`
}

// TrialRequest is what a trial request's signer signs.
type TrialRequest struct {
	ChainID  uint64
	Contract common.Address
	Account  common.Address
	Method   string
	Path     string      // the API path: PathTrials + id + "/prepare"
	BodyHash common.Hash // SHA-256 of the body
	Nonce    string
	Expiry   int64
}

// Message returns the exact text signed with EIP-191.
func (r TrialRequest) Message() []byte {
	return fmt.Appendf(nil, "medmarket trial request\nchain: %d\ncontract: %s\naccount: %s\nrequest: %s %s\nbody: %s\nnonce: %s\nexpires: %d\n",
		r.ChainID, r.Contract.Hex(), r.Account.Hex(), r.Method, r.Path, r.BodyHash.Hex(), r.Nonce, r.Expiry)
}

// PersonalSigner signs EIP-191 messages with an unlocked account
// (vault.Signer).
type PersonalSigner interface {
	Address() common.Address
	SignPersonal(msg []byte) ([]byte, error)
}

// trialPath is the API path of operation op ("prepare") of trial.
func trialPath(trial common.Hash, op string) string { return PathTrials + trial.Hex() + "/" + op }

// handleTrial handles the trial routes: the envelope, the rates, the nonce,
// then the operation.
func (p *Provider) handleTrial(log *slog.Logger, op string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tb, ok := p.Backend.(TrialBackend)
		if !ok {
			writeError(w, log, marketplace.Errorf(marketplace.ENOTFOUND, "This node serves no trials."))
			return
		}
		trial, err := hexHash(r.PathValue("id"))
		if err != nil {
			writeError(w, log, err)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxTrialRequestBytes+1))
		if err != nil {
			writeError(w, log, marketplace.Wrap(marketplace.EINVALID, err, "Trial request: the body could not be read"))
			return
		}
		if len(body) > MaxTrialRequestBytes {
			writeError(w, log, marketplace.Errorf(marketplace.EINVALID, "Trial request: the body is over %d bytes.", MaxTrialRequestBytes))
			return
		}
		who, err := p.authorizeTrial(r.Context(), r, trialPath(trial, op), body)
		if err != nil {
			log.Info("trial request refused", "trial", trial, "op", op, "err", err)
			writeError(w, log, err)
			return
		}
		out, err := p.serveTrial(r.Context(), tb, op, who, trial, body)
		if err != nil {
			log.Info("trial request failed", "trial", trial, "op", op, "account", who, "err", err)
			writeError(w, log, err)
			return
		}
		log.Info("trial request served", "trial", trial, "op", op, "account", who)
		if raw, ok := out.([]byte); ok {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(raw) // the status is sent; a client gone has no one to tell
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// trialPrepareBody and trialSubmitBody are the bodies of prepare and
// submit; the answers are trialSteps and trialEntries.
type (
	trialPrepareBody struct {
		Inputs json.RawMessage `json:"inputs"`
	}
	trialSubmitBody struct {
		Leaves [][]byte `json:"leaves"` // base64: the leaves' exact bytes
	}
	trialSteps struct {
		Steps []marketplace.Step `json:"steps"`
	}
	trialEntries struct {
		Entries []SubmittedEntry `json:"entries"`
	}
)

// serveTrial runs op for who.
func (p *Provider) serveTrial(ctx context.Context, tb TrialBackend, op string, who common.Address, trial common.Hash, body []byte) (any, error) {
	switch op {
	case "prepare":
		var b trialPrepareBody
		if err := strictJSON(body, &b); err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "Trial prepare request: not valid JSON")
		}
		steps, err := tb.PrepareTrialSteps(ctx, who, trial, b.Inputs)
		return trialSteps{steps}, err
	case "submit":
		var b trialSubmitBody
		if err := strictJSON(body, &b); err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "Trial submit request: not valid JSON")
		}
		es, err := tb.SubmitTrialSteps(ctx, who, trial, b.Leaves)
		return trialEntries{es}, err
	}
	return tb.TrialExport(ctx, who, trial)
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// authorizeTrial checks a trial request's envelope from its headers, counts
// it against the rates and uses up its nonce; it returns the signer.
func (p *Provider) authorizeTrial(ctx context.Context, r *http.Request, path string, body []byte) (common.Address, error) {
	h := r.Header
	if !common.IsHexAddress(h.Get(HeaderAccount)) {
		return common.Address{}, marketplace.Errorf(marketplace.EFORBIDDEN, "Trial request refused: no signing account (%s).", HeaderAccount)
	}
	expiry, _ := strconv.ParseInt(h.Get(HeaderExpiry), 10, 64)
	req := TrialRequest{ChainID: p.ChainID, Contract: p.Contract, Account: common.HexToAddress(h.Get(HeaderAccount)), Method: r.Method,
		Path: path, BodyHash: sha256.Sum256(body), Nonce: h.Get(HeaderNonce), Expiry: expiry}
	sig, err := hexutil.Decode(h.Get(HeaderSignature))
	if err != nil {
		return req.Account, marketplace.Errorf(marketplace.EFORBIDDEN, "Trial request refused: no valid signature (%s).", HeaderSignature)
	}
	// The chain and contract are this provider's: a request signed for
	// another fails the signature check.
	e := envelope{refused: "Trial request refused", subject: "the request", msg: req.Message(), sig: sig, signer: req.Account,
		role: "account", chainID: p.ChainID, contract: p.Contract, expiry: req.Expiry, nonce: req.Nonce}
	if _, err := p.verify(e); err != nil {
		return req.Account, err
	}
	if err := p.admitTrialRate(req.Account); err != nil {
		return req.Account, err
	}
	return req.Account, p.useNonce(ctx, e)
}

// admitTrialRate counts a trial request by who against the node-wide and
// per-account rates of the current minute (EFORBIDDEN, ErrQuota: HTTP 429).
func (p *Provider) admitTrialRate(who common.Address) error {
	now := p.now()
	p.quotaMu.Lock()
	defer p.quotaMu.Unlock()
	w := &p.trialWindow
	if start := now.Truncate(time.Minute); !start.Equal(w.start) {
		*w = rateWindow{start: start, keys: map[common.Address]int{}}
	}
	wait := w.start.Add(time.Minute).Sub(now).Round(time.Second)
	switch {
	case w.hub >= TrialRequestsPerMinute:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"node busy: %d trial requests this minute (limit %d); try again in %s", w.hub, TrialRequestsPerMinute, wait)}
	case w.keys[who] >= KeyTrialRequestsPerMinute:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"rate: account %s sent %d trial requests this minute (limit %d); try again in %s", who.Hex(), w.keys[who], KeyTrialRequestsPerMinute, wait)}
	}
	w.hub++
	w.keys[who]++
	return nil
}

// TrialClient calls the trial routes of a trial's node for one chain and
// contract, signing each request with the caller's account.
type TrialClient struct {
	Client   *Client
	ChainID  uint64
	Contract common.Address
	Now      func() time.Time // nil: time.Now
}

// Prepare asks the node at base to prepare inputs (marshalled to a JSON
// array of step inputs) in trial for s's account.
func (c TrialClient) Prepare(ctx context.Context, base string, s PersonalSigner, trial common.Hash, inputs any) ([]marketplace.Step, error) {
	raw, err := json.Marshal(inputs)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Trial steps")
	}
	var out trialSteps
	err = c.call(ctx, base, s, http.MethodPost, trialPath(trial, "prepare"), trialPrepareBody{Inputs: raw}, &out)
	return out.Steps, err
}

// Submit hands leaves signed by s's account to the node at base.
func (c TrialClient) Submit(ctx context.Context, base string, s PersonalSigner, trial common.Hash, leaves [][]byte) ([]SubmittedEntry, error) {
	var out trialEntries
	err := c.call(ctx, base, s, http.MethodPost, trialPath(trial, "submit"), trialSubmitBody{Leaves: leaves}, &out)
	return out.Entries, err
}

// Export fetches trial's JSON export from the node at base, as s's
// account (the sponsor or a member of the team); the caller verifies it.
func (c TrialClient) Export(ctx context.Context, base string, s PersonalSigner, trial common.Hash) ([]byte, error) {
	var out []byte
	err := c.call(ctx, base, s, http.MethodGet, trialPath(trial, "export"), nil, &out)
	return out, err
}

// call sends a signed trial request and decodes the answer into out (a
// *[]byte takes the body as it is, at most MaxTrialExportBytes).
func (c TrialClient) call(ctx context.Context, base string, s PersonalSigner, method, path string, body, out any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return marketplace.Wrap(marketplace.EINVALID, err, "Trial request")
		}
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	nonce, expiry, err := freshNonce(now(), time.Minute)
	if err != nil {
		return err
	}
	tr := TrialRequest{ChainID: c.ChainID, Contract: c.Contract, Account: s.Address(), Method: method, Path: path,
		BodyHash: sha256.Sum256(b), Nonce: nonce, Expiry: expiry}
	sig, err := s.SignPersonal(tr.Message())
	if err != nil {
		return err
	}
	req, err := newRequest(ctx, method, base, path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderAccount, tr.Account.Hex())
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderExpiry, strconv.FormatInt(expiry, 10))
	req.Header.Set(HeaderSignature, hexutil.Encode(sig))
	res, err := c.Client.do(req, base)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, MaxTrialExportBytes+1))
	if err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "trial node %s unreachable", base)
	}
	if len(raw) > MaxTrialExportBytes {
		return marketplace.Errorf(marketplace.EINVALID, "trial node %s sent more than %d bytes: refused", base, MaxTrialExportBytes)
	}
	if p, ok := out.(*[]byte); ok {
		*p = raw
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "trial node %s sent no valid answer", base)
	}
	return nil
}
