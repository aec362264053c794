package provider

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// PathBlobs is where a publisher uploads a dataset to a hub: POST an
// upload envelope followed by the encrypted blob (see Client.Upload).
const PathBlobs = "provider/v1/blobs"

// HeaderEnvelopeLength is the length of the JSON envelope (a SignedUpload)
// that opens an upload's body; the blob's bytes follow it.
const HeaderEnvelopeLength = "X-Medmarket-Envelope-Length"

// DefaultMaxBlobBytes bounds an uploaded blob when Provider.MaxBlobBytes is 0.
const DefaultMaxBlobBytes = 1 << 30

// maxEnvelopeBytes bounds an upload's envelope: the card (base64) and the
// wrapped key, with room for the rest.
const maxEnvelopeBytes = marketplace.MaxCardBytes*4/3 + 64<<10

// Upload is what a publisher signs to hand a dataset to a hub: the blob
// (by its SHA-256, the content hash listed on chain), the card (by hash, the
// metadata hash listed on chain) and the dataset key wrapped to the hub's
// node key (by hash), for one chain and contract, once (nonce), before expiry.
type Upload struct {
	ChainID      uint64         `json:"chain_id"`
	Contract     common.Address `json:"contract"`
	Seller       common.Address `json:"seller"`
	ContentHash  common.Hash    `json:"content_hash"`  // SHA-256 of the blob
	MetadataHash common.Hash    `json:"metadata_hash"` // as listed on chain
	CardHash     common.Hash    `json:"card_hash"`     // SHA-256 of the card bytes sent
	KeyHash      common.Hash    `json:"key_hash"`      // SHA-256 of the wrapped key sent
	Size         int64          `json:"size"`          // blob bytes
	Nonce        string         `json:"nonce"`
	Expiry       int64          `json:"expiry"`
}

// Message returns the exact text the publisher signs (EIP-191).
func (u Upload) Message() []byte {
	return fmt.Appendf(nil, "medmarket upload to a hub\nchain: %d\ncontract: %s\nseller: %s\ncontent: %s\nmetadata: %s\ncard: %s\nkey: %s\nsize: %d\nnonce: %s\nexpires: %d\n",
		u.ChainID, u.Contract.Hex(), u.Seller.Hex(), u.ContentHash.Hex(), u.MetadataHash.Hex(), u.CardHash.Hex(), u.KeyHash.Hex(), u.Size, u.Nonce, u.Expiry)
}

// SignedUpload is the envelope of an upload: what was signed, the card and
// the wrapped key it names, and the signature.
type SignedUpload struct {
	Upload
	Card       []byte        `json:"card"`
	WrappedKey []byte        `json:"wrapped_key"`
	Signature  hexutil.Bytes `json:"signature"`
}

// NewUpload builds and signs an upload of a blob (content hash and size),
// its encoded card and the dataset key wrapped to the hub, valid for
// lifetime (at most MaxRequestLifetime).
func NewUpload(chainID uint64, contract common.Address, content common.Hash, size int64, card, wrapped []byte,
	s *vault.Signer, now time.Time, lifetime time.Duration) (SignedUpload, error) {
	nonce, expiry, err := freshNonce(now, lifetime)
	if err != nil {
		return SignedUpload{}, err
	}
	u := Upload{ChainID: chainID, Contract: contract, Seller: s.Address(), ContentHash: content,
		MetadataHash: marketplace.CardHash(card), CardHash: sha256.Sum256(card), KeyHash: sha256.Sum256(wrapped),
		Size: size, Nonce: nonce, Expiry: expiry}
	sig, err := s.SignPersonal(u.Message())
	if err != nil {
		return SignedUpload{}, err
	}
	return SignedUpload{Upload: u, Card: card, WrappedKey: wrapped, Signature: sig}, nil
}

// Default per-seller quota of a hub (Provider.MaxUnlistedUploads,
// Provider.MaxSellerBytes).
const (
	DefaultMaxUnlistedUploads       = 20
	DefaultMaxSellerBytes     int64 = 2 << 30
)

// Uploader is the optional part of a Backend that accepts uploads (a hub).
type Uploader interface {
	// AdmitUploader applies the operator's admission policy to seller:
	// nil when it may upload here, EFORBIDDEN naming the policy when not
	// (not approved, too little balance), EUNAVAILABLE when the policy
	// cannot be checked (the chain is unreachable).
	AdmitUploader(ctx context.Context, seller common.Address) error
	// StoreUpload stores an authorized upload as pending for its seller:
	// it checks that the wrapped key opens with the node key and that the
	// blob, read from blob, has u.Size bytes and SHA-256 u.ContentHash
	// (EINVALID otherwise, storing nothing).
	StoreUpload(ctx context.Context, u Upload, card, wrapped []byte, blob io.Reader) error
	// HeldUploads returns the uploads held here, of all sellers. fresh asks
	// the backend to bring the listed state up to date with the chain
	// first (it is asked when the quota would refuse).
	HeldUploads(ctx context.Context, fresh bool) ([]HeldUpload, error)
}

// UploadLimits is a hub's quota: per seller, and hub-wide.
type UploadLimits struct {
	MaxUnlisted         int   // a seller's uploads not listed on chain yet
	MaxBytes            int64 // a seller's blob bytes, listed or not
	MaxUnlistedBytes    int64 // blob bytes of unlisted uploads, all sellers
	UploadsPerMinute    int   // uploads started per minute, all keys
	KeyUploadsPerMinute int   // uploads started per minute by one key
}

// UploadLimiter is the optional part of an Uploader that configures the
// quota (the node's settings); Provider fields, when set, win.
type UploadLimiter interface {
	UploadLimits() UploadLimits
}

