package main

import (
	"fmt"
	"io"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// checkDiseaseMismatch warns, before any transaction, when the disease the
// buyer states does not name the disease of DS listing l (the rule of
// app.DiseaseMatches), as the web buy does. The contract cannot police use,
// so a mismatch is not forbidden: it is refused here unless the buyer
// confirms with --buy-anyway, and then it is recorded with the buyer's
// signed statement, where the seller sees it. A listing without DS terms,
// or a statement that names its disease, passes silently.
func checkDiseaseMismatch(stderr io.Writer, l *marketplace.Listing, stated string, anyway bool) error {
	disease, mismatch := app.DiseaseMismatch(l, stated)
	if !mismatch {
		return nil
	}
	fmt.Fprintf(stderr, "Warning: this dataset may be used for research on %q only (DS terms), and you state %q.\n", disease, stated)
	fmt.Fprintln(stderr, "The contract cannot check how the data is used: what you state is recorded, signed by you, and shown to the seller.")
	if anyway {
		fmt.Fprintln(stderr, "Buying anyway (--buy-anyway).")
		return nil
	}
	return marketplace.Errorf(marketplace.EINVALID,
		"Disease: %q does not name the listing's DS disease %q; nothing was bought. Pass --buy-anyway if your research falls within the terms.", stated, disease)
}
