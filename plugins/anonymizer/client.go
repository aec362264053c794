package anonymizer

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/medmarket/medmarket/anonymize"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// GRPCClient is an Anonymizer served by another process: the host's side,
// which turns a plugin into anonymize.Transform values.
type GRPCClient struct {
	client     pb.AnonymizerClient
	maxMessage int
	stream     StreamOptions
}

// Describe implements Anonymizer.
func (c *GRPCClient) Describe(ctx context.Context) (anonymize.Descriptor, error) {
	d, err := c.client.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return anonymize.Descriptor{}, fromStatus(err)
	}
	return descriptorFrom(d)
}

// New implements Anonymizer: the plugin checks the parameters now, so a bad
// pipeline config fails before any data moves.
func (c *GRPCClient) New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
	params, err := json.Marshal(p)
	if err != nil {
		return nil, invalidErr{msg: fmt.Sprintf("parameters: %v", err)}
	}
	d, err := c.client.Configure(ctx, &pb.ConfigureRequest{ParamsJson: params, Secret: env.Secret})
	if err != nil {
		return nil, fromStatus(err)
	}
	desc, err := descriptorFrom(d)
	if err != nil {
		return nil, err
	}
	return &remoteTransform{c: c, desc: desc, params: params, secret: env.Secret}, nil
}

// remoteTransform is a configured transform running in a plugin.
type remoteTransform struct {
	c      *GRPCClient
	desc   anonymize.Descriptor
	params []byte
	secret []byte
}

func (r *remoteTransform) Describe() anonymize.Descriptor { return r.desc }

// Apply implements anonymize.Transform.
func (r *remoteTransform) Apply(ctx context.Context, t *anonymize.Table) (*anonymize.Table, error) {
	out, _, err := r.transform(ctx, t)
	return out, err
}

// Anonymize implements anonymize.Searcher: the search comes back from the
// plugin with its answer (nil when the transform does not search).
func (r *remoteTransform) Anonymize(ctx context.Context, t *anonymize.Table) (*anonymize.Table, *anonymize.SearchResult, error) {
	out, done, err := r.transform(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	return out, searchFrom(done.Search), nil
}

// ApplyCounted is Apply that also returns what the plugin's scrubber
// replaced in each column, by PHI type (anonymize.ApplyCounted across the
// process boundary): nil when the transform does not count. A host wraps
// it so that a pipeline's report counts an isolated scrubber's
// replacements as it counts the in-process one's.
func (r *remoteTransform) ApplyCounted(ctx context.Context, t *anonymize.Table) (*anonymize.Table, map[string]anonymize.ScrubCounts, error) {
	out, done, err := r.transform(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	return out, scrubCountsFrom(done.Replaced), nil
}
