package main

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// flatFacets is o as one map: "total", "duo:HMB", "type:patients",
// "rows:100-999", "price:0.01-0.1" to counts, zero counts left out.
func flatFacets(o facetsOut) map[string]int {
	m := map[string]int{"total": o.Total}
	for k, v := range o.Terms {
		m["duo:"+k] = v
	}
	for k, v := range o.DataTypes {
		m["type:"+k] = v
	}
	for _, b := range o.Rows {
		if b.Count > 0 {
			m["rows:"+b.Band] = b.Count
		}
	}
	for _, b := range o.Prices {
		if b.Count > 0 {
			m["price:"+b.Band] = b.Count
		}
	}
	return m
}

// TestCLI_searchFacets: `search --facets` counts the listings per DUO code,
// data type, row band and price band for the search's text and filters;
// price bands leave the price bounds out; --max-rows bounds the rows.
func TestCLI_searchFacets(t *testing.T) {
	env := cliEnv(t)
	mustRun(t, env, "account", "new", "--name", "alice")
	mustRun(t, env, "chain", "fund", "alice", "10")
	mustRun(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--title", "Asthma registry", "--price", "0.01", "--terms", "HMB", "--data-types", "patients")
	mustRun(t, env, "publish", "--as", "alice", "--in", patientsCSV, "--title", "Cancer cohort", "--price", "0.5", "--terms", "GRU,NCU", "--data-types", "patients,conditions")

	var all facetsOut
	if err := json.Unmarshal([]byte(mustRun(t, env, "search", "--facets", "--json")), &all); err != nil {
		t.Fatal(err)
	}
	rows := "" // both listings hold the same rows: one band
	for _, b := range all.Rows {
		if b.Count == 2 {
			rows = "rows:" + b.Band
		}
	}
	for _, tc := range []struct {
		args []string
		want map[string]int
	}{
		{nil, map[string]int{"total": 2, "duo:HMB": 1, "duo:GRU": 1, "duo:NCU": 1, "type:patients": 2, "type:conditions": 1,
			rows: 2, "price:0.01-0.1": 1, "price:0.1-1": 1}},
		{[]string{"asthma"}, map[string]int{"total": 1, "duo:HMB": 1, "type:patients": 1, rows: 1, "price:0.01-0.1": 1}},
		{[]string{"--max-price", "0.1"}, map[string]int{"total": 1, "duo:HMB": 1, "type:patients": 1, rows: 1, "price:0.01-0.1": 1, "price:0.1-1": 1}},
		{[]string{"--max-rows", "1"}, map[string]int{"total": 0, rows: 2}}, // the row bands leave the row bounds out
	} {
		var o facetsOut
		if err := json.Unmarshal([]byte(mustRun(t, env, append([]string{"search", "--facets", "--json"}, tc.args...)...)), &o); err != nil {
			t.Fatal(err)
		}
		if got := flatFacets(o); !maps.Equal(got, tc.want) {
			t.Errorf("search %v --facets:\n got %v\nwant %v", tc.args, got, tc.want)
		}
	}
	if out := mustRun(t, env, "search", "--facets"); !strings.Contains(out, "MATCHES") || !strings.Contains(out, "HMB 1") || !strings.Contains(out, "0.1–1 ETH 1") {
		t.Errorf("facets table:\n%s", out)
	}
	_, _, err := runCmd(t, env, "search", "--facets", "--min-rows", "10", "--max-rows", "5")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "rows_max") {
		t.Errorf("min above max rows: exit %d, %v", exitCode(err), err)
	}
}
