package frontend

import (
	"context"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// The card of a pool's version says which version, how many patients, k,
// the operator's fee and how to verify the pool; the pool's name is
// escaped like any user text.
func TestCardPool_saysWhatThePoolVersionIsAndHowToCheckIt(t *testing.T) {
	p := &marketplace.CardPool{Contract: common.HexToAddress("0x9001"), Name: "Type 2 <b>diabetes</b>", Hub: "http://127.0.0.1:8081/",
		Version: 2, ConfigVersion: 1, Patients: 12, Contributions: common.HexToHash("0xabc"), FeeBasisPoints: 250, K: 3}
	var b strings.Builder
	if err := cardPool(p).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{"Version 2 of", "12 patients", "k = 3", "2.5 %", "medmarket pool verify " + p.Contract.Hex() + " --hub http://127.0.0.1:8081/",
		p.Contributions.Hex(), "Type 2 &lt;b&gt;diabetes&lt;/b&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("the pool section lacks %q:\n%s", want, html)
		}
	}
}
