package frontend

import (
	"net/http"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// mismatchUnconfirmed reports whether a buy of listing l must stop to warn
// the buyer, before any transaction, that the disease stated in conf does
// not name the listing's DS disease (app.DiseaseMatches), returning that
// disease. The buyer confirms by posting the form again with "mismatch"
// checked: the contract cannot police use, so a mismatch is a warning and a
// record the seller sees, not a refusal. A delisted listing or terms not
// accepted go on to Buy, which names those reasons.
func mismatchUnconfirmed(r *http.Request, l *marketplace.Listing, conf app.BuyConfirmation) (string, bool) {
	if !l.Active || !conf.AcceptTerms || r.PostForm.Get("mismatch") != "" {
		return "", false
	}
	return app.DiseaseMismatch(l, conf.Disease)
}
