package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// A hub's limits on what others upload to it. Each upload passes, in this
// order, before the blob is read: the signature (verify), the operator's
// admission policy (Uploader.AdmitUploader), the upload rates (hub-wide and
// per key, in memory), and the quota, checked and reserved in one step
// under the provider's lock: uploads in flight count as if stored, so
// concurrent uploads never take a seller or the hub past a limit. The
// reservation is released once the upload is stored (it then counts from
// the backend's records) or has failed (it then counts nowhere).

// Default hub-wide limits (UploadLimits fields left 0).
const (
	DefaultMaxUnlistedBytes    int64 = 20 << 30 // unlisted upload bytes, all sellers
	DefaultUploadsPerMinute          = 60       // uploads started per minute, all keys
	DefaultKeyUploadsPerMinute       = 10       // uploads started per minute by one key
)

// HeldUpload is one upload a hub holds.
type HeldUpload struct {
	Seller  common.Address
	Content common.Hash
	Size    int64
	Listed  bool // listed on chain by its seller
}

// reservation is an upload in flight: counted until it is stored or fails.
type reservation struct {
	seller common.Address
	size   int64
}

// rateWindow counts the uploads started in the current minute.
type rateWindow struct {
	start time.Time
	hub   int
	keys  map[common.Address]int // bounded by the hub-wide rate: only admitted uploads count
}

// limits returns the quota in force: Provider fields win over the
// backend's (UploadLimiter), then the defaults.
func (p *Provider) limits() UploadLimits {
	var l UploadLimits
	if ul, ok := p.Backend.(UploadLimiter); ok {
		l = ul.UploadLimits()
	}
	if p.MaxUnlistedUploads > 0 {
		l.MaxUnlisted = p.MaxUnlistedUploads
	}
	if p.MaxSellerBytes > 0 {
		l.MaxBytes = p.MaxSellerBytes
	}
	if l.MaxUnlisted <= 0 {
		l.MaxUnlisted = DefaultMaxUnlistedUploads
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxSellerBytes
	}
	if l.MaxUnlistedBytes <= 0 {
		l.MaxUnlistedBytes = DefaultMaxUnlistedBytes
	}
	if l.UploadsPerMinute <= 0 {
		l.UploadsPerMinute = DefaultUploadsPerMinute
	}
	if l.KeyUploadsPerMinute <= 0 {
		l.KeyUploadsPerMinute = DefaultKeyUploadsPerMinute
	}
	return l
}

// admitRate counts an upload by seller started now against the hub-wide
// and per-key rates, refusing it (EFORBIDDEN, ErrQuota: HTTP 429) when
// either is spent for the current minute.
func (p *Provider) admitRate(seller common.Address, l UploadLimits) error {
	now := p.now()
	p.quotaMu.Lock()
	defer p.quotaMu.Unlock()
	w := &p.window
	if start := now.Truncate(time.Minute); !start.Equal(w.start) {
		*w = rateWindow{start: start, keys: map[common.Address]int{}}
	}
	wait := w.start.Add(time.Minute).Sub(now).Round(time.Second)
	switch {
	case w.hub >= l.UploadsPerMinute:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"hub busy: %d uploads this minute (limit %d); try again in %s", w.hub, l.UploadsPerMinute, wait)}
	case w.keys[seller] >= l.KeyUploadsPerMinute:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"hub rate: seller %s started %d uploads this minute (limit %d); try again in %s", seller.Hex(), w.keys[seller], l.KeyUploadsPerMinute, wait)}
	}
	w.hub++
	w.keys[seller]++
	return nil
}

// usage is what the quota counts, for one seller and the whole hub.
type usage struct {
	unlisted      int   // the seller's unlisted uploads
	bytes         int64 // the seller's bytes, listed or not
	unlistedBytes int64 // all sellers' unlisted bytes
}

