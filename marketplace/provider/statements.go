package provider

import (
	"bytes"
	"context"
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
	"github.com/medmarket/medmarket/marketplace/vault"
)

// Paths of buyers' statements, under a provider URL.
const (
	// PathStatements: POST a SignedStatement, the buyer's statements for one purchase.
	PathStatements = "provider/v1/statements"
	// PathStatementsQuery: POST a SignedStatementsQuery (by the listing's
	// seller), answered with the []RecordedStatement buyers delivered.
	PathStatementsQuery = "provider/v1/statements/query"
)

// Statement is what a buyer states at one purchase (DUO DS, IRB, COL),
// bound to the chain, the contract, the listing, the buyer and the buy
// transaction: the signature cannot be moved to another purchase or buyer.
type Statement struct {
	ChainID   uint64         `json:"chain_id"`
	Contract  common.Address `json:"contract"`
	ListingID uint64         `json:"listing_id"`
	Buyer     common.Address `json:"buyer"`
	TxHash    common.Hash    `json:"tx_hash"` // the buy transaction
	marketplace.Statements
}

// Message returns the exact text the buyer signs (EIP-191). The statements
// are quoted (Go syntax), so no statement can forge another line.
func (s Statement) Message() []byte {
	return fmt.Appendf(nil, "medmarket buyer statements\nchain: %d\ncontract: %s\nlisting: %d\nbuyer: %s\nbuy tx: %s\ndisease: %s\napproval: %s\ncollaborator: %s\n",
		s.ChainID, s.Contract.Hex(), s.ListingID, s.Buyer.Hex(), s.TxHash.Hex(),
		strconv.Quote(s.Disease), strconv.Quote(s.Approval), strconv.Quote(s.Collaborator))
}

// SignedStatement is a statement with the buyer's EIP-191 signature, as POSTed.
type SignedStatement struct {
	Statement
	Signature hexutil.Bytes `json:"signature"`
}

// SignStatement signs s with the buyer's unlocked account.
func SignStatement(s Statement, sg *vault.Signer) (SignedStatement, error) {
	sig, err := sg.SignPersonal(s.Message())
	if err != nil {
		return SignedStatement{}, err
	}
	return SignedStatement{Statement: s, Signature: sig}, nil
}

// RecordedStatement is a statement as the provider keeps it.
type RecordedStatement struct {
	SignedStatement
	Received time.Time `json:"received"`
}

// StatementsQuery is the seller's request for the statements buyers
// delivered for one of its listings; one use (nonce), before expiry.
type StatementsQuery struct {
	ChainID   uint64         `json:"chain_id"`
	Contract  common.Address `json:"contract"`
	ListingID uint64         `json:"listing_id"`
	Seller    common.Address `json:"seller"`
	Nonce     string         `json:"nonce"`
	Expiry    int64          `json:"expiry"`
}

// Message returns the exact text the seller signs (EIP-191).
func (q StatementsQuery) Message() []byte {
	return fmt.Appendf(nil, "medmarket buyers' statements query\nchain: %d\ncontract: %s\nlisting: %d\nseller: %s\nnonce: %s\nexpires: %d\n",
		q.ChainID, q.Contract.Hex(), q.ListingID, q.Seller.Hex(), q.Nonce, q.Expiry)
}

// SignedStatementsQuery is a query with the seller's signature, as POSTed.
type SignedStatementsQuery struct {
	StatementsQuery
	Signature hexutil.Bytes `json:"signature"`
}

// NewStatementsQuery builds and signs the seller's query for listing id,
// valid for lifetime (at most MaxRequestLifetime) from now.
func NewStatementsQuery(chainID uint64, contract common.Address, id uint64, sg *vault.Signer, now time.Time, lifetime time.Duration) (SignedStatementsQuery, error) {
	nonce, expiry, err := freshNonce(now, lifetime)
	if err != nil {
		return SignedStatementsQuery{}, err
	}
	q := StatementsQuery{ChainID: chainID, Contract: contract, ListingID: id, Seller: sg.Address(),
		Nonce: nonce, Expiry: expiry}
	sig, err := sg.SignPersonal(q.Message())
	if err != nil {
		return SignedStatementsQuery{}, err
	}
	return SignedStatementsQuery{StatementsQuery: q, Signature: sig}, nil
}

// StatementBackend is the optional part of a Backend that keeps buyers'
// statements. A provider whose backend lacks it refuses statements.
type StatementBackend interface {
	// CheckPurchase checks on chain that tx is a mined purchase of listing
	// id by buyer (EFORBIDDEN if not).
	CheckPurchase(ctx context.Context, id uint64, buyer common.Address, tx common.Hash) error
	// Seller returns the seller of listing id, as the contract records it.
	Seller(ctx context.Context, id uint64) (common.Address, error)
	// AddStatement keeps a checked statement; ECONFLICT when the statement
	// of that buy transaction is already kept.
	AddStatement(ctx context.Context, s RecordedStatement) error
	// Statements returns the statements kept for listing id, oldest first.
	Statements(ctx context.Context, id uint64) ([]RecordedStatement, error)
}

