package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/medmarket/medmarket/anonymize"
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
	// DefaultMaxMessageBytes).
	MaxMessageBytes int
	// MaxRecorderInput bounds the document sent to a recorder (default
	// DefaultMaxRecorderInput); MaxRecorderOutput the steps it answers
	// with, in all (default DefaultMaxRecorderOutput).
	MaxRecorderInput  int64
	MaxRecorderOutput int64
	// BuiltinCommand returns the command that serves built-in name in a
	// process of its own; default: this executable with "plugin-serve NAME".
	BuiltinCommand func(name string) (*exec.Cmd, error)
	// Log receives the plugins' log and stderr lines (default: discarded).
	Log io.Writer
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

// proc is one running plugin process.
type proc struct {
	ref    Ref
	client *plugin.Client
	raw    any
	out    *tail // the plugin's stderr and go-plugin's log about it
	pid    int
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
		opt.MaxMessageBytes = DefaultMaxMessageBytes
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

// Call runs f with the service ref names, starting the plugin if needed
// (again, if it died), under the host's call deadline. f's error is
// explained: a plugin that crashed, exited or hung is named with the cause,
// and dead or hung processes are cleared so the next call starts afresh.
func (h *Host) Call(ctx context.Context, ref Ref, f func(ctx context.Context, service any) error) error {
	p, err := h.get(ctx, ref)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, h.opt.CallTimeout)
	defer cancel()
	err = f(cctx, p.raw)
	if err == nil {
		return nil
	}
	return h.explain(ctx, cctx, p, err)
}

func (h *Host) explain(ctx, cctx context.Context, p *proc, err error) error {
	name := p.ref.String()
	if errors.Is(err, anonymize.ErrInvalid) || isInputInvalid(err) {
		return fmt.Errorf("plugin %s: %w", name, err)
	}
	// The plugin's side learns the deadline too and may reset the stream a
	// moment before the host's timer fires: judge deadlines by the clock.
	near := func(c context.Context) bool {
		dl, ok := c.Deadline()
		return ok && time.Until(dl) < 250*time.Millisecond
	}
	// The call's context inherits the caller's deadline with a timer of its
	// own, which may fire first: a caller deadline already past is the
	// caller's, whatever the error says.
	passed := func(c context.Context) bool {
		dl, ok := c.Deadline()
		return ok && !time.Now().Before(dl)
	}
	c := status.Code(err)
	deadlineLike := c == codes.Canceled || c == codes.DeadlineExceeded || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if ctx.Err() != nil || passed(ctx) || (near(ctx) && deadlineLike) {
		// The caller gave up; the plugin may be stuck in the call, so it
		// is stopped (and restarts on next use).
		h.drop(p)
		cause := ctx.Err()
		if cause == nil {
			cause = context.DeadlineExceeded
		}
		return fmt.Errorf("plugin %s: %w", name, cause)
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) || (near(cctx) && deadlineLike) {
		h.drop(p)
		return fmt.Errorf("plugin %s: no answer within %s (the call's deadline); it was stopped and will restart on next use", name, h.opt.CallTimeout)
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.ResourceExhausted {
		return fmt.Errorf("plugin %s: oversized output: a message passed the %d-byte limit (%s)", name, h.opt.MaxMessageBytes, st.Message())
	}
	// A broken connection is how a dead plugin shows; give the process a
	// moment to be reaped so the error can say how it died.
	wait := time.Duration(0)
	if st, ok := status.FromError(err); (ok && (st.Code() == codes.Unavailable || st.Code() == codes.Canceled || st.Code() == codes.Unknown)) || errors.Is(err, io.EOF) {
		wait = 2 * time.Second
	}
	if p.waitExited(wait) {
		h.drop(p)
		return fmt.Errorf("plugin %s %s during the call; it will restart on next use", name, p.out.cause())
	}
	if st, ok := status.FromError(err); ok {
		return fmt.Errorf("plugin %s: %s", name, st.Message())
	}
	return fmt.Errorf("plugin %s: %w", name, err)
}

// get returns the running process for ref, starting it when needed.
func (h *Host) get(ctx context.Context, ref Ref) (*proc, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("plugin host closed")
	}
	if p, ok := h.procs[ref.key()]; ok {
		if !p.client.Exited() {
			return p, nil
		}
		delete(h.procs, ref.key())
		go p.kill()
	}
	p, err := h.start(ref)
	if err != nil {
		return nil, err
	}
	h.procs[ref.key()] = p
	return p, nil
}

