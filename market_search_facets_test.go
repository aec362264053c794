package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCLI_searchFacets: `search --facets` counts the listings per DUO code,
// data type, row band and price band for the search's text and filters;
// price bands leave the price bounds out; --max-rows bounds the rows.
func TestCLI_searchFacets(t *testing.T) {
	env := cliEnv(t)
	mustRun(t, env, "account", "new", "--name", "alice")
	mustRun(t, env, "chain", "fund", "alice", "10")
	mustRun(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--title", "Asthma registry", "--price", "0.01", "--terms", "HMB", "--data-types", "patients")
	mustRun(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--title", "Cancer cohort", "--price", "0.5", "--terms", "GRU,NCU", "--data-types", "patients,conditions")

	facets := func(args ...string) facetsOut {
		t.Helper()
		var o facetsOut
		if err := json.Unmarshal([]byte(mustRun(t, env, append([]string{"search", "--facets", "--json"}, args...)...)), &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	band := func(bs []bandOut, key string) int {
		for _, b := range bs {
			if b.Band == key {
				return b.Count
			}
		}
		t.Fatalf("no band %s in %+v", key, bs)
		return 0
	}
	o := facets()
	if o.Total != 2 || o.Terms["HMB"] != 1 || o.Terms["GRU"] != 1 || o.Terms["NCU"] != 1 || len(o.Terms) != 3 ||
		o.DataTypes["patients"] != 2 || o.DataTypes["conditions"] != 1 || band(o.Prices, "0.01-0.1") != 1 || band(o.Prices, "0.1-1") != 1 {
		t.Errorf("all: %+v", o)
	}
	if o := facets("asthma"); o.Total != 1 || len(o.Terms) != 1 || o.Terms["HMB"] != 1 || o.DataTypes["conditions"] != 0 {
		t.Errorf("asthma: %+v", o)
	}
	if o := facets("--max-price", "0.1"); o.Total != 1 || o.Terms["GRU"] != 0 || band(o.Prices, "0.1-1") != 1 {
		t.Errorf("at most 0.1 ETH: %+v", o)
	}
	rows := 0
	for _, b := range o.Rows {
		rows += b.Count
	}
	if rows != 2 {
		t.Errorf("row bands count %d listings, want 2: %+v", rows, o.Rows)
	}
	if o := facets("--max-rows", "1"); o.Total != 0 {
		t.Errorf("at most 1 row: %+v", o)
	}
	if out := mustRun(t, env, "search", "--facets"); !strings.Contains(out, "MATCHES") || !strings.Contains(out, "HMB 1") || !strings.Contains(out, "0.1–1 ETH 1") {
		t.Errorf("facets table:\n%s", out)
	}
	_, _, err := runCmd(t, env, "search", "--facets", "--min-rows", "10", "--max-rows", "5")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "rows_max") {
		t.Errorf("min above max rows: exit %d, %v", exitCode(err), err)
	}
}
