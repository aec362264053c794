package app

import (
	"testing"

	"github.com/medmarket/medmarket/marketplace/vault"
)

// hasBlob reports whether a's blob store holds content; a store that cannot
// tell fails the test.
func hasBlob(t testing.TB, a *App, content [32]byte) bool {
	t.Helper()
	has, err := a.market.blobs.Has(t.Context(), vault.Hash(content))
	if err != nil {
		t.Fatalf("blob store: %v", err)
	}
	return has
}
