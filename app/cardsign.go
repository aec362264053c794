package app

import (
	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// signCard signs the card of a publish as its seller, for this chain, the
// market contract and the dataset's content hash (see
// marketplace.CardSignatureMessage), and re-encodes it: indexing nodes show
// a listing only when its card is signed by the listing's seller, so a
// listing that copies this content hash and card under another account is
// not shown.
func (a *App) signCard(sg *vault.Signer, p *prepared, content common.Hash) error {
	addr, err := a.marketAddr()
	if err != nil {
		return err
	}
	p.card.Signature = nil
	h, err := p.card.UnsignedHash()
	if err != nil {
		return err
	}
	sig, err := sg.SignPersonal(marketplace.CardSignatureMessage(a.chainID.Uint64(), addr, content, h))
	if err != nil {
		return err
	}
	p.card.Signature = sig
	enc, err := p.card.Encode()
	if err != nil {
		return err
	}
	p.encoded = enc
	return nil
}
