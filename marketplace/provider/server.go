package provider

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
)

// maxRequestBytes bounds a download request's body.
const maxRequestBytes = 16 << 10

// Handler returns the provider API, to mount at "/provider/v1/" of the
// node's HTTP server.
func (p *Provider) Handler(log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /"+PathKey, p.handleKey())
	mux.Handle("GET /"+PathCards+"{hash}", p.handleCard(log))
	mux.Handle("GET /"+PathListings+"{id}", p.handleAttest(log))
	mux.Handle("POST /"+PathDownload, p.handleDownload(log))
	mux.Handle("POST /"+PathStatements, p.handleStatement(log))
	mux.Handle("POST /"+PathStatementsQuery, p.handleStatementsQuery(log))
	mux.Handle("POST /"+PathWithdraw, p.handleWithdraw(log))
	mux.Handle("POST /"+PathTrials+"{id}/prepare", p.handleTrial(log, "prepare"))
	mux.Handle("POST /"+PathTrials+"{id}/submit", p.handleTrial(log, "submit"))
	mux.Handle("GET /"+PathTrials+"{id}/export", p.handleTrial(log, "export"))
	mux.Handle("POST /"+PathListings+"{id}/questions", p.handleQuestion(log, opAsk))
	mux.Handle("GET /"+PathListings+"{id}/questions"+opBudget, p.handleQuestion(log, opBudget))
	mux.Handle("GET /"+PathListings+"{id}/questions"+opAnswered, p.handleQuestion(log, opAnswered))
	mux.Handle("GET /"+PathPools, p.handlePools(log))
	mux.Handle("GET /"+PathPools+"/{pool}", p.handlePool(log, "info"))
	mux.Handle("GET /"+PathPools+"/{pool}/log", p.handlePool(log, "log"))
	mux.Handle("GET /"+PathPools+"/{pool}/rounds/{n}", p.handlePool(log, "round"))
	mux.Handle("POST /"+PathPools+"/{pool}/contributions", p.handleContribute(log))
	mux.Handle("POST /"+PathPools+"/{pool}/withdrawals", p.handlePoolWithdraw(log))
	mux.Handle("POST /"+PathBlobs, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.handleUpload(w, r, log); err != nil {
			writeError(w, log, err)
		}
	}))
	return mux
}

// KeyInfo is the node's public key, as GET /provider/v1/key serves it.
type KeyInfo struct {
	Address   common.Address `json:"address"`
	PublicKey string         `json:"public_key"` // uncompressed secp256k1, 0x-hex
	ChainID   uint64         `json:"chain_id"`
	Contract  common.Address `json:"contract"`
}

// handleKey handles the GET /provider/v1/key route.
func (p *Provider) handleKey() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, KeyInfo{
			Address:   crypto.PubkeyToAddress(*p.Key),
			PublicKey: "0x" + common.Bytes2Hex(crypto.FromECDSAPub(p.Key)),
			ChainID:   p.ChainID, Contract: p.Contract,
		})
	})
}

// handleCard handles the GET /provider/v1/cards/{hash} route: the card
// bytes exactly as listed (the caller checks the hash).
func (p *Provider) handleCard(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := r.PathValue("hash")
		b, err := hexHash(s)
		if err != nil {
			writeError(w, log, err)
			return
		}
		card, err := p.Backend.Card(r.Context(), b)
		if err != nil {
			writeError(w, log, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Write(card)
	})
}

// handleDownload handles the POST /provider/v1/download route.
func (p *Provider) handleDownload(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr, ok := decodeRequest[SignedRequest](w, r, log, "Download request")
		if !ok {
			return
		}
		d, err := p.Download(r.Context(), sr)
		if err != nil {
			log.Info("download refused", "listing", sr.ListingID, "account", sr.Account, "err", err)
			writeError(w, log, err)
			return
		}
		defer d.Blob.Close()
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set(HeaderWrappedKey, base64.StdEncoding.EncodeToString(d.WrappedKey))
		h.Set(HeaderContentHash, d.ContentHash.Hex())
		if d.Size >= 0 {
			h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
		}
		n, err := io.Copy(w, d.Blob)
		if err != nil || (d.Size >= 0 && n != d.Size) {
			// The status is sent: the buyer sees a short body; the log says why.
			log.Warn("download failed", "listing", sr.ListingID, "account", sr.Account, "bytes", n, "of", d.Size, "err", err)
			return
		}
		log.Info("download served", "listing", sr.ListingID, "account", sr.Account, "bytes", n, "prewrapped_key", d.PreWrapped)
	})
}

// decodeRequest reads a signed request's JSON body (at most maxRequestBytes,
// no unknown fields) or answers with what is wrong and reports false.
func decodeRequest[T any](w http.ResponseWriter, r *http.Request, log *slog.Logger, what string) (T, bool) {
	var v T
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequestBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		writeError(w, log, marketplace.Wrap(marketplace.EINVALID, err, "%s: not valid JSON", what))
		return v, false
	}
	return v, true
}

func hexHash(s string) (common.Hash, error) {
	b := common.FromHex(s)
	if len(b) != common.HashLength {
		return common.Hash{}, marketplace.Errorf(marketplace.EINVALID, "Hash %q: want 32 bytes in hex.", s)
	}
	return common.BytesToHash(b), nil
}

// errorBody is the JSON of a refusal.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	code := marketplace.ErrorCode(err)
	if code == marketplace.EINTERNAL {
		log.Error("provider error", "err", err)
	}
	var e *marketplace.Error
	if !errors.As(err, &e) {
		e = &marketplace.Error{Code: code, Message: marketplace.ErrorMessage(err)}
	}
	status := marketplace.HTTPStatus(err) // the UI answers with the same mapping
	if errors.Is(err, ErrQuota) {
		status = http.StatusTooManyRequests
	}
	writeJSON(w, status, errorBody{Code: code, Message: e.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the status is sent; a client gone has no one to tell
}
