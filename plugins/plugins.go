// Package plugins runs medmarket's plugins: anonymizers and trial
// recorders, as hashicorp/go-plugin gRPC plugins.
//
// The protocol lives in plugins/proto (anonymizer.proto, recorder.proto and their generated
// code; regenerate or check it with plugins/gen.sh). A plugin serves one or
// more services, each of a [Kind] ("anonymizer", "recorder"); the host
// ([Host]) asks for a service by kind and gets the Go interface back, so a
// new kind of plugin needs only its interface, its adapters and a call to
// [RegisterService].
//
// Anonymizers ([Anonymizer], in anonymizer.go) turn into anonymize.Transform
// values on the host's side, and any anonymize.Transform or registered
// factory can be served as a plugin ([Serve], [ServeBuiltin], and
// plugins/sdk for third parties). Tables travel column-wise in batches.
// A row-scoped transform that implements anonymize.ColumnPlanner (Safe
// Harbor does) is asked first, from each column's metadata and the sample
// of values its decisions read, what it does per column: the host drops
// and passes through columns itself, sends of a column mapped value by
// value only its dictionary (and applies the answer to its codes), and
// streams only the columns left. Plugins that do not plan get every column.
//
// Recorders ([Recorder], in recorder.go) turn a source document, streamed
// in chunks, into trial steps (trials.StepInput) or per-row errors; the
// built-in form, csv and odm recorders can be served the same way, and
// plugins/sdk serves a third party's trials.Recorder.
//
// Built-in transforms and recorders run in process or isolated: the medmarket binary
// re-executes itself as "medmarket plugin-serve NAME". Third-party plugins
// always run isolated, pinned by SHA-256 in an allow-list the user manages
// ([TrustStore]), with no host environment, in a private socket directory,
// killed with the host, under per-call deadlines.
package plugins

import (
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Kind names a service a plugin provides; it is the name go-plugin
// dispenses it under.
type Kind string

const (
	// KindAnonymizer plugins provide an anonymization transform (Anonymizer).
	KindAnonymizer Kind = "anonymizer"
	// KindRecorder plugins turn trial data into log steps (Recorder).
	KindRecorder Kind = "recorder"
)

// Handshake is shared by the host and every plugin. Bump ProtocolVersion
// when a change of plugins/proto breaks compatibility.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MEDMARKET_PLUGIN",
	MagicCookieValue: "c3c1b6a0-medmarket-plugin-v1",
}

// DefaultMaxMessageBytes bounds every gRPC message between the host and a
// plugin, in both directions. Batches are sized well below it
// (batchTargetBytes); a plugin that answers with a larger message fails
// the call instead of making the host allocate without limit.
const DefaultMaxMessageBytes = 64 << 20

var (
	servicesMu sync.RWMutex
	services   = map[Kind]plugin.Plugin{KindAnonymizer: &AnonymizerPlugin{}, KindRecorder: &RecorderPlugin{}}
)

// RegisterService makes a kind of plugin known to the host: p's GRPCClient
// adapts a dispensed plugin to the kind's Go interface. Call it from an
// init function.
func RegisterService(kind Kind, p plugin.Plugin) {
	servicesMu.Lock()
	defer servicesMu.Unlock()
	services[kind] = p
}

// Kinds returns the registered service kinds, sorted.
func Kinds() []Kind {
	servicesMu.RLock()
	defer servicesMu.RUnlock()
	out := make([]Kind, 0, len(services))
	for k := range services {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// clientSet is the plugin set a host dispenses from: every known kind.
func clientSet() plugin.PluginSet {
	servicesMu.RLock()
	defer servicesMu.RUnlock()
	set := make(plugin.PluginSet, len(services))
	for k, p := range services {
		set[string(k)] = p
	}
	return set
}

// Serve serves the given services and never returns; a plugin's main calls
// it (through plugins/sdk). It refuses to run when not started by a host
// (the handshake cookie is missing).
func Serve(set map[Kind]plugin.Plugin) {
	ps := make(plugin.PluginSet, len(set))
	for k, p := range set {
		ps[string(k)] = p
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         ps,
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts,
				grpc.MaxRecvMsgSize(DefaultMaxMessageBytes),
				// The host enforces its own receive limit; a plugin should
				// never fail on sending what the host may refuse.
				grpc.MaxSendMsgSize(math.MaxInt32),
				grpc.InitialWindowSize(windowBytes),
				grpc.InitialConnWindowSize(windowBytes),
				grpc.WriteBufferSize(bufferBytes),
				grpc.ReadBufferSize(bufferBytes),
			)
			return grpc.NewServer(opts...)
		},
	})
}

// Flow-control window and socket buffers: batches are megabytes, so the
// default 64 KiB window would stall the stream on every batch.
const (
	windowBytes = 16 << 20
	bufferBytes = 1 << 20
)

// ServeBuiltin serves the built-in transform of package anonymize called
// name, and the built-in trial recorder of that name (form, csv,
// odm); "medmarket plugin-serve NAME" calls it.
func ServeBuiltin(name string) error {
	set := map[Kind]plugin.Plugin{}
	if IsBuiltin(name) {
		set[KindAnonymizer] = &AnonymizerPlugin{Impl: Builtin(name)}
	}
	if IsBuiltinRecorder(name) {
		r, err := BuiltinRecorder(name)
		if err != nil {
			return err
		}
		set[KindRecorder] = &RecorderPlugin{Impl: r}
	}
	if len(set) == 0 {
		return fmt.Errorf("no built-in transform or recorder %q", name)
	}
	Serve(set)
	return nil
}
