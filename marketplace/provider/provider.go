package provider

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// API paths, under a provider URL.
const (
	PathKey      = "provider/v1/key"      // GET: the node's public key
	PathCards    = "provider/v1/cards/"   // GET + metadata hash: a dataset card
	PathDownload = "provider/v1/download" // POST a SignedRequest: the blob, with the wrapped key in HeaderWrappedKey
)

// Response headers of a download.
const (
	HeaderWrappedKey  = "X-Medmarket-Wrapped-Key"  // base64 (std) ECIES ciphertext of the dataset key
	HeaderContentHash = "X-Medmarket-Content-Hash" // the blob's SHA-256, 0x-hex
)

// MaxRequestLifetime bounds how far ahead a request's expiry may be: a
// leaked request is useless after that, and its nonce is kept that long.
const MaxRequestLifetime = 10 * time.Minute

// clockSkew tolerates a buyer's clock ahead of the provider's.
const clockSkew = time.Minute

// Request is a download request, before signing.
type Request struct {
	ChainID   uint64         `json:"chain_id"`
	Contract  common.Address `json:"contract"`
	ListingID uint64         `json:"listing_id"`
	// Account is the address that signs: the licence holder or a seated
	// member. The provider refuses a signature by any other key.
	Account common.Address `json:"account"`
	Nonce   string         `json:"nonce"`  // 16 random bytes, hex
	Expiry  int64          `json:"expiry"` // unix seconds
}

// NewRequest returns a request for listing id by account, valid for
// lifetime (at most MaxRequestLifetime) from now, with a fresh nonce.
func NewRequest(chainID uint64, contract common.Address, id uint64, account common.Address, now time.Time, lifetime time.Duration) (Request, error) {
	nonce, expiry, err := freshNonce(now, lifetime)
	if err != nil {
		return Request{}, err
	}
	return Request{ChainID: chainID, Contract: contract, ListingID: id, Account: account,
		Nonce: nonce, Expiry: expiry}, nil
}

// Message returns the exact text signed with EIP-191: readable, so a wallet
// shows the user what it signs.
func (r Request) Message() []byte {
	return fmt.Appendf(nil, "medmarket download request\nchain: %d\ncontract: %s\nlisting: %d\naccount: %s\nnonce: %s\nexpires: %d\n",
		r.ChainID, r.Contract.Hex(), r.ListingID, r.Account.Hex(), r.Nonce, r.Expiry)
}

// SignedRequest is a request with its EIP-191 signature, as POSTed.
type SignedRequest struct {
	Request
	Signature hexutil.Bytes `json:"signature"`
}

// Sign signs r with an unlocked account.
func Sign(r Request, s *vault.Signer) (SignedRequest, error) {
	sig, err := s.SignPersonal(r.Message())
	if err != nil {
		return SignedRequest{}, err
	}
	return SignedRequest{Request: r, Signature: sig}, nil
}

// Backend is what a provider needs from its node. The app implements it.
type Backend interface {
	// ContentHash returns the content hash listing id carries on chain
	// (ENOTFOUND for an unknown listing).
	ContentHash(ctx context.Context, id uint64) (common.Hash, error)
	// Licence asks the contract whether who may use listing id now, and
	// when the licence that entitles who (its own, or the holder's whose
	// seat it uses) expires.
	Licence(ctx context.Context, id uint64, who common.Address) (LicenceStatus, error)
	// UseNonce records a nonce of signer as used; EFORBIDDEN when it was.
	UseNonce(ctx context.Context, signer common.Address, nonce string, expiry time.Time) error
	// DatasetKey returns the dataset key of a content hash (ENOTFOUND when
	// this node does not provide it).
	DatasetKey(ctx context.Context, content common.Hash) (*vault.DatasetKey, error)
	// OpenBlob opens the blob of a content hash, with its size.
	OpenBlob(ctx context.Context, content common.Hash) (io.ReadCloser, int64, error)
	// Card returns an encoded dataset card by metadata hash.
	Card(ctx context.Context, metadata common.Hash) ([]byte, error)
}

// LicenceStatus is what the chain says of an account's licence to a listing.
type LicenceStatus struct {
	// Valid is the contract's hasLicence: judged by the time of the chain's
	// latest block, which lags the clock on a chain that seals blocks only
	// on transactions (the embedded one).
	Valid bool
	// ExpiresAt is the expiry (Unix seconds) of the licence that entitles
	// the account; math.MaxUint64 for a perpetual licence, 0 for none.
	ExpiresAt uint64
}

// UsableAt reports whether the licence may be used at now: the contract
// says so and it has not expired by now either. Providers judge by their
// own clock, and buyers' nodes show licences as their providers judge them.
func (st LicenceStatus) UsableAt(now time.Time) bool {
	t := now.Unix()
	return st.Valid && t >= 0 && st.ExpiresAt > uint64(t)
}

// licensed reports whether who may use listing id now: the contract says so
// and the licence has not expired by this provider's own clock either.
func (p *Provider) licensed(ctx context.Context, id uint64, who common.Address) (bool, error) {
	st, err := p.Backend.Licence(ctx, id, who)
	if err != nil {
		return false, err
	}
	return st.UsableAt(p.now()), nil
}

