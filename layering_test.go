package main

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// layers is DESIGN.md's dependency table as data: for each package of ours
// (by path below the module; "." is the CLI), the packages of ours it may
// import. A key ending in "/..." covers the package and everything below it;
// the most specific key wins. A package no key covers is an error, so a new
// package states its place here before it can build into the product.
var layers = []struct {
	pkg   string
	may   []string
	why   string
	never string
}{
	{".", []string{"app", "frontend", "marketplace", "anonymize"},
		"the CLI composes app and the UI", "a marketplace part (chain, store, trials, ledger, provider, catalog, vault, contracts) or plugins"},
	{"frontend", []string{"app", "marketplace", "anonymize"},
		"the UI calls app and shows domain types", "a marketplace part, plugins, the CLI"},
	{"app", []string{"marketplace/...", "anonymize/...", "plugins/..."},
		"app composes everything below it", "frontend, the CLI"},
	{"marketplace", nil,
		"domain types depend on nothing of ours", "anything of ours"},
	{"marketplace/contracts", []string{"marketplace"}, "bindings", "other parts"},
	{"marketplace/chain/...", []string{"marketplace", "marketplace/chain"}, "chain backends", "other parts"},
	{"marketplace/store", []string{"marketplace"}, "buntdb storage", "other parts"},
	{"marketplace/vault", []string{"marketplace"}, "encryption and keys", "other parts"},
	{"marketplace/ledger", []string{"marketplace"},
		"the Merkle log knows nothing of chains", "contracts (the TrialRegistry anchorer lives with trials)"},
	{"marketplace/provider", []string{"marketplace", "marketplace/pools", "marketplace/vault"}, "the provider API", "app, frontend"},
	{"marketplace/objectstore/...", []string{"marketplace", "marketplace/vault"}, "blobs in an S3-compatible store", "app, frontend"},
	{"marketplace/catalog", []string{"marketplace", "marketplace/chain", "marketplace/contracts", "marketplace/store", "marketplace/vault"},
		"the index of chain events", "app, frontend"},
	{"marketplace/pools", []string{"marketplace", "marketplace/chain", "marketplace/contracts", "anonymize"},
		"pools: configuration, log entries, consent, entitlements, payout tree, union check", "app, frontend"},
	{"marketplace/trials", []string{"marketplace", "marketplace/chain", "marketplace/contracts", "marketplace/ledger", "marketplace/vault", "anonymize"},
		"trials, their log and its anchoring", "app, frontend, plugins"},
	{"plugins/...", []string{"anonymize", "plugins/..."},
		"a plugin links no chain code", "any marketplace package"},
	{"anonymize/...", []string{"anonymize/..."},
		"the engine is pure", "anything of ours outside anonymize"},
}

const module = "github.com/medmarket/medmarket"

// goPackage is the part of `go list -json` the rules read.
type goPackage struct {
	ImportPath string
	Imports    []string
}

// TestLayering holds every package of ours to DESIGN.md's table: the CLI and
// the UI reach the marketplace's parts only through app, app never reaches
// up, the parts point down, plugins link no marketplace code and the engine
// imports nothing of ours.
func TestLayering(t *testing.T) {
	// The desktop build and the test hooks compile files the default build
	// leaves out: hold them to the same table.
	for _, tags := range []string{"", "desktop,production,webkit2_41,medmarket_testhooks"} {
		for _, v := range layeringViolations(listPackages(t, tags)) {
			t.Errorf("tags %q: %s", tags, v)
		}
	}
}

// listPackages returns the module's packages as `go list -json` builds them
// with the given tags.
func listPackages(t *testing.T, tags string) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "-tags", tags, "./...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(out)
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; expected the whole module", len(pkgs))
	}
	return pkgs
}

// TestLayering_catchesUpwardImports proves the check fails when someone adds
// an arrow DESIGN.md forbids, and passes the arrows it allows.
func TestLayering_catchesUpwardImports(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	for _, tc := range []struct {
		pkg, imp string
		bad      bool
	}{
		{"frontend", "marketplace/chain", true},
		{".", "marketplace/trials", true},
		{"app", "frontend", true},
		{".", "plugins", true},
		{"marketplace/ledger", "marketplace/contracts", true},
		{"marketplace/store", "app", true},
		{"plugins/anonymizer", "marketplace/trials", true},
		{"plugins/sdk", "marketplace", true},
		{"anonymize", "marketplace", true},
		{"marketplace/newpart", "marketplace", true}, // not in the table yet
		{"frontend", "app", false},
		{"app", "marketplace/trials", false},
		{"marketplace/trials", "marketplace/ledger", false},
		{"plugins/sdk", "anonymize", false},
		{"anonymize/anonymizetest", "anonymize", false},
		{"app", "fmt", false},
	} {
		pkg := module
		if tc.pkg != "." {
			pkg = m(tc.pkg)
		}
		imp := tc.imp
		if imp != "fmt" {
			imp = m(imp)
		}
		got := layeringViolations([]goPackage{{ImportPath: pkg, Imports: []string{imp}}})
		if (len(got) > 0) != tc.bad {
			t.Errorf("%s -> %s: violations %q, want bad=%v", tc.pkg, tc.imp, got, tc.bad)
		}
	}
}

// layeringViolations says, for each import of ours the table does not
// allow, which arrow it is and why it must not be.
func layeringViolations(pkgs []goPackage) []string {
	var out []string
	for _, p := range pkgs {
		rel, ok := ours(p.ImportPath)
		if !ok {
			continue
		}
		rule := -1
		for i, l := range layers {
			if covers(l.pkg, rel) && (rule < 0 || len(l.pkg) > len(layers[rule].pkg)) {
				rule = i
			}
		}
		if rule < 0 {
			out = append(out, rel+": not in the layering table of layering_test.go (and DESIGN.md): say what it may import")
			continue
		}
		l := layers[rule]
		for _, imp := range p.Imports {
			irel, ok := ours(imp)
			if !ok || irel == rel {
				continue
			}
			if !slices.ContainsFunc(l.may, func(m string) bool { return covers(m, irel) }) {
				out = append(out, rel+" imports "+irel+": "+l.why+"; it must never import "+l.never+" (DESIGN.md, dependencies point one way)")
			}
		}
	}
	return out
}

// ours returns the path of pkg below the module ("." for the root), and
// whether pkg is ours at all.
func ours(pkg string) (string, bool) {
	if pkg == module {
		return ".", true
	}
	rel, ok := strings.CutPrefix(pkg, module+"/")
	return rel, ok
}

// covers reports whether the table key pattern names pkg.
func covers(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pattern == pkg
}