// usageOf counts held uploads and reservations (an upload in flight
// replaces a held one of the same content), leaving out the content being
// uploaded (an upload again of a held dataset replaces it). Call it with
// p.quotaMu held.
func (p *Provider) usageOf(held []HeldUpload, seller common.Address, except common.Hash) usage {
	var u usage
	count := func(s common.Address, size int64, listed bool) {
		if !listed {
			u.unlistedBytes += size
		}
		if s == seller {
			u.bytes += size
			if !listed {
				u.unlisted++
			}
		}
	}
	for _, h := range held {
		if _, inFlight := p.reserved[h.Content]; inFlight || h.Content == except {
			continue
		}
		count(h.Seller, h.Size, h.Listed)
	}
	for c, r := range p.reserved {
		if c != except {
			count(r.seller, r.size, false)
		}
	}
	return u
}

// overQuota returns the refusal of an upload of size by seller with usage
// u, or nil.
func overQuota(l UploadLimits, u usage, seller common.Address, size int64) error {
	switch {
	case u.unlisted+1 > l.MaxUnlisted:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"hub quota: seller %s has %d unlisted uploads (limit %d); list or wait for them to expire",
			seller.Hex(), u.unlisted, l.MaxUnlisted)}
	case u.bytes+size > l.MaxBytes:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"hub quota: seller %s stores %s here; this upload of %s would exceed the limit of %s; list or wait for unlisted uploads to expire",
			seller.Hex(), byteSize(u.bytes), byteSize(size), byteSize(l.MaxBytes))}
	case u.unlistedBytes+size > l.MaxUnlistedBytes:
		return &marketplace.Error{Code: marketplace.EFORBIDDEN, Err: ErrQuota, Message: fmt.Sprintf(
			"hub full: it holds %s of unlisted uploads; this upload of %s would exceed its limit of %s; try again later",
			byteSize(u.unlistedBytes), byteSize(size), byteSize(l.MaxUnlistedBytes))}
	}
	return nil
}

// reserve checks the quota for u and reserves its bytes in the same step
// (under p.quotaMu), so uploads in flight count. It returns the release
// func, to call once the upload is stored or has failed. Refusals are
// EFORBIDDEN with ErrQuota, naming the limit and the usage; ECONFLICT when
// the same dataset is being uploaded already, or is held here for another
// seller (refused before its bytes are read). Usage is read again, brought
// up to date with the chain (listings free the count), before a refusal.
func (p *Provider) reserve(ctx context.Context, up Uploader, u Upload) (release func(), err error) {
	l := p.limits()
	try := func(fresh bool) (bool, error) {
		if fresh {
			// Bring the records up to date outside the lock (it reads the chain).
			if _, err := up.HeldUploads(ctx, true); err != nil {
				return false, err
			}
		}
		p.quotaMu.Lock()
		defer p.quotaMu.Unlock()
		if _, busy := p.reserved[u.ContentHash]; busy {
			return false, marketplace.Errorf(marketplace.ECONFLICT, "Upload refused: dataset %s is being uploaded already.", u.ContentHash.Hex())
		}
		held, err := up.HeldUploads(ctx, false)
		if err != nil {
			return false, err
		}
		for _, h := range held {
			if h.Content == u.ContentHash && h.Seller != u.Seller {
				return false, marketplace.Errorf(marketplace.ECONFLICT, "Upload refused: dataset %s is already held here for another seller.", u.ContentHash.Hex())
			}
		}
		if err := overQuota(l, p.usageOf(held, u.Seller, u.ContentHash), u.Seller, u.Size); err != nil {
			if !fresh {
				return false, nil
			}
			return false, err
		}
		if p.reserved == nil {
			p.reserved = map[common.Hash]reservation{}
		}
		p.reserved[u.ContentHash] = reservation{seller: u.Seller, size: u.Size}
		return true, nil
	}
	ok, err := try(false)
	if err == nil && !ok {
		_, err = try(true) // reserves, or refuses with the fresh usage
	}
	if err != nil {
		return nil, err
	}
	return func() {
		p.quotaMu.Lock()
		defer p.quotaMu.Unlock()
		delete(p.reserved, u.ContentHash)
	}, nil
}
