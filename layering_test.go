package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestLayering holds the dependency rules of DESIGN.md that the code keeps
// today: the CLI and the UI reach the marketplace's parts only through app,
// app never reaches up to them, and the anonymization engine imports nothing
// of ours. (plugins -> marketplace/trials and ledger -> contracts are still
// to be split: issue 11.)
func TestLayering(t *testing.T) {
	const mod = "github.com/medmarket/medmarket"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	parts := []string{"chain", "store", "trials", "ledger", "provider", "catalog", "vault", "contracts"}
	forbidden := map[string][]string{mod: nil, mod + "/frontend": nil}
	for _, p := range parts {
		for k := range forbidden {
			forbidden[k] = append(forbidden[k], mod+"/marketplace/"+p)
		}
	}
	forbidden[mod+"/app"] = []string{mod, mod + "/frontend"}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		pkg, imports := f[0], f[1:]
		for _, imp := range imports {
			if strings.HasPrefix(pkg, mod+"/anonymize") && strings.HasPrefix(imp, mod+"/") && !strings.HasPrefix(imp, mod+"/anonymize") {
				t.Errorf("%s imports %s: the engine imports nothing of ours", pkg, imp)
			}
			for _, bad := range forbidden[pkg] {
				if imp == bad {
					t.Errorf("%s imports %s: go through app (DESIGN.md, dependencies point one way)", pkg, imp)
				}
			}
		}
	}
}
