package plugins

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/plugins/anonymizer"
	"github.com/medmarket/medmarket/plugins/handshake"
	"github.com/medmarket/medmarket/plugins/recorder"
)

// Options configure a Host.
type Options struct {
	// DataDir holds the plugins directory (<DataDir>/plugins, searched for
	// plugin binaries) and the allow-list (<DataDir>/trusted-plugins.json).
	DataDir string
	// Dirs are more directories to search (--plugins DIR).
	Dirs []string
	// CallTimeout bounds every call into a plugin (default 10 minutes); a
	// plugin that does not answer in time is killed.
	CallTimeout time.Duration
	// StartTimeout bounds a plugin's start (default 30 seconds).
	StartTimeout time.Duration
	// MaxMessageBytes bounds each message, both ways (default
	// handshake.DefaultMaxMessageBytes).
	MaxMessageBytes int
	// MaxRecorderInput bounds the document sent to a recorder (default
	// recorder.DefaultMaxInput); MaxRecorderOutput the steps it answers
	// with, in all (default recorder.DefaultMaxOutput).
	MaxRecorderInput  int64
	MaxRecorderOutput int64
	// BuiltinCommand returns the command that serves built-in name in a
	// process of its own; default: this executable with "plugin-serve NAME".
	BuiltinCommand func(name string) (*exec.Cmd, error)
	// Log receives the plugins' log and stderr lines (default: discarded).
	Log io.Writer
	// BuiltinRecorders describe the recorders the program has built in
	// (app passes marketplace/trials' form, csv and odm): the host lists
	// them, runs them isolated through BuiltinCommand, and refuses their
	// names to third-party plugins.
	BuiltinRecorders []recorder.Descriptor
	// Stream tunes how tables are streamed to anonymizer plugins (zero:
	// as designed; the others measure and test the protocol).
	Stream anonymizer.StreamOptions
}

// Host starts, pins and supervises plugins. It is safe for concurrent use.
// A plugin that crashes is restarted on its next use; one that hangs is
// killed at its call's deadline; either fails only the call it was in.
type Host struct {
	opt     Options
	trust   TrustStore
	sockDir string
	// transforms are the built-ins and the trusted anonymizers registered
	// with RegisterAnonymizers: this host's, seen by no other.
	transforms *anonymize.Transforms

	mu     sync.Mutex
	procs  map[string]*proc
	closed bool
}

// Ref names a plugin: a built-in (run isolated) or a trusted third-party one.
type Ref struct {
	Name    string
	Builtin bool
	Kind    Kind
}

func (r Ref) key() string {
	if r.Builtin {
		return "builtin:" + r.Name + ":" + string(r.Kind)
	}
	return "plugin:" + r.Name + ":" + string(r.Kind)
}

func (r Ref) String() string {
	if r.Builtin {
		return fmt.Sprintf("built-in %s (isolated)", r.Name)
	}
	return r.Name
}

// NewHost returns a host; plugins start on first use. Close it to stop them.
func NewHost(opt Options) (*Host, error) {
	if opt.CallTimeout <= 0 {
		opt.CallTimeout = 10 * time.Minute
	}
	if opt.StartTimeout <= 0 {
		opt.StartTimeout = 30 * time.Second
	}
	if opt.MaxMessageBytes <= 0 {
		opt.MaxMessageBytes = handshake.DefaultMaxMessageBytes
	}
	if opt.BuiltinCommand == nil {
		opt.BuiltinCommand = defaultBuiltinCommand
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	// Plugins create their sockets in a directory only this user can enter.
	dir, err := os.MkdirTemp("", "medmarket-plugins-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	h := &Host{opt: opt, sockDir: dir, procs: map[string]*proc{}, transforms: anonymize.NewTransforms()}
	if opt.DataDir != "" {
		h.trust = TrustStore{Path: filepath.Join(opt.DataDir, TrustFile)}
	}
	return h, nil
}

func defaultBuiltinCommand(name string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.Command(exe, "plugin-serve", name), nil
}

// Trust returns the allow-list.
func (h *Host) Trust() TrustStore { return h.trust }

// Close kills every plugin the host started and removes the socket directory.
func (h *Host) Close() error {
	h.mu.Lock()
	procs := h.procs
	h.procs, h.closed = map[string]*proc{}, true
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.kill() }()
	}
	wg.Wait()
	return os.RemoveAll(h.sockDir)
}

// Dirs returns the directories searched for plugins.
func (h *Host) Dirs() []string {
	var dirs []string
	if h.opt.DataDir != "" {
		dirs = append(dirs, filepath.Join(h.opt.DataDir, "plugins"))
	}
	return append(dirs, h.opt.Dirs...)
}

// builtinRecorders returns the descriptors of the built-in recorders.
func (h *Host) builtinRecorders() []recorder.Descriptor { return slices.Clone(h.opt.BuiltinRecorders) }

// isBuiltinRecorder reports whether name is a built-in recorder.
func (h *Host) isBuiltinRecorder(name string) bool {
	return slices.ContainsFunc(h.opt.BuiltinRecorders, func(d recorder.Descriptor) bool { return d.Name == name })
}
