package frontend

import (
	"fmt"
	"net/http"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// licensedListings are the licences, by listing, that the signed-in account
// may use now (its own or a seat), for marking the datasets it already
// licenses in the catalog and on the card. Anonymous visitors have none.
// Callers leave the marks out when they cannot be read: they are a
// convenience, and buying or downloading asks the chain anyway.
func licensedListings(r *http.Request, svc Service) (map[uint64]marketplace.Licence, error) {
	s, ok := sessionFrom(r.Context())
	if !ok {
		return nil, nil
	}
	ls, err := svc.Licences(r.Context(), s.Address())
	if err != nil {
		return nil, fmt.Errorf("reading the licences of %s: %w", s.Address().Hex(), err)
	}
	out := map[uint64]marketplace.Licence{}
	for _, l := range ls {
		if l.Valid {
			out[l.ListingID] = l.Licence
		}
	}
	return out, nil
}

// licensedText is the mark of a dataset the account licenses: "Licensed
// until <date> UTC", or that the licence never expires.
func licensedText(l marketplace.Licence) string {
	if l.Perpetual() {
		return "Licensed, never expires"
	}
	return "Licensed until " + time.Unix(int64(l.ExpiresAt), 0).UTC().Format("2006-01-02") + " UTC"
}
