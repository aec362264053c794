package app

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/provider"
)

// listAs sends a raw listing transaction as the named account, as a cloner
// would with any Ethereum wallet, and returns the new listing's id.
func listAs(t *testing.T, a *App, name string, content common.Hash, price *big.Int, meta common.Hash, providerURL string) uint64 {
	t.Helper()
	ctx := context.Background()
	sg, release, err := a.signer(ctx, ByAccount(name, "pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	salt := contracts.NewSalt()
	if err := a.commitListing(ctx, sg, content, salt); err != nil {
		t.Fatal(err)
	}
	r, err := a.transact(ctx, sg, nil, a.market.abi.PackList(content, salt, price, hmb.Pack(), meta, providerURL))
	if err != nil {
		t.Fatalf("list as %s: %v", name, err)
	}
	for _, lg := range r.Logs {
		if ev, err := a.market.abi.UnpackListedEvent(lg); err == nil {
			return ev.Id.Uint64()
		}
	}
	t.Fatal("no Listed event")
	return 0
}

func balanceOf(t *testing.T, a *App, who common.Address) *big.Int {
	t.Helper()
	b, err := a.chain.BalanceAt(context.Background(), who, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBuy_cloneListingsAreHiddenAndRefused: a second seller (carol) lists
// alice's dataset twice: once naming alice's card and provider at price 0,
// once with a card of her own signing, at a provider of her own that claims
// to serve it. Neither shows in search; buying either is refused before any
// transaction (the buyer's balance is unchanged); the provider's public
// attestation says it does not serve the first; alice's listing is still
// bought and downloaded. A listing whose provider no longer holds the data
// is refused at buy time too (the
// provider holds no key for it).
func TestBuy_cloneListingsAreHiddenAndRefused(t *testing.T) {
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	var published bytes.Buffer
	orig := publishPatients(t, a, hmb, &published)
	bob := addr(t, a, "bob")
	mkt, _ := a.marketAddr()

	// 1. The naive clone: alice's content hash, card and provider, at 0.
	naive := listAs(t, a, "carol", orig.ContentHash, big.NewInt(0), orig.MetadataHash, a.PublicURL())

	// 2. The determined clone: alice's card re-signed by carol, served (with
	// a lying attestation) by carol's own provider.
	ol, err := a.Listing(ctx, orig.ListingID)
	if err != nil || ol.Card == nil {
		t.Fatalf("original listing: %+v, %v", ol, err)
	}
	card := signCardAs(t, a, "carol", *ol.Card, orig.ContentHash)
	cloneCard, err := card.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var lies int
	liar := lyingProvider(t, a, orig.ContentHash, cloneCard, &lies)
	defer liar.Close()
	determined := listAs(t, a, "carol", orig.ContentHash, big.NewInt(0), marketplace.CardHash(cloneCard), liar.URL+"/")

	// Search shows alice's listing only; the clones are flagged.
	ls, n, err := a.Search(ctx, marketplace.CatalogFilter{Query: "synthea"})
	if err != nil || n != 1 || ls[0].ID != orig.ListingID {
		t.Fatalf("search: %d results %v, %v; want only listing %d", n, ls, err, orig.ListingID)
	}
	for _, id := range []uint64{naive, determined} {
		l, err := a.Listing(ctx, id)
		if err != nil || l.CardStatus != marketplace.CardMismatch {
			t.Fatalf("clone %d: %+v, %v; want its card flagged", id, l, err)
		}
	}

	// Buying a clone is refused before any transaction.
	refuseCloneBuys(t, a, bob, naive, determined)
	if lies != 0 {
		t.Errorf("carol's provider was asked %d times; the catalog's flag refuses without asking", lies)
	}

	// The provider's public attestation, over HTTP: alice's listing served,
	// the clone naming this provider not.
	srv := httptest.NewServer(a.ProviderHandler())
	defer srv.Close()
	var c provider.Client
	if at, err := c.Attest(ctx, srv.URL+"/", orig.ListingID); err != nil || at.Check(srv.URL, a.chainID.Uint64(), mkt, orig.ListingID) != nil {
		t.Fatalf("attestation of the original: %+v, %v", at, err)
	}
	at, err := c.Attest(ctx, srv.URL+"/", naive)
	if err != nil || at.Served || !strings.Contains(at.Reason, "handed to this node by") {
		t.Fatalf("attestation of the clone: %+v, %v; want not served, naming the seller who handed the data", at, err)
	}

	// The original is still bought and downloaded.
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), orig.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatalf("buy of the original: %v", err)
	}
	var got bytes.Buffer
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), orig.ListingID, DownloadRequest{Writer: &got}); err != nil || !bytes.Equal(got.Bytes(), published.Bytes()) {
		t.Fatalf("download of the original: %v", err)
	}

	// A listing that passes the catalog's checks (a fresh content hash, a
	// card its seller signed) but names a provider that holds no key for
	// it: shown, and its buy refused on the provider's word.
	fresh := common.Hash{0xf1, 0xe5}
	card.Title = "Fresh claims"
	refuseUnservedBuy(t, a, bob, fresh, signCardAs(t, a, "carol", card, fresh))
}

