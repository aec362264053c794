// Package handshake is the part of the plugin protocol that the host and
// every plugin share, whatever its kind: the go-plugin handshake, the kinds
// of service a plugin may serve, the message and flow-control limits, the
// gRPC options both sides set, and Serve, which a plugin's main calls.
//
// It sits below the kind packages (plugins/anonymizer, plugins/recorder)
// and the host (plugins), so that none of them imports another to agree on
// these: the arrows are host -> kinds -> handshake, and plugin -> sdk ->
// kinds -> handshake. It imports nothing of ours and never must.
package handshake

import (
	"context"
	"errors"
	"math"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Kind names a service a plugin provides; it is the name go-plugin
// dispenses it under.
type Kind string

const (
	// KindAnonymizer plugins provide an anonymization transform
	// (plugins/anonymizer).
	KindAnonymizer Kind = "anonymizer"
	// KindRecorder plugins turn trial data into log steps
	// (plugins/recorder).
	KindRecorder Kind = "recorder"
)

// Config returns the handshake shared by the host and every plugin. Bump
// ProtocolVersion when a change of plugins/proto breaks compatibility.
func Config() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  1,
		MagicCookieKey:   "MEDMARKET_PLUGIN",
		MagicCookieValue: "c3c1b6a0-medmarket-plugin-v1",
	}
}

// DefaultMaxMessageBytes bounds every gRPC message between the host and a
// plugin, in both directions. Batches are sized well below it; a plugin
// that answers with a larger message fails the call instead of making the
// host allocate without limit.
const DefaultMaxMessageBytes = 64 << 20

// Flow-control window and socket buffers: batches are megabytes, so the
// default 64 KiB window would stall the stream on every batch.
const (
	windowBytes = 16 << 20
	bufferBytes = 1 << 20
)

// DialOptions are the host's gRPC options toward a plugin: receive and
// send limits of maxMessage bytes, and windows sized for batches.
func DialOptions(maxMessage int) []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)),
		grpc.WithInitialWindowSize(windowBytes),
		grpc.WithInitialConnWindowSize(windowBytes),
		grpc.WithWriteBufferSize(bufferBytes),
		grpc.WithReadBufferSize(bufferBytes),
	}
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
		HandshakeConfig: Config(),
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

// ToStatus turns a plugin-side error that no kind gave a meaning of its
// own into a gRPC status: a status stays as it is, a cancelled or expired
// context keeps that meaning, anything else is Internal. Each kind maps its
// invalid-input errors to InvalidArgument before falling back on it.
func ToStatus(err error) error {
	if _, ok := status.FromError(err); ok && status.Code(err) != codes.Unknown {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}
