package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

func TestAccountRoles_defaultAllAndPerAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, b := common.HexToAddress("0xAb01"), common.HexToAddress("0x02")
	roles, set, err := s.AccountRoles(ctx, a)
	if err != nil || set || roles.String() != marketplace.AllRoles().String() {
		t.Fatalf("no record: %v %v %v", roles, set, err)
	}
	if err := s.SetAccountRoles(ctx, a, marketplace.Roles{marketplace.RoleResearcher}); err != nil {
		t.Fatal(err)
	}
	if roles, set, err := s.AccountRoles(ctx, a); err != nil || !set || roles.String() != "researcher" {
		t.Fatalf("after set: %v %v %v", roles, set, err)
	}
	if roles, set, _ := s.AccountRoles(ctx, b); set || len(roles) != 3 {
		t.Errorf("other account: %v %v", roles, set)
	}

	s = reopenStore(t, s, path)
	if roles, _, err := s.AccountRoles(ctx, a); err != nil || roles.String() != "researcher" {
		t.Errorf("after reopen: %v %v", roles, err)
	}
}
