package anonymizer

import (
	"context"
	"encoding/json"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/medmarket/medmarket/anonymize"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// GRPCServer serves an Anonymizer over gRPC: the plugin's side, which
// serves any anonymize.Transform.
type GRPCServer struct {
	pb.UnimplementedAnonymizerServer
	Impl Anonymizer
}

// Describe implements the Describe RPC.
func (s *GRPCServer) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.Descriptor, error) {
	d, err := s.Impl.Describe(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return descriptorTo(d), nil
}

// Configure implements the Configure RPC.
func (s *GRPCServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.Descriptor, error) {
	t, err := s.configure(ctx, req.ParamsJson, req.Secret)
	if err != nil {
		return nil, toStatus(err)
	}
	return descriptorTo(t.Describe()), nil
}

func (s *GRPCServer) configure(ctx context.Context, params, secret []byte) (anonymize.Transform, error) {
	var p anonymize.Params
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, invalidErr{msg: fmt.Sprintf("parameters: %v", err)}
		}
	}
	return s.Impl.New(ctx, p, anonymize.Env{Secret: secret})
}

// Transform implements the Transform RPC: row-scoped transforms answer
// batch by batch as they arrive; table-scoped ones see the whole table.
func (s *GRPCServer) Transform(stream grpc.BidiStreamingServer[pb.TransformRequest, pb.TransformResponse]) error {
	c, err := s.accept(stream)
	if err != nil {
		return err
	}
	m, err := stream.Recv()
	// A host that plans sends Plan first; one that does not (older hosts)
	// sends batches of every column, which the transform gets as it is.
	if pm := m.GetPlan(); err == nil && pm != nil {
		if err := c.plan(pm); err != nil {
			return err
		}
		m, err = stream.Recv()
	}
	for ; ; m, err = stream.Recv() {
		if err != nil {
			return err
		}
		if m.GetEnd() != nil {
			break
		}
		if err := c.onBatch(m); err != nil {
			return err
		}
	}
	if c.desc.Scope != anonymize.ScopeRow {
		if err := c.transformTable(); err != nil {
			return err
		}
	}
	return stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Done{Done: &pb.Done{Table: c.name, Suppressed: c.suppressed, Search: c.search,
		Replaced: scrubCountsTo(c.replaced)}}})
}

// serverCall is one Transform call on the plugin's side.
type serverCall struct {
	ctx    context.Context
	stream grpc.BidiStreamingServer[pb.TransformRequest, pb.TransformResponse]
	start  *pb.Start
	t      anonymize.Transform // after a plan: the transform of the columns sent
	desc   anonymize.Descriptor
	plans  bool // the call was accepted with an offer to plan
	// planned is set once the host sent a plan: batches then hold only the
	// columns the plan transforms.
	planned bool

	inHier *hierarchyMap // hierarchies the host sent
	outIDs *hierarchyIDs // ids of hierarchies the plugin defines

	batches    []*anonymize.Table // a table-scoped transform's input
	name       string
	suppressed int64
	search     *pb.Search // what a searching table-scoped transform decided
	// replaced adds up what a counting scrubber replaced, by column.
	replaced map[string]anonymize.ScrubCounts
}

// counted adds a scrubber's counts for one batch or table.
func (c *serverCall) counted(byColumn map[string]anonymize.ScrubCounts) {
	for col, n := range byColumn {
		if c.replaced == nil {
			c.replaced = map[string]anonymize.ScrubCounts{}
		}
		if c.replaced[col] == nil {
			c.replaced[col] = anonymize.ScrubCounts{}
		}
		c.replaced[col].Add(n)
	}
}

// accept reads Start, configures the transform and answers Accepted,
// offering to plan when the transform is a row-scoped ColumnPlanner.
func (s *GRPCServer) accept(stream grpc.BidiStreamingServer[pb.TransformRequest, pb.TransformResponse]) (*serverCall, error) {
	ctx := stream.Context()
	m, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	start := m.GetStart()
	if start == nil {
		return nil, status.Errorf(codes.InvalidArgument, "protocol: the first message must be Start, got %T", m.Msg)
	}
	t, err := s.configure(ctx, start.ParamsJson, start.Secret)
	if err != nil {
		return nil, toStatus(err)
	}
	desc := t.Describe()
	accepted := descriptorTo(desc)
	if _, ok := t.(anonymize.ColumnPlanner); ok && desc.Scope == anonymize.ScopeRow {
		accepted.Plans, accepted.PlanSampleValues = true, anonymize.SampleValues
	}
	if err := stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Accepted{Accepted: accepted}}); err != nil {
		return nil, err
	}
	return &serverCall{ctx: ctx, stream: stream, start: start, t: t, desc: desc, plans: accepted.Plans,
		inHier: newHierarchyMap(), outIDs: newHierarchyIDs(1<<30, nil),
		name: start.Table, suppressed: start.Suppressed}, nil
}

