package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"

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
		body, err := readCallBody(r, MaxTrialRequestBytes, "Trial request")
		if err != nil {
			writeError(w, log, err)
			return
		}
		who, err := p.authorizeCall(r.Context(), r, KindTrial, "Trial request refused", trialPath(trial, op), body, &p.trialWindow,
			callRates{what: "trial requests", node: TrialRequestsPerMinute, perA: KeyTrialRequestsPerMinute})
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
	sc := signedClient{client: c.Client, kind: KindTrial, chainID: c.ChainID, contract: c.Contract, now: c.Now,
		maxBytes: MaxTrialExportBytes, node: "trial node"}
	return sc.call(ctx, base, s, method, path, body, out)
}