// ErrQuota is the cause of a refusal by the hub's quota; it is answered
// with HTTP 429 Too Many Requests.
const ErrQuota sentinelError = "over the hub quota"

// byteSize formats a byte count for people: "512 bytes", "1.5 MiB", "2 GiB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	d, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		d *= unit
		exp++
	}
	v := float64(n) / float64(d)
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[exp]
}

func (p *Provider) maxBlob() int64 {
	if p.MaxBlobBytes > 0 {
		return p.MaxBlobBytes
	}
	return DefaultMaxBlobBytes
}

// uploadEnvelope is the envelope of a signed upload.
func uploadEnvelope(su SignedUpload) envelope {
	return envelope{refused: "Upload refused", subject: "it", msg: su.Message(), sig: su.Signature,
		signer: su.Seller, role: "seller", chainID: su.ChainID, contract: su.Contract, expiry: su.Expiry, nonce: su.Nonce}
}

// AuthorizeUpload checks an upload envelope, writing nothing: the card and
// key are the ones signed, the card is a valid card of its metadata hash,
// the size within the limit, the signature is the seller's, chain and
// contract are this provider's, the expiry is set, near and not past.
// Refusals are EFORBIDDEN (signature, expiry) or EINVALID. The nonce is
// used up by Upload, once the upload is admitted.
func (p *Provider) AuthorizeUpload(ctx context.Context, su SignedUpload) error {
	switch {
	case common.Hash(sha256.Sum256(su.Card)) != su.CardHash:
		return marketplace.Errorf(marketplace.EINVALID, "Upload refused: the card sent is not the card signed.")
	case common.Hash(sha256.Sum256(su.WrappedKey)) != su.KeyHash || len(su.WrappedKey) == 0:
		return marketplace.Errorf(marketplace.EINVALID, "Upload refused: the wrapped key sent is not the key signed.")
	case su.Size <= 0 || su.Size > p.maxBlob():
		return marketplace.Errorf(marketplace.EINVALID, "Upload refused: the blob's size %d is not within 1..%d bytes.", su.Size, p.maxBlob())
	}
	if _, err := marketplace.DecodeCard(su.Card, su.MetadataHash); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "Upload refused: the card does not match its metadata hash or is not valid")
	}
	_, err := p.verify(uploadEnvelope(su))
	return err
}

// Upload authorizes an upload and hands it to the backend to store: the
// envelope (AuthorizeUpload), the operator's admission policy, the upload
// rates, then the quota, checked and reserved in one step, then the nonce;
// the reservation is released once the backend stored the upload or failed.
func (p *Provider) Upload(ctx context.Context, su SignedUpload, blob io.Reader) error {
	up, ok := p.Backend.(Uploader)
	if !ok {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "This node does not accept uploads.")
	}
	if err := p.AuthorizeUpload(ctx, su); err != nil {
		return err
	}
	if err := up.AdmitUploader(ctx, su.Seller); err != nil {
		return err
	}
	if err := p.admitRate(su.Seller, p.limits()); err != nil {
		return err
	}
	release, err := p.reserve(ctx, up, su.Upload)
	if err != nil {
		return err
	}
	defer release()
	if err := p.useNonce(ctx, uploadEnvelope(su)); err != nil {
		return err
	}
	return up.StoreUpload(ctx, su.Upload, su.Card, su.WrappedKey, io.LimitReader(blob, su.Size+1))
}

// UploadResult is the hub's answer to an accepted upload or withdrawal.
type UploadResult struct {
	ContentHash common.Hash `json:"content_hash"`
	Status      string      `json:"status"` // "pending": served once listed on chain by the seller; "withdrawn": deleted at the seller's request
}

// handleUpload handles POST /provider/v1/blobs.
func (p *Provider) handleUpload(w http.ResponseWriter, r *http.Request, log *slog.Logger) error {
	n, err := strconv.Atoi(r.Header.Get(HeaderEnvelopeLength))
	if err != nil || n <= 0 || n > maxEnvelopeBytes {
		return marketplace.Errorf(marketplace.EINVALID, "Upload: header %s must give the envelope's length (at most %d bytes).", HeaderEnvelopeLength, maxEnvelopeBytes)
	}
	body := bufio.NewReader(http.MaxBytesReader(w, r.Body, int64(n)+p.maxBlob()+1))
	env := make([]byte, n)
	if _, err := io.ReadFull(body, env); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "Upload: the envelope is truncated")
	}
	var su SignedUpload
	dec := json.NewDecoder(bytes.NewReader(env))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&su); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "Upload: not a valid envelope")
	}
	if err := p.Upload(r.Context(), su, body); err != nil {
		log.Info("upload refused", "seller", su.Seller, "content", su.ContentHash, "err", err)
		return err
	}
	log.Info("upload accepted", "seller", su.Seller, "content", su.ContentHash, "bytes", su.Size)
	writeJSON(w, http.StatusOK, UploadResult{ContentHash: su.ContentHash, Status: "pending"})
	return nil
}

// Upload sends a signed upload and its blob (size bytes) to a hub.
func (c *Client) Upload(ctx context.Context, base string, su SignedUpload, blob io.Reader) (UploadResult, error) {
	var out UploadResult
	env, err := json.Marshal(su)
	if err != nil {
		return out, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, join(base, PathBlobs), io.MultiReader(bytes.NewReader(env), blob))
	if err != nil {
		return out, marketplace.Wrap(marketplace.EINVALID, err, "provider URL %q", base)
	}
	req.ContentLength = int64(len(env)) + su.Size
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set(HeaderEnvelopeLength, strconv.Itoa(len(env)))
	res, err := c.do(req, base)
	if err != nil {
		return out, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&out); err != nil {
		return out, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "provider %s sent no valid answer to the upload", base)
	}
	return out, nil
}
