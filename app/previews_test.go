package app

import (
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// TestPreviews_keptForTheirOwnerOnly: a dry run is its owner's only; a new
// run of the same file replaces the old; an owner keeps at most
// maxPreviewsPerOwner runs (the oldest goes) for previewTTL.
func TestPreviews_keptForTheirOwnerOnly(t *testing.T) {
	var ps previews
	alice, bob := common.Address{0xa}, common.Address{0xb}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first := ps.keep(t0, &keptPreview{owner: alice, path: "/up/1"})
	if _, ok := ps.get(t0, alice, first); !ok {
		t.Fatal("alice's run not kept")
	}
	if _, ok := ps.get(t0, bob, first); ok {
		t.Fatal("bob got alice's run")
	}
	again := ps.keep(t0.Add(time.Second), &keptPreview{owner: alice, path: "/up/1"})
	if _, ok := ps.get(t0, alice, first); ok {
		t.Error("a run of the same file did not replace the earlier one")
	}
	ids := []string{again}
	for i := range maxPreviewsPerOwner {
		ids = append(ids, ps.keep(t0.Add(time.Duration(2+i)*time.Second), &keptPreview{owner: alice, path: string(rune('a' + i))}))
	}
	if _, ok := ps.get(t0, alice, ids[0]); ok {
		t.Errorf("alice keeps more than %d runs", maxPreviewsPerOwner)
	}
	for _, id := range ids[1:] {
		if _, ok := ps.get(t0, alice, id); !ok {
			t.Errorf("run %s dropped before the oldest", id)
		}
	}
	bobs := ps.keep(t0, &keptPreview{owner: bob})
	if _, ok := ps.get(t0.Add(previewTTL+time.Minute), bob, bobs); ok {
		t.Error("a run kept past previewTTL")
	}
}

// TestKeptPreview_ran: a dry run is published as it is only for the
// settings it ran.
func TestKeptPreview_ran(t *testing.T) {
	p := &keptPreview{path: "/up/1", table: "patients", preset: PresetCustom, privacy: &PrivacyParams{K: 5}, roles: map[string]string{}}
	same := PublishRequest{Input: "/up/1", Table: "patients", Preset: PresetCustom, Privacy: &PrivacyParams{K: 5}}
	if !p.ran(&same) {
		t.Fatal("the same settings do not match")
	}
	for name, change := range map[string]func(r *PublishRequest){
		"other file":    func(r *PublishRequest) { r.Input = "/up/2" },
		"other table":   func(r *PublishRequest) { r.Table = "visits" },
		"other preset":  func(r *PublishRequest) { r.Preset = "safe-harbor" },
		"other k":       func(r *PublishRequest) { r.Privacy = &PrivacyParams{K: 10} },
		"no privacy":    func(r *PublishRequest) { r.Privacy = nil },
		"a secret":      func(r *PublishRequest) { r.Secret = []byte("s") },
		"a config file": func(r *PublishRequest) { r.ConfigFile = "p.yaml" },
		"other roles":   func(r *PublishRequest) { r.Roles = map[string]string{"nope": "quasi"} },
	} {
		r := same
		change(&r)
		if p.ran(&r) {
			t.Errorf("%s: the dry run would be published", name)
		}
	}
}
