// Package anonymizer is the anonymizer kind of plugin: the Go interface
// the host uses ([Anonymizer]), its go-plugin [Plugin], and the gRPC client
// ([GRPCClient], which turns a plugin into an anonymize.Transform) and
// server ([GRPCServer], which serves any anonymize.Transform) side by side,
// with the in-process forms ([Builtin], [Static]) and the wire form of
// tables (column-wise batches, batch.go).
//
// Tables travel column-wise in batches. A row-scoped transform that
// implements anonymize.ColumnPlanner (Safe Harbor does) is asked first,
// from each column's metadata and the sample of values its decisions read,
// what it does per column: the host drops and passes through columns
// itself, sends of a column mapped value by value only its dictionary (and
// applies the answer to its codes), and streams only the columns left.
// Plugins that do not plan get every column.
//
// It imports anonymize, plugins/handshake and plugins/proto, and never any
// marketplace package, the host (plugins) or another kind: an anonymizer
// plugin links only the engine and the plugin libraries.
package anonymizer

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/medmarket/medmarket/anonymize"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// Anonymizer is the service an anonymizer plugin provides: a factory of
// anonymize.Transform values, like anonymize.Factory, reachable across a
// process boundary.
type Anonymizer interface {
	// Describe says what the plugin is before any parameters (name,
	// version, default scope, parameter schema), for listings.
	Describe(ctx context.Context) (anonymize.Descriptor, error)
	// New configures the transform with p and env.Secret (env.Open does not
	// cross process boundaries: hierarchies travel with the columns).
	// Errors about the parameters wrap anonymize.ErrInvalid.
	New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error)
}

// Plugin is the go-plugin Plugin of the anonymizer service. Impl is set on
// the plugin's side only; the other fields on the host's side.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Anonymizer
	// MaxMessageBytes bounds messages on the host's side (0: the default).
	MaxMessageBytes int
	// Stream tunes how the host streams tables (zero: as designed).
	Stream StreamOptions
}

// StreamOptions tune how the host streams a table to a plugin. The zero
// value is what medmarket runs with; the others exist to measure and test
// the protocol against its baselines.
type StreamOptions struct {
	// BatchRows, when positive, fixes the rows per batch; 1 makes the
	// stream one message per row, the baseline the column-wise batches beat.
	BatchRows int
	// NoPlan ignores plugins' offers to plan, as a host older than
	// planning does.
	NoPlan bool
	// OnSend, when set, sees the column names, rows and encoded size of
	// every batch the host sends. It must be safe for concurrent use.
	OnSend func(columns []string, rows, bytes int)
}

// GRPCServer registers the plugin's implementation (plugin side).
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterAnonymizerServer(s, &GRPCServer{Impl: p.Impl})
	return nil
}

// GRPCClient returns the host's side of the service.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &GRPCClient{client: pb.NewAnonymizerClient(c), maxMessage: p.MaxMessageBytes, stream: p.Stream}, nil
}
