package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// PathListings is GET + listing id: whether this node serves that listing's buyers.
const PathListings = "provider/v1/listings/"

// Attestation is a provider's answer to "do you serve the buyers of listing N?", as GET
// /provider/v1/listings/{id} serves it. Served is true only when the provider holds the dataset
// key of the listing's content hash, handed to it by that listing's seller (its own publish, or
// an upload by the seller to it as a hub): the key is what nobody but the publisher can hand
// over, and without it there is nothing to deliver. (The blob is not checked: a hub may keep it
// in another store, and it is useless without the key.) A listing that copies another seller's
// content hash, or whose key the provider does not hold, gets Served false and the Reason.
//
// The answer is not signed: its authority is the provider URL the listing names on chain, which
// is where the buyer's node fetched it (over TLS on a public network). A signature by the node key
// would add nothing, since that key is itself only known from the same URL.
type Attestation struct {
	ChainID     uint64         `json:"chain_id"`
	Contract    common.Address `json:"contract"`
	ListingID   uint64         `json:"listing_id"`
	ContentHash common.Hash    `json:"content_hash"` // zero when the listing is unknown here
	Served      bool           `json:"served"`
	Reason      string         `json:"reason,omitempty"` // why not served
}

// Check returns nil when a attests that it serves listing id of chainID and contract, else an
// EFORBIDDEN error naming the provider and the reason: buyers are told before paying.
func (a Attestation) Check(base string, chainID uint64, contract common.Address, id uint64) error {
	switch {
	case a.ChainID != chainID || a.Contract != contract || a.ListingID != id:
		return marketplace.Errorf(marketplace.EFORBIDDEN, "Provider %s answered for listing %d of chain %d, contract %s, not listing %d of chain %d, contract %s: it does not serve this listing.",
			base, a.ListingID, a.ChainID, a.Contract.Hex(), id, chainID, contract.Hex())
	case !a.Served:
		return marketplace.Errorf(marketplace.EFORBIDDEN, "Listing %d is not served by its provider %s (%s): buying it would pay for nothing.", id, base, a.Reason)
	}
	return nil
}

// Attest says whether this node serves the buyers of listing id (see Attestation). The listing
// is looked up on chain (Backend.ContentHash, which refuses a listing whose dataset was handed
// here by another seller). Errors are for failures to find out (chain or store unreachable).
func (p *Provider) Attest(ctx context.Context, id uint64) (Attestation, error) {
	at := Attestation{ChainID: p.ChainID, Contract: p.Contract, ListingID: id}
	content, err := p.Backend.ContentHash(ctx, id)
	switch marketplace.ErrorCode(err) {
	case "":
	case marketplace.ENOTFOUND, marketplace.EFORBIDDEN:
		at.Reason = marketplace.ErrorMessage(err)
		return at, nil
	default:
		return at, err
	}
	at.ContentHash = content
	if _, err := p.Backend.DatasetKey(ctx, content); err != nil {
		if marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
			return at, err
		}
		at.Reason = fmt.Sprintf("this node holds no key for dataset %s", content.Hex())
		return at, nil
	}
	at.Served = true
	return at, nil
}

// handleAttest handles the GET /provider/v1/listings/{id} route: public, like the cards, and
// reveals nothing but whether the listing is served.
func (p *Provider) handleAttest(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil || id == 0 {
			writeError(w, log, marketplace.Errorf(marketplace.EINVALID, "Listing id %q is not a listing number.", r.PathValue("id")))
			return
		}
		at, err := p.Attest(r.Context(), id)
		if err != nil {
			writeError(w, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, at)
	})
}

// maxAttestationBytes bounds an attestation's JSON as read by the client.
const maxAttestationBytes = 16 << 10

// Attest asks the provider at base whether it serves the buyers of listing id; the caller checks
// the answer (Attestation.Check). EUNAVAILABLE when the provider cannot be reached.
func (c *Client) Attest(ctx context.Context, base string, id uint64) (Attestation, error) {
	var at Attestation
	req, err := newRequest(ctx, http.MethodGet, base, PathListings+strconv.FormatUint(id, 10), nil)
	if err != nil {
		return at, err
	}
	res, err := c.do(req, base)
	if err != nil {
		return at, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(io.LimitReader(res.Body, maxAttestationBytes)).Decode(&at); err != nil {
		return at, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "provider %s sent no valid answer for listing %d", base, id)
	}
	return at, nil
}
