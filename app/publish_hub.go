package app

import (
	"bytes"
	"context"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/provider"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// isHub reports whether a provider URL from checkListing is another node's.
func (a *App) isHub(providerURL string) bool { return providerURL != a.PublicURL() }

// uploadToHub hands an encrypted dataset to a hub: it fetches the hub's
// node key (checking the hub serves this chain and contract), wraps the
// dataset key to it, and uploads blob, card and wrapped key in a request
// signed by the publisher. The hub keeps them pending until the listing
// naming it is on chain.
func (a *App) uploadToHub(ctx context.Context, sg *vault.Signer, hub string, dk *vault.DatasetKey, ct []byte, content common.Hash, card []byte) error {
	addr, err := a.marketAddr()
	if err != nil {
		return err
	}
	ki, pub, err := a.market.client.NodeKey(ctx, hub)
	if err != nil {
		return err
	}
	if ki.ChainID != a.chainID.Uint64() || ki.Contract != addr {
		return marketplace.Errorf(marketplace.EINVALID, "Provider %s serves chain %d, contract %s; this node uses chain %s, contract %s.",
			hub, ki.ChainID, ki.Contract.Hex(), a.chainID, addr.Hex())
	}
	wrapped, err := vault.WrapKey(dk, pub)
	if err != nil {
		return err
	}
	su, err := provider.NewUpload(a.chainID.Uint64(), addr, content, int64(len(ct)), card, wrapped, sg, a.now(), provider.MaxRequestLifetime)
	if err != nil {
		return err
	}
	if _, err := a.market.client.Upload(ctx, hub, su, bytes.NewReader(ct)); err != nil {
		return err
	}
	a.log.Info("dataset uploaded to hub", "hub", hub, "hub_key", ki.Address, "content", content, "bytes", len(ct))
	return nil
}

// withdrawFromHub asks hub to delete seller sg's unlisted upload of
// content. An upload the hub no longer holds counts as withdrawn.
func (a *App) withdrawFromHub(ctx context.Context, sg *vault.Signer, hub string, content common.Hash) error {
	addr, err := a.marketAddr()
	if err != nil {
		return err
	}
	sw, err := provider.NewWithdrawal(a.chainID.Uint64(), addr, content, sg, a.now(), provider.MaxRequestLifetime/2)
	if err != nil {
		return err
	}
	if err := a.market.client.Withdraw(ctx, hub, sw); err != nil && marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		return err
	}
	return nil
}
