package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
)

// A signed call is a request to one of the routes another node's account
// uses as itself (trial staff, researchers asking questions): signed
// (EIP-191) by that account over its kind, the method, the API path, the
// SHA-256 of the body, a nonce and an expiry at most MaxRequestLifetime
// ahead, carried in the request's headers. Each kind of call has its own
// rates, node-wide and per account, counted once the signature holds and
// before the nonce is used up.

// Headers of a signed call.
const (
	HeaderAccount   = "X-Medmarket-Account"
	HeaderNonce     = "X-Medmarket-Nonce"
	HeaderExpiry    = "X-Medmarket-Expiry"
	HeaderSignature = "X-Medmarket-Signature"
)

// Kinds of signed calls: the first line of what is signed names it, so a
// signature for one kind is never taken for another.
const (
	KindTrial    = "trial"
	KindQuestion = "question"
)

// SignedCall is what a signed call's signer signs.
type SignedCall struct {
	Kind     string // KindTrial, KindQuestion
	ChainID  uint64
	Contract common.Address
	Account  common.Address
	Method   string
	Path     string      // the API path: PathTrials + id + "/prepare"
	BodyHash common.Hash // SHA-256 of the body
	Nonce    string
	Expiry   int64
}

// TrialRequest is the signed call of the trial routes (Kind KindTrial).
type TrialRequest = SignedCall

// Message returns the exact text signed with EIP-191.
func (r SignedCall) Message() []byte {
	return fmt.Appendf(nil, "medmarket %s request\nchain: %d\ncontract: %s\naccount: %s\nrequest: %s %s\nbody: %s\nnonce: %s\nexpires: %d\n",
		r.Kind, r.ChainID, r.Contract.Hex(), r.Account.Hex(), r.Method, r.Path, r.BodyHash.Hex(), r.Nonce, r.Expiry)
}

// PersonalSigner signs EIP-191 messages with an unlocked account
// (vault.Signer).
type PersonalSigner interface {
	Address() common.Address
	SignPersonal(msg []byte) ([]byte, error)
}

// callRates are the per-minute limits of one kind of signed call.
type callRates struct {
	what       string // "trial requests"
	node, perA int    // all accounts together; one account
}

// readCallBody reads a signed call's body, at most limit bytes (EINVALID
// beyond, naming what).
func readCallBody(r *http.Request, limit int64, what string) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "%s: the body could not be read", what)
	}
	if int64(len(body)) > limit {
		return nil, marketplace.Errorf(marketplace.EINVALID, "%s: the body is over %d bytes.", what, limit)
	}
	return body, nil
}

// authorizeCall checks a signed call's envelope from its headers, counts
// it against the rates of w and uses up its nonce; it returns the signer.
// refused starts each refusal ("Trial request refused").
func (p *Provider) authorizeCall(ctx context.Context, r *http.Request, kind, refused, path string, body []byte, w *rateWindow, rates callRates) (common.Address, error) {
	h := r.Header
	if !common.IsHexAddress(h.Get(HeaderAccount)) {
		return common.Address{}, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: no signing account (%s).", refused, HeaderAccount)
	}
	expiry, _ := strconv.ParseInt(h.Get(HeaderExpiry), 10, 64)
	req := SignedCall{Kind: kind, ChainID: p.ChainID, Contract: p.Contract, Account: common.HexToAddress(h.Get(HeaderAccount)), Method: r.Method,
		Path: path, BodyHash: sha256.Sum256(body), Nonce: h.Get(HeaderNonce), Expiry: expiry}
	sig, err := hexutil.Decode(h.Get(HeaderSignature))
	if err != nil {
		return req.Account, marketplace.Errorf(marketplace.EFORBIDDEN, "%s: no valid signature (%s).", refused, HeaderSignature)
	}
	// The chain and contract are this provider's: a request signed for
	// another fails the signature check.
	e := envelope{refused: refused, subject: "the request", msg: req.Message(), sig: sig, signer: req.Account,
		role: "account", chainID: p.ChainID, contract: p.Contract, expiry: req.Expiry, nonce: req.Nonce}
	if _, err := p.verify(e); err != nil {
		return req.Account, err
	}
	if err := p.admitCallRate(w, req.Account, rates); err != nil {
		return req.Account, err
	}
	return req.Account, p.useNonce(ctx, e)
}

// admitCallRate counts a call by who against the node-wide and
// per-account rates of the current minute in w (EFORBIDDEN, ErrQuota:
// HTTP 429).
func (p *Provider) admitCallRate(w *rateWindow, who common.Address, rates callRates) error {
	now := p.now()
	p.quotaMu.Lock()
	defer p.quotaMu.Unlock()
	if start := now.Truncate(time.Minute); !start.Equal(w.start) {
		*w = rateWindow{start: start, keys: map[common.Address]int{}}
	}
	wait := w.start.Add(time.Minute).Sub(now).Round(time.Second)
	switch {
	case w.hub >= rates.node:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"node busy: %d %s this minute (limit %d); try again in %s", w.hub, rates.what, rates.node, wait)}
	case w.keys[who] >= rates.perA:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"rate: account %s sent %d %s this minute (limit %d); try again in %s", who.Hex(), w.keys[who], rates.what, rates.perA, wait)}
	}
	w.hub++
	w.keys[who]++
	return nil
}

// signedClient sends signed calls of one kind for one chain and contract.
type signedClient struct {
	client   *Client
	kind     string
	chainID  uint64
	contract common.Address
	now      func() time.Time // nil: time.Now
	maxBytes int64            // bounds the answer read
	node     string           // what refusals call the other node: "trial node"
}

// call sends a signed call and decodes the answer into out (a *[]byte
// takes the body as it is, at most maxBytes).
func (c signedClient) call(ctx context.Context, base string, s PersonalSigner, method, path string, body, out any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return marketplace.Wrap(marketplace.EINVALID, err, "%s request", c.kind)
		}
	}
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	nonce, expiry, err := freshNonce(now(), time.Minute)
	if err != nil {
		return err
	}
	sc := SignedCall{Kind: c.kind, ChainID: c.chainID, Contract: c.contract, Account: s.Address(), Method: method, Path: path,
		BodyHash: sha256.Sum256(b), Nonce: nonce, Expiry: expiry}
	sig, err := s.SignPersonal(sc.Message())
	if err != nil {
		return err
	}
	req, err := newRequest(ctx, method, base, path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderAccount, sc.Account.Hex())
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderExpiry, strconv.FormatInt(expiry, 10))
	req.Header.Set(HeaderSignature, hexutil.Encode(sig))
	res, err := c.client.do(req, base)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, c.maxBytes+1))
	if err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "%s %s unreachable", c.node, base)
	}
	if int64(len(raw)) > c.maxBytes {
		return marketplace.Errorf(marketplace.EINVALID, "%s %s sent more than %d bytes: refused", c.node, base, c.maxBytes)
	}
	if p, ok := out.(*[]byte); ok {
		*p = raw
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "%s %s sent no valid answer", c.node, base)
	}
	return nil
}
