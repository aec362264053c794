package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/plugins/anonymizer"
	"github.com/medmarket/medmarket/plugins/recorder"
)

// pinned returns the allow-list entry for name after checking the binary
// on disk still has the trusted hash.
func (h *Host) pinned(name string) (TrustEntry, error) {
	if h.trust.Path == "" {
		return TrustEntry{}, fmt.Errorf("plugin %s: %w (no allow-list: the host has no data directory)", name, ErrUntrusted)
	}
	e, ok, err := h.trust.Find(name)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, fmt.Errorf("plugin %s: %w: it is not in %s (add it with: medmarket plugins trust PATH --name %s)", name, ErrUntrusted, h.trust.Path, name)
	}
	sum, err := FileSHA256(e.Path)
	if err != nil {
		return e, fmt.Errorf("plugin %s: %w", name, err)
	}
	if sum != e.SHA256 {
		return e, fmt.Errorf("plugin %s: %w: %s has SHA-256 %s, the allow-list pins %s; refusing to run it (if you expect the change, trust it again: medmarket plugins trust %s --name %s)",
			name, ErrChanged, e.Path, sum, e.SHA256, e.Path, name)
	}
	return e, nil
}

// TrustPlugin pins the binary at path under name (default: the name the
// plugin describes itself with) after starting it once to learn what it
// serves. A plugin of the same name is replaced; built-in names are refused.
func (h *Host) TrustPlugin(ctx context.Context, path, name string) (TrustEntry, error) {
	if h.trust.Path == "" {
		return TrustEntry{}, errors.New("trust: the host has no data directory")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return TrustEntry{}, err
	}
	if !isExecutable(abs) {
		return TrustEntry{}, invalidErr{msg: fmt.Sprintf("trust: %s is not an executable file", abs)}
	}
	sum, err := FileSHA256(abs)
	if err != nil {
		return TrustEntry{}, err
	}
	// Ask the binary what it is, pinned to the hash just computed: an
	// anonymizer, a recorder or both.
	raw, _ := hex.DecodeString(sum)
	ref := Ref{Name: filepath.Base(abs), Kind: KindAnonymizer}
	p, err := h.launch(ref, exec.Command(abs), &plugin.SecureConfig{Checksum: raw, Hash: sha256.New()})
	if err != nil {
		return TrustEntry{}, invalidErr{msg: fmt.Sprintf("trust: %s does not run as a medmarket plugin: %v", abs, err)}
	}
	defer p.kill()
	cctx, cancel := context.WithTimeout(ctx, h.opt.CallTimeout)
	defer cancel()
	var kinds []Kind
	var dname, version, summary string
	d, aerr := p.raw.(anonymizer.Anonymizer).Describe(cctx)
	if aerr == nil {
		kinds, dname, version, summary = append(kinds, KindAnonymizer), d.Name, d.Version, d.Summary
	}
	var rerr error
	if rpc, err := p.client.Client(); err != nil {
		rerr = err
	} else if rs, err := rpc.Dispense(string(KindRecorder)); err != nil {
		rerr = err
	} else if rd, err := rs.(recorder.Recorder).Describe(cctx); err != nil {
		rerr = err
	} else {
		kinds = append(kinds, KindRecorder)
		if dname == "" {
			dname, version, summary = rd.Name, rd.Version, rd.Summary
		}
	}
	if len(kinds) == 0 {
		return TrustEntry{}, invalidErr{msg: fmt.Sprintf("trust: %s does not answer as an anonymizer (%v) or a recorder (%v)", abs, aerr, rerr)}
	}
	if name == "" {
		name = dname
	}
	if name == "" {
		name = filepath.Base(abs)
	}
	if anonymizer.IsBuiltin(name) || h.isBuiltinRecorder(name) {
		return TrustEntry{}, invalidErr{msg: fmt.Sprintf("trust: %q is the name of a built-in transform or recorder; choose another with --name", name)}
	}
	e := TrustEntry{Name: name, Path: abs, SHA256: sum, Added: time.Now().UTC().Truncate(time.Second),
		Kinds: kinds, Version: version, Summary: summary}
	list, err := h.trust.Load()
	if err != nil {
		return e, err
	}
	list = slices.DeleteFunc(list, func(x TrustEntry) bool { return x.Name == name })
	if err := h.trust.Save(append(list, e)); err != nil {
		return e, err
	}
	return e, nil
}

// Untrust removes name from the allow-list and stops it if it runs.
func (h *Host) Untrust(name string) error {
	if h.trust.Path == "" {
		return errors.New("untrust: the host has no data directory")
	}
	list, err := h.trust.Load()
	if err != nil {
		return err
	}
	n := len(list)
	list = slices.DeleteFunc(list, func(x TrustEntry) bool { return x.Name == name })
	if len(list) == n {
		return fmt.Errorf("untrust: %w: no trusted plugin called %q", ErrUntrusted, name)
	}
	h.mu.Lock()
	var stop []*proc
	for k, p := range h.procs {
		if !p.ref.Builtin && p.ref.Name == name {
			stop = append(stop, p)
			delete(h.procs, k)
		}
	}
	h.mu.Unlock()
	for _, p := range stop {
		p.kill()
	}
	return h.trust.Save(list)
}

// invalidErr is the user's mistake in trusting a plugin (not an
// executable, not a plugin, a built-in's name): errors.Is(err,
// anonymize.ErrInvalid) holds, so app reports it as EINVALID.
type invalidErr struct{ msg string }

func (e invalidErr) Error() string        { return e.msg }
func (e invalidErr) Is(target error) bool { return target == anonymize.ErrInvalid }