func (p *Provider) statementBackend() (StatementBackend, error) {
	sb, ok := p.Backend.(StatementBackend)
	if !ok {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND, "This provider does not keep buyers' statements.")
	}
	return sb, nil
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// RecordStatement checks a buyer's signed statement and keeps it: the
// signature must be the buyer's, for this chain and contract, of a listing
// this provider serves, by a buyer holding a valid licence (hasLicence),
// bound to a mined purchase of that listing by that buyer. Refusals are
// EFORBIDDEN with the reason; ECONFLICT when that purchase's statement was
// already delivered (a replay).
func (p *Provider) RecordStatement(ctx context.Context, ss SignedStatement) error {
	sb, err := p.statementBackend()
	if err != nil {
		return err
	}
	if _, err := p.verify(envelope{refused: "Statement refused", subject: "it", msg: ss.Message(), sig: ss.Signature,
		signer: ss.Buyer, role: "buyer", chainID: ss.ChainID, contract: ss.Contract, lasting: true}); err != nil {
		return err
	}
	if err := ss.Statements.Validate(); err != nil {
		return err
	}
	content, err := p.Backend.ContentHash(ctx, ss.ListingID)
	if err != nil {
		return err
	}
	if _, err := p.Backend.DatasetKey(ctx, content); err != nil {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "Statement refused: this provider does not serve listing %d.", ss.ListingID)
	}
	ok, err := p.licensed(ctx, ss.ListingID, ss.Buyer)
	if err != nil {
		return err
	}
	if !ok {
		return marketplace.Errorf(marketplace.EFORBIDDEN,
			"Statement refused: account %s holds no valid licence to listing %d.", ss.Buyer.Hex(), ss.ListingID)
	}
	if err := sb.CheckPurchase(ctx, ss.ListingID, ss.Buyer, ss.TxHash); err != nil {
		return err
	}
	return sb.AddStatement(ctx, RecordedStatement{SignedStatement: ss, Received: p.now().UTC()})
}

// QueryStatements checks a seller's signed query (signature, chain,
// contract, expiry, the signer is the listing's seller on chain, and last
// its one-use nonce) and returns the statements kept for the listing. Refusals are
// EFORBIDDEN with the reason.
func (p *Provider) QueryStatements(ctx context.Context, q SignedStatementsQuery) ([]RecordedStatement, error) {
	sb, err := p.statementBackend()
	if err != nil {
		return nil, err
	}
	e := envelope{refused: "Query refused", subject: "it", msg: q.Message(), sig: q.Signature,
		signer: q.Seller, role: "account", chainID: q.ChainID, contract: q.Contract, expiry: q.Expiry, nonce: q.Nonce}
	if _, err := p.verify(e); err != nil {
		return nil, err
	}
	who := q.Seller
	seller, err := sb.Seller(ctx, q.ListingID)
	if err != nil {
		return nil, err
	}
	if seller != who {
		return nil, marketplace.Errorf(marketplace.EFORBIDDEN, "Query refused: %s is not the seller of listing %d.", who.Hex(), q.ListingID)
	}
	if err := p.useNonce(ctx, e); err != nil {
		return nil, err
	}
	return sb.Statements(ctx, q.ListingID)
}

// handleStatement handles the POST /provider/v1/statements route.
func (p *Provider) handleStatement(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, ok := decodeRequest[SignedStatement](w, r, log, "Statement")
		if !ok {
			return
		}
		if err := p.RecordStatement(r.Context(), ss); err != nil {
			log.Info("statement refused", "listing", ss.ListingID, "buyer", ss.Buyer, "err", err)
			writeError(w, log, err)
			return
		}
		log.Info("buyer's statement recorded", "listing", ss.ListingID, "buyer", ss.Buyer, "tx", ss.TxHash)
		writeJSON(w, http.StatusOK, struct{}{})
	})
}

// handleStatementsQuery handles the POST /provider/v1/statements/query route.
func (p *Provider) handleStatementsQuery(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, ok := decodeRequest[SignedStatementsQuery](w, r, log, "Statements query")
		if !ok {
			return
		}
		out, err := p.QueryStatements(r.Context(), q)
		if err != nil {
			log.Info("statements query refused", "listing", q.ListingID, "seller", q.Seller, "err", err)
			writeError(w, log, err)
			return
		}
		if out == nil {
			out = []RecordedStatement{}
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// DeliverStatement posts a buyer's signed statement to a provider.
func (c *Client) DeliverStatement(ctx context.Context, base string, ss SignedStatement) error {
	res, err := c.postJSON(ctx, base, PathStatements, ss)
	if err != nil {
		return err
	}
	res.Body.Close()
	return nil
}

// Statements posts a seller's signed query to a provider and returns the
// statements its buyers delivered there.
func (c *Client) Statements(ctx context.Context, base string, q SignedStatementsQuery) ([]RecordedStatement, error) {
	res, err := c.postJSON(ctx, base, PathStatementsQuery, q)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out []RecordedStatement
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<20)).Decode(&out); err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "provider %s sent no valid statements", base)
	}
	return out, nil
}

func (c *Client) postJSON(ctx context.Context, base, path string, v any) (*http.Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, join(base, path), bytes.NewReader(body))
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "provider URL %q", base)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, base)
}
