package catalog

import (
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
)

// decoder turns DataLicenseMarket logs into catalog events. Its ABI never changes at run time:
// each Indexer builds one (newDecoder) and keeps it, rather than the package keeping one.
type decoder struct {
	market *contracts.DataLicenseMarket
	// Topic ids of the events the catalog reads.
	listed, delisted, priceChanged, purchased common.Hash
}

func newDecoder() *decoder {
	m := contracts.NewDataLicenseMarket()
	events := m.GetABI().Events
	return &decoder{
		market:       m,
		listed:       events[contracts.DataLicenseMarketListedEventName].ID,
		delisted:     events[contracts.DataLicenseMarketDelistedEventName].ID,
		priceChanged: events[contracts.DataLicenseMarketPriceChangedEventName].ID,
		purchased:    events[contracts.DataLicenseMarketLicencePurchasedEventName].ID,
	}
}

// Topics is the log filter of the events that change the catalog (for eth_getLogs' topics[0]).
func Topics() [][]common.Hash { return newDecoder().topics() }

func (d *decoder) topics() [][]common.Hash {
	return [][]common.Hash{{d.listed, d.delisted, d.priceChanged, d.purchased}}
}

// decode turns the contract's logs into catalog events, in log order. Logs of other contracts
// (other than marketAddr), other events (seats, withdrawals) and logs removed by a reorg are left
// out. Listed events get a Listing with CardStatus CardPending and no card: joining the card is
// the indexer's job. A log of the contract that does not decode is an error: the binding and the
// deployed contract disagree.
func (d *decoder) decode(marketAddr common.Address, logs []types.Log) ([]marketplace.ListingEvent, error) {
	var out []marketplace.ListingEvent
	for i := range logs {
		lg := &logs[i]
		if lg.Address != marketAddr || lg.Removed || len(lg.Topics) == 0 {
			continue
		}
		ev := marketplace.ListingEvent{Block: lg.BlockNumber, LogIndex: lg.Index, TxHash: lg.TxHash}
		var err error
		switch lg.Topics[0] {
		case d.listed:
			var e *contracts.DataLicenseMarketListed
			if e, err = d.market.UnpackListedEvent(lg); err != nil {
				break
			}
			ev.Kind = marketplace.EventListed
			if ev.ListingID, err = listingID(e.Id); err != nil {
				break
			}
			terms, terr := marketplace.UnpackTerms(e.Terms)
			if terr != nil {
				err = terr
				break
			}
			ev.Listing = &marketplace.Listing{
				ID: ev.ListingID, Seller: e.Seller, ContentHash: e.ContentHash, Price: e.Price, Terms: terms,
				MetadataHash: e.MetadataHash, Provider: e.Provider, Block: lg.BlockNumber, LogIndex: lg.Index, TxHash: lg.TxHash,
				ListedAt: time.Unix(int64(lg.BlockTimestamp), 0).UTC(), Active: true, CardStatus: marketplace.CardPending,
			}
		case d.delisted:
			var e *contracts.DataLicenseMarketDelisted
			if e, err = d.market.UnpackDelistedEvent(lg); err == nil {
				ev.Kind = marketplace.EventDelisted
				ev.ListingID, err = listingID(e.Id)
			}
		case d.priceChanged:
			var e *contracts.DataLicenseMarketPriceChanged
			if e, err = d.market.UnpackPriceChangedEvent(lg); err == nil {
				ev.Kind, ev.Price = marketplace.EventPriceChanged, e.Price
				ev.ListingID, err = listingID(e.Id)
			}
		case d.purchased:
			var e *contracts.DataLicenseMarketLicencePurchased
			if e, err = d.market.UnpackLicencePurchasedEvent(lg); err == nil {
				ev.Kind, ev.Price, ev.Buyer = marketplace.EventPurchased, e.Price, e.Buyer
				ev.ListingID, err = listingID(e.Id)
			}
		default:
			continue
		}
		if err != nil {
			return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "Cannot decode log %d of block %d (tx %s)", lg.Index, lg.BlockNumber, lg.TxHash.Hex())
		}
		out = append(out, ev)
	}
	return out, nil
}

func listingID(id *big.Int) (uint64, error) {
	if id == nil || !id.IsUint64() || id.Uint64() == 0 {
		return 0, fmt.Errorf("listing id %v out of range", id)
	}
	return id.Uint64(), nil
}
