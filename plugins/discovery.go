package plugins

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/medmarket/medmarket/plugins/anonymizer"
)

// State says whether a plugin may run.
type State string

const (
	StateBuiltin   State = "built-in"
	StateTrusted   State = "trusted"
	StateUntrusted State = "untrusted" // found in a plugins directory, not in the allow-list
	StateChanged   State = "changed"   // the binary's hash differs from the pinned one
	StateMissing   State = "missing"   // the allow-listed binary is gone
)

// Info describes a plugin for listings.
type Info struct {
	Name    string    `json:"name"`
	Kinds   []Kind    `json:"kinds"`
	State   State     `json:"state"`
	Path    string    `json:"path,omitempty"`
	SHA256  string    `json:"sha256,omitempty"`
	Pinned  string    `json:"pinned_sha256,omitempty"`
	Added   time.Time `json:"added,omitzero"`
	Version string    `json:"version,omitempty"`
	Scope   string    `json:"scope,omitempty"`
	Summary string    `json:"summary,omitempty"`
	// Formats are what a recorder reads.
	Formats []string `json:"formats,omitempty"`
}

// List returns the built-ins, then the allow-listed plugins and the
// binaries found in the plugins directories, with hash and trust state.
// It starts no plugin.
func (h *Host) List(ctx context.Context) ([]Info, error) {
	var out []Info
	for _, n := range anonymizer.BuiltinNames() {
		d, _ := anonymizer.Builtin(n).Describe(ctx)
		out = append(out, Info{Name: n, Kinds: []Kind{KindAnonymizer}, State: StateBuiltin, Version: d.Version, Scope: string(d.Scope), Summary: d.Summary})
	}
	for _, d := range h.builtinRecorders() {
		out = append(out, Info{Name: d.Name, Kinds: []Kind{KindRecorder}, State: StateBuiltin,
			Version: d.Version, Summary: d.Summary, Formats: d.Formats})
	}
	var entries []TrustEntry
	if h.trust.Path != "" {
		var err error
		if entries, err = h.trust.Load(); err != nil {
			return nil, err
		}
	}
	byPath := map[string]bool{}
	var third []Info
	for _, e := range entries {
		i := Info{Name: e.Name, Kinds: e.Kinds, Path: e.Path, Pinned: e.SHA256, Added: e.Added, Version: e.Version, Summary: e.Summary}
		sum, err := FileSHA256(e.Path)
		switch {
		case err != nil:
			i.State = StateMissing
		case sum == e.SHA256:
			i.State, i.SHA256 = StateTrusted, sum
		default:
			i.State, i.SHA256 = StateChanged, sum
		}
		byPath[e.Path] = true
		third = append(third, i)
	}
	for _, dir := range h.Dirs() {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, de := range ents {
			path, err := filepath.Abs(filepath.Join(dir, de.Name()))
			if err != nil || byPath[path] || !isExecutable(path) {
				continue
			}
			byPath[path] = true
			sum, _ := FileSHA256(path)
			third = append(third, Info{Name: de.Name(), State: StateUntrusted, Path: path, SHA256: sum})
		}
	}
	sort.SliceStable(third, func(a, b int) bool { return third[a].Name < third[b].Name })
	return append(out, third...), nil
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}
