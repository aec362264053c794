package main

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

func TestHubConfigFromEnv(t *testing.T) {
	env := map[string]string{envHubMaxUnlisted: "5", envHubMaxBytes: "512MiB", envHubUploadTTL: "48h",
		envHubMaxUnlistedBytes: "10GiB", envHubUploadsPerMinute: "30", envHubKeyUploadsPerMinute: "3",
		envHubAdmission: "balance", envHubMinBalance: "0.5"}
	c, err := hubConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || c.MaxUnlistedUploads != 5 || c.MaxSellerBytes != 512<<20 || c.UploadTTL != 48*time.Hour ||
		c.MaxUnlistedBytes != 10<<30 || c.UploadsPerMinute != 30 || c.KeyUploadsPerMinute != 3 ||
		c.Admission != app.HubMinBalance || c.MinBalance.Cmp(big.NewInt(5e17)) != 0 {
		t.Fatalf("config %+v, %v", c, err)
	}
	if c, err := hubConfigFromEnv(func(string) string { return "" }); err != nil || c.Admission != "" || c.MinBalance != nil || c.MaxUnlistedUploads != 0 {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	for _, bad := range []map[string]string{
		{envHubMaxUnlisted: "-1"}, {envHubMaxBytes: "2 GB"}, {envHubUploadTTL: "7d"}, {envHubMaxUnlistedBytes: "0"},
		{envHubUploadsPerMinute: "many"}, {envHubKeyUploadsPerMinute: "0"}, {envHubAdmission: "friends"},
		{envHubAdmission: "balance"}, {envHubAdmission: "balance", envHubMinBalance: "-1"},
	} {
		_, err := hubConfigFromEnv(func(s string) string { return bad[s] })
		named := false
		for k := range bad {
			named = named || strings.Contains(err.Error(), k)
		}
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !named {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// TestCLI_hubAllowList: the operator approves and denies uploaders with
// `medmarket hub allow|deny`; the list persists in the data dir's store.
func TestCLI_hubAllowList(t *testing.T) {
	env := cliEnv(t)
	const who = "0x00000000000000000000000000000000000000aA"
	if out, _, err := runCmd(t, env, "hub", "allow", who); err != nil || !strings.Contains(out, "may upload to this hub") {
		t.Fatalf("hub allow: %q, %v", out, err)
	}
	out, _, err := runCmd(t, env, "hub", "list", "--json")
	if err != nil || !strings.Contains(out, `"account":"`+strings.ToLower(who)+`"`) {
		t.Fatalf("hub list: %q, %v", out, err)
	}
	if _, _, err := runCmd(t, env, "hub", "deny", who); err != nil {
		t.Fatalf("hub deny: %v", err)
	}
	if _, _, err := runCmd(t, env, "hub", "deny", who); exitCode(err) != 4 {
		t.Fatalf("hub deny again: exit %d, %v", exitCode(err), err)
	}
	if _, _, err := runCmd(t, env, "hub", "allow", "not-an-address"); exitCode(err) != 2 {
		t.Fatalf("hub allow of a bad address: exit %d, %v", exitCode(err), err)
	}
	if out, _, err := runCmd(t, env, "hub", "list", "--json"); err != nil || strings.Contains(out, strings.ToLower(who)) {
		t.Fatalf("hub list after deny: %q, %v", out, err)
	}
}
