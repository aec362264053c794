package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

func TestSavedConfigs_perAccountBoundedAndDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, b := common.HexToAddress("0xAb01"), common.HexToAddress("0x02")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	put := func(owner common.Address, name, body string, at time.Time) (SavedConfig, error) {
		return s.PutSavedConfig(ctx, SavedConfig{Owner: owner, Name: name, Body: json.RawMessage(body)}, at, 2)
	}
	if _, err := put(a, "Clinic", `{"preset":"safe-harbor"}`, t0); err != nil {
		t.Fatal(err)
	}
	// The same name, another case: replaced, Created kept.
	c, err := put(a, "clinic", `{"preset":"custom"}`, t0.Add(time.Hour))
	if err != nil || !c.Created.Equal(t0) || !c.Updated.Equal(t0.Add(time.Hour)) {
		t.Fatalf("replace: %+v %v", c, err)
	}
	if _, err := put(a, "second", `{}`, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := put(a, "third", `{}`, t0); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("third of a limit of 2: %v", err)
	}
	if _, err := put(a, "second", `{"x":1}`, t0); err != nil {
		t.Fatalf("replacing at the limit: %v", err)
	}
	if _, err := put(b, "Clinic", `{}`, t0); err != nil {
		t.Fatalf("another account, same name: %v", err)
	}
	for _, bad := range []SavedConfig{{Owner: a, Name: "a:b", Body: json.RawMessage(`{}`)}, {Owner: a, Name: " ", Body: json.RawMessage(`{}`)},
		{Name: "x", Body: json.RawMessage(`{}`)}, {Owner: a, Name: "x", Body: json.RawMessage(`{`)}} {
		if _, err := s.PutSavedConfig(ctx, bad, t0, 0); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	listGetDeleteAfterReopen(t, path, a, b)
}

// listGetDeleteAfterReopen: what the test above stored survives a reopen,
// is read by either case of its name, and only by its owner.
func listGetDeleteAfterReopen(t *testing.T, path string, a, b common.Address) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	list, err := s.SavedConfigs(ctx, a)
	if err != nil || len(list) != 2 || list[0].Name != "clinic" || string(list[0].Body) != `{"preset":"custom"}` || list[1].Name != "second" {
		t.Fatalf("after reopen: %+v %v", list, err)
	}
	if got, err := s.SavedConfig(ctx, a, "CLINIC"); err != nil || got.Owner != a {
		t.Fatalf("get by another case: %+v %v", got, err)
	}
	if _, err := s.SavedConfig(ctx, b, "second"); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("another account's: %v", err)
	}
	if err := s.DeleteSavedConfig(ctx, b, "second"); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("delete another account's: %v", err)
	}
	if err := s.DeleteSavedConfig(ctx, a, "Second"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.SavedConfigs(ctx, a); len(list) != 1 {
		t.Fatalf("after delete: %+v", list)
	}
	if list, _ := s.SavedConfigs(ctx, b); len(list) != 1 || list[0].Name != "Clinic" {
		t.Fatalf("b's: %+v", list)
	}
}
