package app

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// PrewrapKeys delivers keys ahead of downloads: for each LicencePurchased
// event since the last call, of a listing whose dataset key this node holds
// (for that listing's seller), it checks hasLicence on chain, recovers the
// buyer's public key from the buy transaction's signature, wraps the
// dataset key to it and stores it (listing + buyer). A buyer whose node was
// offline at purchase finds its key ready; downloads still check the signed
// request and the licence. Seated members, who sent no transaction, get a
// key wrapped on demand. It returns how many keys it wrapped; RunMarket
// calls it every few seconds.
func (a *App) PrewrapKeys(ctx context.Context) (int, error) {
	addr, err := a.marketAddr()
	if err != nil {
		return 0, err
	}
	a.market.prewrapMu.Lock()
	defer a.market.prewrapMu.Unlock()
	from, err := a.store.PrewrapBlock(ctx)
	if err != nil {
		return 0, err
	}
	from = max(from+1, a.deployment.DeployBlock)
	head, err := a.chain.BlockNumber(ctx)
	if err != nil {
		return 0, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the chain head from %s", a.chain.Endpoint())
	}
	if head < from {
		return 0, nil
	}
	ev := a.market.abi.GetABI().Events["LicencePurchased"]
	logs, err := a.chain.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(head),
		Addresses: []common.Address{addr}, Topics: [][]common.Hash{{ev.ID}}})
	if err != nil {
		return 0, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read the market's events from %s", a.chain.Endpoint())
	}
	n := 0
	for _, lg := range logs {
		ok, err := a.prewrap(ctx, &lg)
		if err != nil {
			// Transient (chain unreachable, catalog behind...): handle this
			// block again next time, never skip it.
			if lg.BlockNumber > 0 && lg.BlockNumber-1 >= from {
				if serr := a.store.SetPrewrapBlock(ctx, lg.BlockNumber-1); serr != nil {
					err = errors.Join(err, serr)
				}
			}
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, a.store.SetPrewrapBlock(ctx, head)
}

// prewrap handles one LicencePurchased log; false when the key is not for
// this node to deliver (or already delivered), an error when it should be
// tried again: any failure to read the chain or the store is one, so that
// the cursor never moves past a purchase whose key was not delivered.
func (a *App) prewrap(ctx context.Context, lg *types.Log) (bool, error) {
	p, err := a.market.abi.UnpackLicencePurchasedEvent(lg)
	if err != nil {
		// Not a LicencePurchased event of this contract's ABI: no retry can change that.
		a.log.Warn("pre-wrap: undecodable purchase event", "block", lg.BlockNumber, "tx", lg.TxHash, "err", err)
		return false, nil
	}
	id := p.Id.Uint64()
	if _, err := a.store.BuyerKey(ctx, id, p.Buyer); err == nil {
		return false, nil
	} else if marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		return false, err
	}
	// A purchase means the listing is on chain: a catalog that does not
	// know it is behind (its sync failed), which is worth a retry.
	l, err := a.Listing(ctx, id)
	if err != nil {
		return false, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Pre-wrap for listing %d (bought in tx %s) waits for the catalog", id, lg.TxHash.Hex())
	}
	rec, err := a.store.DatasetKey(ctx, l.ContentHash)
	if marketplace.ErrorCode(err) == marketplace.ENOTFOUND {
		return false, nil // not ours to deliver
	}
	if err != nil {
		return false, err
	}
	if rec.Uploader != (common.Address{}) && rec.Uploader != l.Seller {
		return false, nil // not ours to deliver: handed here by another seller
	}
	ok, err := a.HasLicence(ctx, id, p.Buyer)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, nil // expired or renewed away since; downloads will say so
	}
	pub, err := a.txSenderKey(ctx, lg.TxHash)
	if err != nil {
		return false, err
	}
	if pub == nil || crypto.PubkeyToAddress(*pub) != p.Buyer {
		a.log.Info("pre-wrap: buy transaction not signed by the buyer", "listing", id, "buyer", p.Buyer, "tx", lg.TxHash)
		return false, nil
	}
	dk, err := a.market.nodeKey.Unwrap(rec.Wrapped)
	if err != nil {
		// The stored key does not open with the node key: no retry can
		// change that; downloads report it.
		a.log.Error("pre-wrap: dataset key does not open with the node key", "listing", id, "content", l.ContentHash, "err", err)
		return false, nil
	}
	w, err := vault.WrapKey(dk, pub)
	if err != nil {
		return false, err
	}
	if err := a.store.PutBuyerKey(ctx, store.BuyerKey{ListingID: id, Buyer: p.Buyer, ContentHash: l.ContentHash,
		Wrapped: w, TxHash: lg.TxHash, Created: a.now().UTC()}); err != nil {
		return false, err
	}
	a.log.Info("dataset key pre-wrapped to buyer", "listing", id, "buyer", p.Buyer, "tx", lg.TxHash)
	return true, nil
}

// txSenderKey recovers the public key that signed a transaction:
// types.Sender names the address, crypto.Ecrecover over the signer's hash
// of the transaction gives the key. nil (no error) when the transaction is
// not found.
func (a *App) txSenderKey(ctx context.Context, hash common.Hash) (*ecdsa.PublicKey, error) {
	tx, _, err := a.chain.TransactionByHash(ctx, hash)
	if errors.Is(err, ethereum.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Cannot read transaction %s from %s", hash.Hex(), a.chain.Endpoint())
	}
	return recoverTxKey(tx, a.chainID)
}

// recoverTxKey returns the public key of a signed transaction's sender.
func recoverTxKey(tx *types.Transaction, chainID *big.Int) (*ecdsa.PublicKey, error) {
	signer := types.LatestSignerForChainID(chainID)
	from, err := types.Sender(signer, tx)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "transaction %s: no valid signature", tx.Hash().Hex())
	}
	v, r, s := tx.RawSignatureValues()
	rec := new(big.Int).Set(v)
	if tx.Type() == types.LegacyTxType {
		if tx.Protected() {
			rec.Sub(rec, new(big.Int).Add(new(big.Int).Mul(tx.ChainId(), big.NewInt(2)), big.NewInt(35)))
		} else {
			rec.Sub(rec, big.NewInt(27))
		}
	}
	if !rec.IsUint64() || rec.Uint64() > 1 {
		return nil, marketplace.Errorf(marketplace.EINVALID, "transaction %s: bad recovery id %s", tx.Hash().Hex(), v)
	}
	sig := make([]byte, crypto.SignatureLength)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:64])
	sig[crypto.RecoveryIDOffset] = byte(rec.Uint64())
	raw, err := crypto.Ecrecover(signer.Hash(tx).Bytes(), sig)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "transaction %s: signature does not recover", tx.Hash().Hex())
	}
	pub, err := crypto.UnmarshalPubkey(raw)
	if err != nil {
		return nil, err
	}
	if crypto.PubkeyToAddress(*pub) != from {
		return nil, marketplace.Errorf(marketplace.EINVALID, "transaction %s: recovered key is not the sender's", tx.Hash().Hex())
	}
	return pub, nil
}
