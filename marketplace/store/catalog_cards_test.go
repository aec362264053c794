package store

import (
	"encoding/json"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// The card cache decodes a card once, decodes again when the stored bytes
// change, hands out copies, and stays bounded.
func TestCardCache(t *testing.T) {
	var cc cardCache
	raw := func(title string) string {
		b, _ := json.Marshal(marketplace.DatasetCard{Title: title, Tags: []string{"a"}})
		return string(b)
	}
	a, err := cc.decode(1, raw("one"))
	if err != nil || a.Title != "one" {
		t.Fatalf("decode: %+v, %v", a, err)
	}
	b, _ := cc.decode(1, raw("one"))
	if b == a || b.Title != "one" {
		t.Errorf("second decode: same pointer %v, %+v", b == a, b)
	}
	b.Title = "changed by a caller"
	if c, _ := cc.decode(1, raw("one")); c.Title != "one" {
		t.Errorf("a caller's change reached the cache: %q", c.Title)
	}
	if c, _ := cc.decode(1, raw("two")); c.Title != "two" {
		t.Errorf("new bytes, old card: %q", c.Title)
	}
	if _, err := cc.decode(2, "{not json"); err == nil {
		t.Error("bad bytes decoded")
	}
	for id := range uint64(maxCachedCards + 10) {
		if _, err := cc.decode(id+10, raw("x")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(cc.m); n > maxCachedCards {
		t.Errorf("%d cards cached, bound %d", n, maxCachedCards)
	}
}
