package plugins

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/medmarket/medmarket/plugins/anonymizer"
	"github.com/medmarket/medmarket/plugins/handshake"
	"github.com/medmarket/medmarket/plugins/recorder"
)

// proc is one running plugin process.
type proc struct {
	ref    Ref
	client *plugin.Client
	raw    any
	out    *tail // the plugin's stderr and go-plugin's log about it
	pid    int
}

// plugin-serve command, a third-party one only when the allow-list pins
// exactly the binary on disk.
func (h *Host) start(ref Ref) (*proc, error) {
	var cmd *exec.Cmd
	var secure *plugin.SecureConfig
	if ref.Builtin {
		if ref.Kind == KindRecorder && !h.isBuiltinRecorder(ref.Name) {
			return nil, fmt.Errorf("no built-in recorder %q", ref.Name)
		}
		if ref.Kind != KindRecorder && !anonymizer.IsBuiltin(ref.Name) {
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

// launch starts cmd as the plugin ref names and dispenses its service.
func (h *Host) launch(ref Ref, cmd *exec.Cmd, secure *plugin.SecureConfig) (*proc, error) {
	// No host environment: only what go-plugin adds, and the socket directory.
	cmd.Env = []string{plugin.EnvUnixSocketDir + "=" + h.sockDir}
	cmd.SysProcAttr = sysProcAttr()
	out := &tail{}
	logOut := io.MultiWriter(out, h.opt.Log)
	set := plugin.PluginSet{
		string(KindAnonymizer): &anonymizer.Plugin{MaxMessageBytes: h.opt.MaxMessageBytes, Stream: h.opt.Stream},
		string(KindRecorder): &recorder.Plugin{MaxMessageBytes: h.opt.MaxMessageBytes,
			MaxInputBytes: h.opt.MaxRecorderInput, MaxOutputBytes: h.opt.MaxRecorderOutput},
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake.Config(),
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
		GRPCDialOptions: handshake.DialOptions(h.opt.MaxMessageBytes),
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