// Provider answers download requests for one chain and contract.
type Provider struct {
	ChainID  uint64
	Contract common.Address
	Key      *ecdsa.PublicKey // the node key, published at PathKey
	Backend  Backend
	Now      func() time.Time // nil: time.Now
	// MaxBlobBytes bounds an uploaded blob (0: DefaultMaxBlobBytes).
	MaxBlobBytes int64
	// MaxUnlistedUploads bounds the uploads a seller keeps on this node as
	// a hub that are not listed on chain yet; MaxSellerBytes bounds the
	// bytes a seller stores here, listed or not. 0: the backend's limits
	// (UploadLimiter), else DefaultMaxUnlistedUploads, DefaultMaxSellerBytes.
	MaxUnlistedUploads int
	MaxSellerBytes     int64

	// Key deliveries: from a key pre-wrapped to the buyer, or wrapped on demand.
	prewrapped, onDemand atomic.Uint64

	// Uploads in flight and the upload rates of the current minute (quota.go).
	quotaMu  sync.Mutex
	reserved map[common.Hash]reservation
	window   rateWindow
	// Trial requests of the current minute (trial.go).
	trialWindow rateWindow
	// Question requests of the current minute (questions.go).
	questionWindow rateWindow
	// Pool contributions and withdrawals, and pool log reads, of the
	// current minute (pools.go).
	poolWindow, poolReadWindow rateWindow
}

// PreWrapper is the optional part of a Backend that keeps dataset keys
// wrapped ahead of time to buyers (from their buy transactions).
type PreWrapper interface {
	// PreWrappedKey returns the dataset key of content wrapped to who for
	// listing id, if the node prepared one.
	PreWrappedKey(ctx context.Context, id uint64, who common.Address, content common.Hash) ([]byte, bool)
}

// Deliveries returns how many keys were delivered pre-wrapped and how many
// wrapped on demand.
func (p *Provider) Deliveries() (prewrapped, onDemand uint64) {
	return p.prewrapped.Load(), p.onDemand.Load()
}

// Delivery is what a licensed buyer receives: the blob and the dataset key
// wrapped to the buyer's public key.
type Delivery struct {
	ListingID   uint64
	ContentHash common.Hash
	WrappedKey  []byte
	PreWrapped  bool  // the key was wrapped ahead, from the buy transaction
	Size        int64 // -1 when unknown
	Blob        io.ReadCloser
}

// Authorize checks a signed request and returns the signer's address and
// public key. Refusals are EFORBIDDEN with the reason (bad signature, other
// chain or contract, no expiry, expired, no valid licence, replayed nonce).
// The nonce is used up only once everything else passed: a refused request
// writes nothing.
func (p *Provider) Authorize(ctx context.Context, sr SignedRequest) (common.Address, *ecdsa.PublicKey, error) {
	who, pub, e, err := p.authorize(ctx, sr)
	if err != nil {
		return who, nil, err
	}
	if err := p.useNonce(ctx, e); err != nil {
		return who, nil, err
	}
	return who, pub, nil
}

// authorize is Authorize without using up the nonce: the caller does, last.
func (p *Provider) authorize(ctx context.Context, sr SignedRequest) (common.Address, *ecdsa.PublicKey, envelope, error) {
	e := envelope{refused: "Download refused", subject: "the request", msg: sr.Message(), sig: sr.Signature,
		signer: sr.Account, role: "account", chainID: sr.ChainID, contract: sr.Contract, expiry: sr.Expiry, nonce: sr.Nonce}
	pub, err := p.verify(e)
	if err != nil {
		return common.Address{}, nil, e, err
	}
	who := sr.Account
	ok, err := p.licensed(ctx, sr.ListingID, who)
	if err != nil {
		return who, nil, e, err
	}
	if !ok {
		return who, nil, e, marketplace.Errorf(marketplace.EFORBIDDEN,
			"Download refused: account %s holds no valid licence to listing %d (none bought, expired, or its seat was removed).", who.Hex(), sr.ListingID)
	}
	return who, pub, e, nil
}

// Download authorizes the request and delivers the blob and the wrapped key.
// The nonce is used up once the listing is found served here. The caller
// closes Delivery.Blob.
func (p *Provider) Download(ctx context.Context, sr SignedRequest) (*Delivery, error) {
	who, pub, e, err := p.authorize(ctx, sr)
	if err != nil {
		return nil, err
	}
	content, err := p.Backend.ContentHash(ctx, sr.ListingID)
	if err != nil {
		return nil, err
	}
	if err := p.useNonce(ctx, e); err != nil {
		return nil, err
	}
	var wrapped []byte
	pre := false
	if pw, ok := p.Backend.(PreWrapper); ok {
		if w, ok := pw.PreWrappedKey(ctx, sr.ListingID, who, content); ok {
			wrapped, pre = w, true
			p.prewrapped.Add(1)
		}
	}
	if wrapped == nil {
		dk, err := p.Backend.DatasetKey(ctx, content)
		if err != nil {
			return nil, err
		}
		if wrapped, err = vault.WrapKey(dk, pub); err != nil {
			return nil, err
		}
		p.onDemand.Add(1)
	}
	blob, size, err := p.Backend.OpenBlob(ctx, content)
	if err != nil {
		return nil, err
	}
	return &Delivery{ListingID: sr.ListingID, ContentHash: content, WrappedKey: wrapped, PreWrapped: pre, Size: size, Blob: blob}, nil
}

// join appends an API path to a provider URL.
func join(base, path string) string {
	return strings.TrimSuffix(base, "/") + "/" + path
}
