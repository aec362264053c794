package plugins_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Nothing under plugins/ links marketplace code, and an anonymizer plugin
// links no chain code (go-ethereum): each kind has its own package and
// types, and app owns the seam to marketplace/trials (DESIGN.md).
func TestDependencies_pluginsLinkNoMarketplace(t *testing.T) {
	const mod = "github.com/medmarket/medmarket"
	for _, pkg := range []string{"./...", "./examples/redact-notes"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, mod+"/marketplace") || dep == mod+"/app" || strings.HasPrefix(dep, "github.com/ethereum/go-ethereum") {
				t.Errorf("%s links %s", pkg, dep)
			}
		}
	}
}
