package recorder

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/medmarket/medmarket/plugins/handshake"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// Plugin is the go-plugin Plugin of the recorder service. Impl is set on
// the plugin's side only; the limits on the host's side (0: the defaults).
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Recorder
	// MaxMessageBytes bounds each message; MaxInputBytes the document
	// sent; MaxOutputBytes the steps received in all.
	MaxMessageBytes int
	MaxInputBytes   int64
	MaxOutputBytes  int64
}

// GRPCServer registers the plugin's implementation (plugin side).
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterRecorderServer(s, &GRPCServer{Impl: p.Impl})
	return nil
}

// GRPCClient returns the host's side of the service.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	rc := &GRPCClient{client: pb.NewRecorderClient(c), maxMessage: p.MaxMessageBytes, maxInput: p.MaxInputBytes, maxOutput: p.MaxOutputBytes}
	if rc.maxMessage <= 0 {
		rc.maxMessage = handshake.DefaultMaxMessageBytes
	}
	if rc.maxInput <= 0 {
		rc.maxInput = DefaultMaxInput
	}
	if rc.maxOutput <= 0 {
		rc.maxOutput = DefaultMaxOutput
	}
	return rc, nil
}