// drop forgets p and kills it.
func (h *Host) drop(p *proc) {
	h.mu.Lock()
	if h.procs[p.ref.key()] == p {
		delete(h.procs, p.ref.key())
	}
	h.mu.Unlock()
	p.kill()
}

// start launches the plugin ref names: a built-in as this binary's
// plugin-serve command, a third-party one only when the allow-list pins
// exactly the binary on disk.
func (h *Host) start(ref Ref) (*proc, error) {
	var cmd *exec.Cmd
	var secure *plugin.SecureConfig
	if ref.Builtin {
		if ref.Kind == KindRecorder && !IsBuiltinRecorder(ref.Name) {
			return nil, fmt.Errorf("no built-in recorder %q", ref.Name)
		}
		if ref.Kind != KindRecorder && !slices.Contains(BuiltinNames(), ref.Name) {
			return nil, fmt.Errorf("no built-in transform %q", ref.Name)
		}
		c, err := h.opt.BuiltinCommand(ref.Name)
		if err != nil {
			return nil, fmt.Errorf("built-in %s: %w", ref.Name, err)
		}
		cmd = c
	} else {
		e, err := h.pinned(ref.Name)
		if err != nil {
			return nil, err
		}
		sum, _ := hex.DecodeString(e.SHA256)
		// go-plugin checks the checksum again right before it starts the binary.
		secure = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
		cmd = exec.Command(e.Path)
	}
	return h.launch(ref, cmd, secure)
}

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

func (h *Host) launch(ref Ref, cmd *exec.Cmd, secure *plugin.SecureConfig) (*proc, error) {
	// No host environment: only what go-plugin adds, and the socket directory.
	cmd.Env = []string{plugin.EnvUnixSocketDir + "=" + h.sockDir}
	cmd.SysProcAttr = sysProcAttr()
	out := &tail{}
	logOut := io.MultiWriter(out, h.opt.Log)
	set := clientSet()
	set[string(KindAnonymizer)] = &AnonymizerPlugin{MaxMessageBytes: h.opt.MaxMessageBytes}
	set[string(KindRecorder)] = &RecorderPlugin{MaxMessageBytes: h.opt.MaxMessageBytes, MaxInputBytes: h.opt.MaxRecorderInput, MaxOutputBytes: h.opt.MaxRecorderOutput}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          set,
		Cmd:              cmd,
		SecureConfig:     secure,
		SkipHostEnv:      true,
		Managed:          true, // plugin.CleanupClients kills it too
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     h.opt.StartTimeout,
		Stderr:           out,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "plugin", Output: logOut, Level: hclog.Info,
		}),
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(h.opt.MaxMessageBytes), grpc.MaxCallSendMsgSize(h.opt.MaxMessageBytes)),
			grpc.WithInitialWindowSize(windowBytes),
			grpc.WithInitialConnWindowSize(windowBytes),
			grpc.WithWriteBufferSize(bufferBytes),
			grpc.WithReadBufferSize(bufferBytes),
		},
	})
	p := &proc{ref: ref, client: client, out: out}
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			return nil, fmt.Errorf("plugin %s: %w: the binary changed as it was being started", ref, ErrChanged)
		}
		return nil, fmt.Errorf("plugin %s: cannot start %s: %v%s", ref, cmd.Path, err, out.suffix())
	}
	if rc := client.ReattachConfig(); rc != nil {
		p.pid = rc.Pid
	}
	raw, err := rpc.Dispense(string(ref.Kind))
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugin %s: no %s service: %v", ref, ref.Kind, err)
	}
	p.raw = raw
	return p, nil
}

// kill stops the process at once (a hung plugin would not exit gracefully)
// and lets go-plugin clean up.
func (p *proc) kill() {
	if p.pid > 0 && !p.client.Exited() {
		if pr, err := os.FindProcess(p.pid); err == nil {
			_ = pr.Kill()
		}
	}
	p.client.Kill()
}

