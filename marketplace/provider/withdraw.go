package provider

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// PathWithdraw is where a seller takes back an upload it will not list:
// POST a SignedWithdrawal; the hub deletes the upload's blob, wrapped key
// and card, and it no longer counts against the seller's quota.
const PathWithdraw = "provider/v1/blobs/withdraw"

// Withdrawal is what a seller signs to take back one of its unlisted
// uploads from a hub, for one chain and contract, once (nonce), before expiry.
type Withdrawal struct {
	ChainID     uint64         `json:"chain_id"`
	Contract    common.Address `json:"contract"`
	Seller      common.Address `json:"seller"`
	ContentHash common.Hash    `json:"content_hash"`
	Nonce       string         `json:"nonce"`
	Expiry      int64          `json:"expiry"`
}

// Message returns the exact text the seller signs (EIP-191).
func (w Withdrawal) Message() []byte {
	return fmt.Appendf(nil, "medmarket withdraw an upload from a hub\nchain: %d\ncontract: %s\nseller: %s\ncontent: %s\nnonce: %s\nexpires: %d\n",
		w.ChainID, w.Contract.Hex(), w.Seller.Hex(), w.ContentHash.Hex(), w.Nonce, w.Expiry)
}

// SignedWithdrawal is a withdrawal with the seller's signature, as POSTed.
type SignedWithdrawal struct {
	Withdrawal
	Signature hexutil.Bytes `json:"signature"`
}

// NewWithdrawal builds and signs the withdrawal of the upload of content,
// valid for lifetime (at most MaxRequestLifetime) from now.
func NewWithdrawal(chainID uint64, contract common.Address, content common.Hash, s *vault.Signer, now time.Time, lifetime time.Duration) (SignedWithdrawal, error) {
	nonce, expiry, err := freshNonce(now, lifetime)
	if err != nil {
		return SignedWithdrawal{}, err
	}
	w := Withdrawal{ChainID: chainID, Contract: contract, Seller: s.Address(), ContentHash: content,
		Nonce: nonce, Expiry: expiry}
	sig, err := s.SignPersonal(w.Message())
	if err != nil {
		return SignedWithdrawal{}, err
	}
	return SignedWithdrawal{Withdrawal: w, Signature: sig}, nil
}

// Withdrawer is the optional part of an Uploader that deletes a seller's
// upload that is not listed on chain: ENOTFOUND when there is none,
// EFORBIDDEN when it is another seller's, ECONFLICT when it is listed.
type Withdrawer interface {
	WithdrawUpload(ctx context.Context, seller common.Address, content common.Hash) error
}

// Withdraw checks a seller's signed withdrawal and has the backend delete
// the upload. The nonce is used up only for a withdrawal of an upload the
// signer holds here: a stranger's request writes nothing.
func (p *Provider) Withdraw(ctx context.Context, sw SignedWithdrawal) error {
	wd, ok := p.Backend.(Withdrawer)
	if !ok {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "This node does not accept uploads.")
	}
	e := envelope{refused: "Withdrawal refused", subject: "it", msg: sw.Message(), sig: sw.Signature,
		signer: sw.Seller, role: "seller", chainID: sw.ChainID, contract: sw.Contract, expiry: sw.Expiry, nonce: sw.Nonce}
	if _, err := p.verify(e); err != nil {
		return err
	}
	if up, ok := p.Backend.(Uploader); ok {
		held, err := up.HeldUploads(ctx, false)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(held, func(h HeldUpload) bool { return h.Content == sw.ContentHash })
		switch {
		case i < 0:
			return marketplace.Errorf(marketplace.ENOTFOUND, "This hub holds no upload %s.", sw.ContentHash.Hex())
		case held[i].Seller != sw.Seller:
			return marketplace.Errorf(marketplace.EFORBIDDEN, "Withdrawal refused: upload %s is not %s's.", sw.ContentHash.Hex(), sw.Seller.Hex())
		}
	}
	if err := p.useNonce(ctx, e); err != nil {
		return err
	}
	return wd.WithdrawUpload(ctx, sw.Seller, sw.ContentHash)
}

// handleWithdraw handles the POST /provider/v1/blobs/withdraw route.
func (p *Provider) handleWithdraw(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw, ok := decodeRequest[SignedWithdrawal](w, r, log, "Withdrawal")
		if !ok {
			return
		}
		if err := p.Withdraw(r.Context(), sw); err != nil {
			log.Info("withdrawal refused", "seller", sw.Seller, "content", sw.ContentHash, "err", err)
			writeError(w, log, err)
			return
		}
		log.Info("upload withdrawn", "seller", sw.Seller, "content", sw.ContentHash)
		writeJSON(w, http.StatusOK, UploadResult{ContentHash: sw.ContentHash, Status: "withdrawn"})
	})
}

// Withdraw posts a seller's signed withdrawal to a hub.
func (c *Client) Withdraw(ctx context.Context, base string, sw SignedWithdrawal) error {
	res, err := c.postJSON(ctx, base, PathWithdraw, sw)
	if err != nil {
		return err
	}
	res.Body.Close()
	return nil
}