// plan answers the host's Plan with the transform's action per column;
// the transform of the columns left handles the batches that follow.
func (c *serverCall) plan(pm *pb.Plan) error {
	if !c.plans {
		return status.Errorf(codes.InvalidArgument, "protocol: Plan sent to a transform that does not plan")
	}
	samples, err := decodeSamples(pm)
	if err != nil {
		return toStatus(err)
	}
	acts, rest, err := c.t.(anonymize.ColumnPlanner).PlanColumns(samples)
	if err != nil {
		return toStatus(err)
	}
	if c.desc.Scrubber && len(acts) == len(samples) {
		// A free-text column mapped value by value would be scrubbed once
		// per distinct note: sent row by row, its counts are per row, as
		// in process.
		for i, a := range acts {
			if free, _ := anonymize.FreeTextSample(samples[i]); free && a == anonymize.ActMap {
				acts[i] = anonymize.ActTransform
			}
		}
	}
	if len(acts) != len(samples) {
		return status.Errorf(codes.Internal, "plan: %d actions for %d columns (transform %s)", len(acts), len(samples), c.desc.Name)
	}
	out := &pb.Planned{Actions: make([]pb.ColumnAction, len(acts))}
	for i, a := range acts {
		out.Actions[i] = pb.ColumnAction(a)
	}
	if err := c.stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Planned{Planned: out}}); err != nil {
		return err
	}
	c.t, c.planned = rest, true
	return nil
}

// onBatch decodes one batch of the input: a row-scoped transform answers
// it at once, a table-scoped one keeps it for the whole table.
func (c *serverCall) onBatch(m *pb.TransformRequest) error {
	bm := m.GetBatch()
	if bm == nil {
		return status.Errorf(codes.InvalidArgument, "protocol: unexpected %T", m.Msg)
	}
	b, err := decodeBatch(c.start.Table, bm, c.inHier)
	if err != nil {
		return toStatus(err)
	}
	c.remember()
	if c.desc.Scope != anonymize.ScopeRow {
		c.batches = append(c.batches, b)
		return nil
	}
	out, counts, err := anonymize.ApplyCounted(c.ctx, c.t, b)
	if err != nil {
		return toStatus(err)
	}
	c.counted(counts)
	if out.NumRows() != b.NumRows() && len(out.Columns) > 0 {
		return status.Errorf(codes.Internal, "wrong number of rows: the plugin returned %d rows for a batch of %d (row-scoped transform %s)", out.NumRows(), b.NumRows(), c.desc.Name)
	}
	if c.planned && len(out.Columns) != len(b.Columns) {
		return status.Errorf(codes.Internal, "plan: %d columns out for %d planned columns in (transform %s)", len(out.Columns), len(b.Columns), c.desc.Name)
	}
	c.name = out.Name
	return c.stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Batch{Batch: encodeAnswer(out, b, c.outIDs)}})
}

// remember lets hierarchies the host sent come back by their own id.
func (c *serverCall) remember() {
	c.inHier.mu.Lock()
	defer c.inHier.mu.Unlock()
	for id, h := range c.inHier.m {
		if _, ok := c.outIDs.ids[h]; !ok {
			c.outIDs.ids[h] = id
		}
	}
}

// transformTable runs a table-scoped transform on the whole table
// received and sends its answer in batches under the host's limit.
func (c *serverCall) transformTable() error {
	in, err := concat(c.batches, c.start.Table)
	if err != nil {
		return toStatus(err)
	}
	in.Name, in.Suppressed = c.start.Table, int(c.start.Suppressed)
	var out *anonymize.Table
	if sr, ok := c.t.(anonymize.Searcher); ok {
		var res *anonymize.SearchResult
		out, res, err = sr.Anonymize(c.ctx, in)
		c.search = searchTo(res)
	} else {
		var counts map[string]anonymize.ScrubCounts
		out, counts, err = anonymize.ApplyCounted(c.ctx, c.t, in)
		c.counted(counts)
	}
	if err != nil {
		return toStatus(err)
	}
	c.name, c.suppressed = out.Name, int64(out.Suppressed)
	target := batchTargetBytes
	if m := int(c.start.MaxMessageBytes); m > 0 {
		target = min(target, m/2)
	}
	per := max(target/bytesPerRow(out), 1)
	for lo := 0; lo < out.NumRows(); lo += per {
		if err := c.sendTable(out.Slice(lo, min(lo+per, out.NumRows()))); err != nil {
			return err
		}
	}
	if out.NumRows() == 0 {
		return c.sendTable(out)
	}
	return nil
}

func (c *serverCall) sendTable(out *anonymize.Table) error {
	b := encodeBatch(out.Compact(), c.outIDs)
	return c.stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Batch{Batch: b}})
}