func (p *proc) waitExited(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if p.client.Exited() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tail keeps the last bytes a plugin wrote to stderr and go-plugin logged
// about it, to say why it died.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 16 << 10

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailBytes {
		t.buf = append(t.buf[:0:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

var (
	panicLine  = regexp.MustCompile(`(?m)^panic: (.*)$`)
	exitStatus = regexp.MustCompile(`(exit status \d+|signal: [a-z ]+)`)
)

// cause says how the plugin died, from its stderr and go-plugin's log.
func (t *tail) cause() string {
	s := t.String()
	if m := panicLine.FindStringSubmatch(s); m != nil {
		return "crashed (panic: " + strings.TrimSpace(m[1]) + ")"
	}
	if m := exitStatus.FindString(s); m != "" {
		return "exited (" + m + ")"
	}
	return "exited"
}

// suffix returns the plugin's last stderr line, to append to an error.
func (t *tail) suffix() string {
	lines := strings.Split(strings.TrimSpace(t.String()), "\n")
	if len(lines) == 0 || lines[len(lines)-1] == "" {
		return ""
	}
	return " (plugin said: " + lines[len(lines)-1] + ")"
}

// ---- anonymizers through the host ----

// BuiltinNames returns the names of the built-in transforms, sorted.
func BuiltinNames() []string { return anonymize.NewTransforms().Names() }

// IsBuiltin reports whether name is a built-in transform.
func IsBuiltin(name string) bool { return slices.Contains(BuiltinNames(), name) }

// Anonymizer returns the trusted third-party anonymizer called name. The
// plugin starts on first use, after its hash is checked.
func (h *Host) Anonymizer(name string) Anonymizer {
	return &hostedAnonymizer{h: h, ref: Ref{Name: name, Kind: KindAnonymizer}}
}

// Isolated returns the built-in transform name running in a process of its
// own (this binary re-executed).
func (h *Host) Isolated(name string) Anonymizer {
	return &hostedAnonymizer{h: h, ref: Ref{Name: name, Builtin: true, Kind: KindAnonymizer}}
}

type hostedAnonymizer struct {
	h   *Host
	ref Ref
}

func (a *hostedAnonymizer) Describe(ctx context.Context) (anonymize.Descriptor, error) {
	var d anonymize.Descriptor
	err := a.h.Call(ctx, a.ref, func(ctx context.Context, s any) error {
		an, err := asAnonymizer(s)
		if err != nil {
			return err
		}
		d, err = an.Describe(ctx)
		return err
	})
	return d, err
}

func asAnonymizer(s any) (Anonymizer, error) {
	an, ok := s.(Anonymizer)
	if !ok {
		return nil, fmt.Errorf("the service is %T, not an anonymizer", s)
	}
	return an, nil
}

func (a *hostedAnonymizer) New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
	var t anonymize.Transform
	err := a.h.Call(ctx, a.ref, func(ctx context.Context, s any) error {
		an, err := asAnonymizer(s)
		if err != nil {
			return err
		}
		t, err = an.New(ctx, p, env)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &hostedTransform{a: a, desc: t.Describe(), params: p, env: env}, nil
}

// hostedTransform is a configured plugin transform that survives restarts
// of its plugin: each Apply configures it on the running process.
type hostedTransform struct {
	a      *hostedAnonymizer
	desc   anonymize.Descriptor
	params anonymize.Params
	env    anonymize.Env
}

func (t *hostedTransform) Describe() anonymize.Descriptor { return t.desc }

func (t *hostedTransform) Apply(ctx context.Context, in *anonymize.Table) (*anonymize.Table, error) {
	out, _, err := t.Anonymize(ctx, in)
	return out, err
}

// Anonymize implements anonymize.Searcher: a privacy step running in a
// plugin reports its search as it would in process.
func (t *hostedTransform) Anonymize(ctx context.Context, in *anonymize.Table) (*anonymize.Table, *anonymize.SearchResult, error) {
	var out *anonymize.Table
	var search *anonymize.SearchResult
	err := t.a.h.Call(ctx, t.a.ref, func(ctx context.Context, s any) error {
		an, err := asAnonymizer(s)
		if err != nil {
			return err
		}
		tr, err := an.New(ctx, t.params, t.env)
		if err != nil {
			return err
		}
		if sr, ok := tr.(anonymize.Searcher); ok {
			out, search, err = sr.Anonymize(ctx, in)
		} else {
			out, err = tr.Apply(ctx, in)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, search, nil
}

// Transforms returns the transforms pipelines run through this host may
// name (Env.Transforms): the built-ins and the anonymizers registered with
// RegisterAnonymizers. Other hosts do not see them.
func (h *Host) Transforms() *anonymize.Transforms { return h.transforms }

// RegisterAnonymizers registers every trusted third-party anonymizer in
// the host's Transforms under its name, so pipeline configs can use it;
// the plugins start on first use. Names of built-ins are not overridden.
func (h *Host) RegisterAnonymizers() ([]string, error) {
	if h.trust.Path == "" {
		return nil, nil
	}
	list, err := h.trust.Load()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range list {
		if IsBuiltin(e.Name) || (len(e.Kinds) > 0 && !slices.Contains(e.Kinds, KindAnonymizer)) {
			continue
		}
		a := h.Anonymizer(e.Name)
		h.transforms.Register(e.Name, func(p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
			// Third-party plugins get no publisher secret.
			return a.New(context.Background(), p, anonymize.Env{})
		})
		names = append(names, e.Name)
	}
	return names, nil
}

// Isolate replaces the built-in steps of pl (built from cfg) with the same
// transforms running isolated, each in a process of its own, configured
// with the step's parameters from cfg. Third-party steps already run in
// their plugins.
func (h *Host) Isolate(ctx context.Context, cfg *anonymize.Config, pl *anonymize.Pipeline, env anonymize.Env) error {
	steps := cfg.Transforms
	if len(steps) == 0 && cfg.Preset != "" {
		p, err := anonymize.Preset(cfg.Preset)
		if err != nil {
			return err
		}
		steps = p.Transforms
	}
	j := 0
	for i, s := range pl.Steps {
		for j < len(steps) && steps[j].Name != s.Name {
			j++
		}
		if j == len(steps) {
			return fmt.Errorf("isolate: step %d (%s) is not in the config", i+1, s.Name)
		}
		if IsBuiltin(s.Name) {
			params := steps[j].Params
			if s.Params != nil {
				params = s.Params // as built: with what the environment filled in
			}
			t, err := h.Isolated(s.Name).New(ctx, params, anonymize.Env{Secret: env.Secret})
			if err != nil {
				return fmt.Errorf("step %d (%s): %w", i+1, s.Name, err)
			}
			pl.Steps[i].Transform = t
		}
		j++
	}
	return nil
}

// ---- discovery and the allow-list ----

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
	for _, n := range BuiltinNames() {
		d, _ := Builtin(n).Describe(ctx)
		out = append(out, Info{Name: n, Kinds: []Kind{KindAnonymizer}, State: StateBuiltin, Version: d.Version, Scope: string(d.Scope), Summary: d.Summary})
	}
	for _, n := range BuiltinRecorderNames() {
		i := Info{Name: n, Kinds: []Kind{KindRecorder}, State: StateBuiltin}
		if r, err := BuiltinRecorder(n); err == nil {
			if d, err := r.Describe(ctx); err == nil {
				i.Version, i.Summary, i.Formats = d.Version, d.Summary, d.Formats
			}
		}
		out = append(out, i)
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
	d, aerr := p.raw.(Anonymizer).Describe(cctx)
	if aerr == nil {
		kinds, dname, version, summary = append(kinds, KindAnonymizer), d.Name, d.Version, d.Summary
	}
	var rerr error
	if rpc, err := p.client.Client(); err != nil {
		rerr = err
	} else if rs, err := rpc.Dispense(string(KindRecorder)); err != nil {
		rerr = err
	} else if rd, err := rs.(Recorder).Describe(cctx); err != nil {
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
	if IsBuiltin(name) || IsBuiltinRecorder(name) {
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