// signCardAs returns card signed by account name for a listing of content.
func signCardAs(t *testing.T, a *App, name string, card marketplace.DatasetCard, content common.Hash) marketplace.DatasetCard {
	t.Helper()
	card.Signature = nil
	uh, err := card.UnsignedHash()
	if err != nil {
		t.Fatal(err)
	}
	sg, release, err := a.signer(t.Context(), ByAccount(name, "pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	mkt, _ := a.marketAddr()
	if card.Signature, err = sg.SignPersonal(marketplace.CardSignatureMessage(a.chainID.Uint64(), mkt, content, uh)); err != nil {
		t.Fatal(err)
	}
	return card
}

// lyingProvider serves cloneCard and attests that it serves content for
// any listing, counting the attestations asked for in lies.
func lyingProvider(t *testing.T, a *App, content common.Hash, cloneCard []byte, lies *int) *httptest.Server {
	mkt, _ := a.marketAddr()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/cards/"):
			w.Write(cloneCard)
		case strings.Contains(r.URL.Path, "/listings/"):
			*lies++
			var id uint64
			if err := json.Unmarshal([]byte(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]), &id); err != nil {
				t.Errorf("listing id in %s: %v", r.URL.Path, err)
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if err := json.NewEncoder(w).Encode(provider.Attestation{ChainID: a.chainID.Uint64(), Contract: mkt, ListingID: id,
				ContentHash: content, Served: true}); err != nil {
				t.Errorf("encode attestation: %v", err)
			}
		default:
			http.NotFound(w, r)
		}
	}))
}

// refuseCloneBuys: previewing or buying each clone is EFORBIDDEN, and
// buyer pays nothing.
func refuseCloneBuys(t *testing.T, a *App, buyer common.Address, clones ...uint64) {
	t.Helper()
	ctx := t.Context()
	before := balanceOf(t, a, buyer)
	for _, id := range clones {
		if _, err := a.BuyPreview(ctx, buyer, id); marketplace.ErrorCode(err) != marketplace.EFORBIDDEN {
			t.Errorf("preview of clone %d: %v; want EFORBIDDEN", id, err)
		}
		_, err := a.Buy(ctx, ByAccount("bob", "pw"), id, BuyConfirmation{AcceptTerms: true})
		if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !strings.Contains(marketplace.ErrorMessage(err), "copies") {
			t.Errorf("buy of clone %d: %v; want EFORBIDDEN saying it copies another seller's dataset", id, err)
		}
	}
	if after := balanceOf(t, a, buyer); after.Cmp(before) != 0 {
		t.Fatalf("bob's balance went from %s to %s buying clones", before, after)
	}
}

// refuseUnservedBuy lists content with card (signed by carol) at this node's provider,
// which holds no key for it: the card is verified, and bob's buy refused
// before he pays.
func refuseUnservedBuy(t *testing.T, a *App, bob common.Address, content common.Hash, card marketplace.DatasetCard) {
	t.Helper()
	ctx := t.Context()
	freshCard, _ := card.Encode()
	meta, err := a.store.PutCard(ctx, freshCard)
	if err != nil {
		t.Fatal(err)
	}
	empty := listAs(t, a, "carol", content, big.NewInt(0), meta, a.PublicURL())
	if l, err := a.Listing(ctx, empty); err != nil || l.CardStatus != marketplace.CardVerified {
		t.Fatalf("listing with a provider holding nothing: %+v, %v; want its card verified", l, err)
	}
	before := balanceOf(t, a, bob)
	_, err = a.Buy(ctx, ByAccount("bob", "pw"), empty, BuyConfirmation{AcceptTerms: true})
	if marketplace.ErrorCode(err) != marketplace.EFORBIDDEN || !strings.Contains(marketplace.ErrorMessage(err), "not served by its provider") {
		t.Fatalf("buy of a listing whose provider holds no key: %v; want EFORBIDDEN, not served", err)
	}
	if after := balanceOf(t, a, bob); after.Cmp(before) != 0 {
		t.Fatalf("bob's balance went from %s to %s", before, after)
	}
}
