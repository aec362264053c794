package plugins

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

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

// AnonymizerPlugin is the go-plugin Plugin of the anonymizer service. Impl
// is set on the plugin's side only.
type AnonymizerPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Anonymizer
	// MaxMessageBytes bounds messages on the host's side (0: the default).
	MaxMessageBytes int
}

// GRPCServer registers the plugin's implementation (plugin side).
func (p *AnonymizerPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterAnonymizerServer(s, &AnonymizerGRPCServer{Impl: p.Impl})
	return nil
}

// GRPCClient returns the host's side of the service.
func (p *AnonymizerPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &AnonymizerGRPCClient{client: pb.NewAnonymizerClient(c), maxMessage: p.MaxMessageBytes}, nil
}

// ---- client side: a plugin becomes an anonymize.Transform ----

// AnonymizerGRPCClient is an Anonymizer served by another process.
type AnonymizerGRPCClient struct {
	client     pb.AnonymizerClient
	maxMessage int
}

// Describe implements Anonymizer.
func (c *AnonymizerGRPCClient) Describe(ctx context.Context) (anonymize.Descriptor, error) {
	d, err := c.client.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return anonymize.Descriptor{}, fromStatus(err)
	}
	return descriptorFrom(d)
}

// New implements Anonymizer: the plugin checks the parameters now, so a bad
// pipeline config fails before any data moves.
func (c *AnonymizerGRPCClient) New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
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
	c      *AnonymizerGRPCClient
	desc   anonymize.Descriptor
	params []byte
	secret []byte
}

func (r *remoteTransform) Describe() anonymize.Descriptor { return r.desc }

// batchTargetBytes is the size batches aim at: large enough that per-message
// costs vanish, small enough that both processes work at once (the host
// encodes batch n+1 while the plugin transforms batch n).
const batchTargetBytes = 16 << 20

// batchRows, when set (by tests), fixes the rows per batch; 1 makes the
// stream one message per row, the baseline the column-wise batches beat.
var batchRows int

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

// transform streams t to the plugin in column-wise batches and puts the
// answer together, returned with the plugin's Done. It checks everything
// the plugin returns (row counts, codes, offsets) and returns an error
// rather than a partial table.
func (r *remoteTransform) transform(ctx context.Context, t *anonymize.Table) (*anonymize.Table, *pb.Done, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	limit := r.c.maxMessage
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	stream, err := r.c.client.Transform(ctx, grpc.MaxCallRecvMsgSize(limit), grpc.MaxCallSendMsgSize(limit))
	if err != nil {
		return nil, nil, fromStatus(err)
	}
	n := t.NumRows()
	err = stream.Send(&pb.TransformRequest{Msg: &pb.TransformRequest_Start{Start: &pb.Start{
		ParamsJson: r.params, Secret: r.secret, Table: t.Name, Rows: int64(n), Suppressed: int64(t.Suppressed),
		MaxMessageBytes: int64(limit)}}})
	if err != nil {
		return nil, nil, recvErr(stream)
	}
	first, err := stream.Recv()
	if err != nil {
		return nil, nil, fromStatus(err)
	}
	acc := first.GetAccepted()
	if acc == nil {
		return nil, nil, fmt.Errorf("protocol: the plugin answered Start with %T, want Accepted", first.Msg)
	}
	desc, err := descriptorFrom(acc)
	if err != nil {
		return nil, nil, err
	}

	// A plugin that plans says per column what it will do: only the columns
	// it transforms travel, row by row; of a column it maps value by value
	// only the dictionary travels (one row per distinct value), and the host
	// applies the mapping to its codes; the host drops and passes through
	// the others itself. Without a plan (older plugins, table-scoped
	// transforms) every column is sent.
	in := t
	parts := []*anonymize.Table{t} // what is sent: in, then dictionaries
	mapCol := []int{-1}            // the input column of each dictionary sent
	var acts []pb.ColumnAction
	if acc.Plans && desc.Scope == anonymize.ScopeRow && !noPlan {
		acts, err = r.plan(stream, t, int(acc.PlanSampleValues))
		if err != nil {
			return nil, nil, err
		}
		var sub []*anonymize.Column
		parts = parts[:1]
		for i, a := range acts {
			switch a {
			case pb.ColumnAction_COLUMN_ACTION_TRANSFORM:
				sub = append(sub, t.Columns[i])
			case pb.ColumnAction_COLUMN_ACTION_MAP:
				parts = append(parts, dictTable(t.Name, t.Columns[i]))
				mapCol = append(mapCol, i)
			}
		}
		// Smaller dictionaries first: the host maps the codes of one column
		// while the plugin maps the next, larger dictionary.
		idx := make([]int, len(parts)-1)
		for k := range idx {
			idx[k] = k + 1
		}
		slices.SortStableFunc(idx, func(a, b int) int { return len(parts[a].Columns[0].Dict) - len(parts[b].Columns[0].Dict) })
		sp, sm := slices.Clone(parts), slices.Clone(mapCol)
		for k, x := range idx {
			parts[k+1], mapCol[k+1] = sp[x], sm[x]
		}
		in = t.WithColumns(sub)
		parts[0] = in
		if len(sub) == 0 {
			parts[0] = nil // no row batches at all
		}
	}
	planned := acts != nil

	// Send in the background; the batch sizes go to the receiver so it can
	// check a row-scoped transform's answers one by one.
	sizes := &sizeQueue{}
	hier := newHierarchyMap() // the answer may refer to hierarchies sent
	sendErr := make(chan error, 1)
	go func() { sendErr <- r.send(stream, parts, limit, sizes, hier) }()

	var outs []*anonymize.Table
	var refs [][]int
	got := 0
	var done *pb.Done
	// With a plan, each part is put together as soon as the plugin has
	// answered all of it (answers come in order), while the plugin works on
	// the next part.
	var (
		wg       sync.WaitGroup
		answer0  *anonymize.Table
		mapped   = make([]*anonymize.Column, len(t.Columns))
		partErrs = make([]error, len(parts))
		next     = 0
	)
	finish := func(upto int) {
		for ; next < upto && next < len(parts); next++ {
			p, part := next, parts[next]
			if part == nil {
				continue
			}
			var po []*anonymize.Table
			var pr [][]int
			ps := &sizeQueue{}
			for i := range outs {
				if w, _ := sizes.at(i); w.part == p {
					po, pr = append(po, outs[i]), append(pr, refs[i])
					ps.push(p, w.lo, w.hi)
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := assemble(part, po, pr, ps)
				if err != nil {
					partErrs[p] = fmt.Errorf("the plugin's batches do not fit together: %w", err)
					return
				}
				if len(a.Columns) != len(part.Columns) || (a.NumRows() != part.NumRows() && len(a.Columns) > 0) {
					partErrs[p] = fmt.Errorf("protocol: the plugin answered %d planned columns with %d columns", len(part.Columns), len(a.Columns))
					return
				}
				if p == 0 {
					answer0 = a
					return
				}
				ac := a.Columns[0]
				c := t.Columns[mapCol[p]].MapDict(ac.Values())
				c.Name, c.Type, c.Role, c.Level, c.Applied, c.Hierarchy = ac.Name, ac.Type, ac.Role, ac.Level, ac.Applied, ac.Hierarchy
				mapped[mapCol[p]] = c
			}()
		}
	}
	for done == nil {
		m, err := stream.Recv()
		if err == io.EOF {
			return nil, nil, errors.New("protocol: the plugin closed the stream without Done")
		}
		if err != nil {
			return nil, nil, fromStatus(err)
		}
		switch msg := m.Msg.(type) {
		case *pb.TransformResponse_Batch:
			b, ref, err := decodeAnswer(t.Name, msg.Batch, hier)
			if err != nil {
				return nil, nil, err
			}
			rows := int(msg.Batch.Rows) // columns passed through carry no codes
			if desc.Scope == anonymize.ScopeRow {
				want, ok := sizes.at(len(outs))
				if !ok {
					return nil, nil, fmt.Errorf("wrong number of rows: the plugin returned more batches than it was sent (row-scoped transforms answer each batch with one batch)")
				}
				if rows != want.hi-want.lo {
					return nil, nil, fmt.Errorf("wrong number of rows: the plugin returned %d rows for a batch of %d (row-scoped transforms keep every row)", rows, want.hi-want.lo)
				}
				sent := len(parts[want.part].Columns)
				if planned && len(b.Columns) != sent {
					return nil, nil, fmt.Errorf("protocol: the plugin answered a batch of %d planned columns with %d columns", sent, len(b.Columns))
				}
				for _, k := range ref {
					if k >= sent {
						return nil, nil, batchError("column refers to input column %d of %d", k+1, sent)
					}
				}
				if want.part == 0 {
					got += rows
				}
				if planned {
					finish(want.part) // every earlier part is answered
				}
			} else if slices.ContainsFunc(ref, func(k int) bool { return k >= 0 }) {
				return nil, nil, batchError("a table-scoped answer refers to input columns")
			} else {
				got += rows
			}
			outs = append(outs, b)
			refs = append(refs, ref)
		case *pb.TransformResponse_Done:
			done = msg.Done
		default:
			return nil, nil, fmt.Errorf("protocol: unexpected %T during the call", m.Msg)
		}
	}
	if err := <-sendErr; err != nil {
		return nil, nil, err
	}
	if desc.Scope == anonymize.ScopeRow {
		if sizes.len() != len(outs) || (parts[0] != nil && got != n) {
			return nil, nil, fmt.Errorf("wrong number of rows: the plugin returned %d rows for %d", got, n)
		}
	} else {
		removed := int(done.Suppressed) - t.Suppressed
		if got > n || got+removed != n {
			return nil, nil, fmt.Errorf("wrong number of rows: the plugin returned %d of %d rows and counted %d as suppressed", got, n, removed)
		}
	}
	var out *anonymize.Table
	if !planned {
		out, err = assemble(t, outs, refs, sizes)
		if err != nil {
			return nil, nil, fmt.Errorf("the plugin's batches do not fit together: %w", err)
		}
	} else {
		// The parts not put together yet, then the columns in their input
		// order: passed through from t, the answer for each column sent,
		// or the column with the mapping of its dictionary applied.
		finish(len(parts))
		wg.Wait()
		for _, err := range partErrs {
			if err != nil {
				return nil, nil, err
			}
		}
		cols := make([]*anonymize.Column, 0, len(t.Columns))
		j := 0
		for i, a := range acts {
			switch a {
			case pb.ColumnAction_COLUMN_ACTION_PASS:
				cols = append(cols, t.Columns[i])
			case pb.ColumnAction_COLUMN_ACTION_TRANSFORM:
				cols = append(cols, answer0.Columns[j])
				j++
			case pb.ColumnAction_COLUMN_ACTION_MAP:
				cols = append(cols, mapped[i])
			}
		}
		out = t.WithColumns(cols)
	}
	out.Name = done.Table
	if desc.Scope != anonymize.ScopeRow {
		out.Suppressed = int(done.Suppressed)
	} else {
		out.Suppressed = t.Suppressed
	}
	if planned {
		// Every column is an input column, a column decoded with its codes
		// checked, or an input column's codes mapped through a dictionary
		// of the right size: only the shape needs checking.
		if err := checkShape(out); err != nil {
			return nil, nil, err
		}
	} else if err := out.Validate(); err != nil {
		return nil, nil, err
	}
	return out, done, nil
}

// checkShape checks that t's columns have distinct names and equal lengths
// (Table.Validate without the scan of every code).
func checkShape(t *anonymize.Table) error {
	seen := make(map[string]bool, len(t.Columns))
	for _, c := range t.Columns {
		if seen[c.Name] {
			return invalidErr{msg: fmt.Sprintf("table %q: duplicate column %q", t.Name, c.Name)}
		}
		seen[c.Name] = true
		if c.Len() != t.Columns[0].Len() {
			return invalidErr{msg: fmt.Sprintf("table %q: column %q has %d rows, column %q has %d", t.Name, c.Name, c.Len(), t.Columns[0].Name, t.Columns[0].Len())}
		}
	}
	return nil
}

// assemble joins the answer's batches into one table. A column every batch
// passed through (same_as the same input column) is the input column
// itself, with the answer's metadata: nothing was sent, nothing is copied.
// Other columns are concatenated, their passed-through parts cut from the
// input.
func assemble(t *anonymize.Table, outs []*anonymize.Table, refs [][]int, sizes *sizeQueue) (*anonymize.Table, error) {
	if len(outs) == 0 {
		return &anonymize.Table{Name: t.Name}, nil
	}
	first := outs[0]
	for _, b := range outs[1:] {
		if len(b.Columns) != len(first.Columns) {
			return nil, fmt.Errorf("a batch has %d columns, the first has %d", len(b.Columns), len(first.Columns))
		}
	}
	cols := make([]*anonymize.Column, len(first.Columns))
	var rest []int
	for i, fc := range first.Columns {
		k := refs[0][i]
		whole := k >= 0
		for b := range outs {
			if refs[b][i] != k || outs[b].Columns[i].Name != fc.Name {
				whole = false
			}
		}
		if whole {
			c := *fc
			c.Dict, c.Codes = t.Columns[k].Dict, t.Columns[k].Codes
			cols[i] = &c
			continue
		}
		for b := range outs {
			if k := refs[b][i]; k >= 0 {
				r, _ := sizes.at(b)
				part := t.WithColumns([]*anonymize.Column{t.Columns[k]}).Slice(r.lo, r.hi).Compact().Columns[0]
				c := outs[b].Columns[i]
				c.Dict, c.Codes = part.Dict, part.Codes
			}
		}
		rest = append(rest, i)
	}
	if len(rest) > 0 {
		parts := make([]*anonymize.Table, len(outs))
		for b, o := range outs {
			sub := make([]*anonymize.Column, len(rest))
			for j, i := range rest {
				sub[j] = o.Columns[i]
			}
			parts[b] = o.WithColumns(sub)
		}
		joined, err := anonymize.Concat(parts...)
		if err != nil {
			return nil, err
		}
		for j, i := range rest {
			cols[i] = joined.Columns[j]
		}
	}
	return first.WithColumns(cols), nil
}

// noPlan, when set (by tests), makes the host ignore plugins' offers to
// plan, as a host older than planning does.
var noPlan bool

// onSend, when set (by tests), sees every batch the host sends.
var onSend func(b *pb.Batch)

// plan sends the table's column samples (the first values of each
// dictionary, through the sample-th non-blank one) and returns the
// plugin's action for each column.
func (r *remoteTransform) plan(stream grpc.BidiStreamingClient[pb.TransformRequest, pb.TransformResponse], t *anonymize.Table, sample int) ([]pb.ColumnAction, error) {
	req := planRequest(t, sample)
	if err := stream.Send(&pb.TransformRequest{Msg: &pb.TransformRequest_Plan{Plan: req}}); err != nil {
		return nil, recvErr(stream)
	}
	m, err := stream.Recv()
	if err != nil {
		return nil, fromStatus(err)
	}
	p := m.GetPlanned()
	if p == nil {
		return nil, fmt.Errorf("protocol: the plugin answered Plan with %T, want Planned", m.Msg)
	}
	if len(p.Actions) != len(t.Columns) {
		return nil, fmt.Errorf("protocol: the plugin planned %d columns of %d", len(p.Actions), len(t.Columns))
	}
	for i, a := range p.Actions {
		if a < pb.ColumnAction_COLUMN_ACTION_TRANSFORM || a > pb.ColumnAction_COLUMN_ACTION_MAP {
			return nil, fmt.Errorf("protocol: the plugin planned action %d for column %q", a, t.Columns[i].Name)
		}
	}
	return p.Actions, nil
}

// planRequest describes t's columns: metadata, sizes and the first values
// of each dictionary, through the sample-th non-blank one.
func planRequest(t *anonymize.Table, sample int) *pb.Plan {
	req := &pb.Plan{Columns: make([]*pb.ColumnSample, len(t.Columns))}
	for i, c := range t.Columns {
		vals := samplePrefix(c.Dict, sample)
		size := 0
		for _, v := range vals {
			size += len(v)
		}
		data := make([]byte, 0, size)
		ends := make([]byte, 4*len(vals))
		for k, v := range vals {
			data = append(data, v...)
			binary.LittleEndian.PutUint32(ends[4*k:], uint32(len(data)))
		}
		req.Columns[i] = &pb.ColumnSample{Name: c.Name, Type: c.Type.String(), Role: c.Role.String(), Level: int32(c.Level),
			Applied: c.Applied, Rows: uint64(c.Len()), Distinct: uint64(len(c.Dict)), Values: data, ValueEnds: ends}
	}
	return req
}

// samplePrefix is the prefix of dict through its n-th non-blank value.
func samplePrefix(dict []string, n int) []string {
	if n <= 0 {
		return nil
	}
	k := 0
	for i, v := range dict {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if k++; k >= n {
			return dict[:i+1]
		}
	}
	return dict
}

// dictTable is c's dictionary as a table of one row per value, for a plugin
// that maps the column value by value.
func dictTable(name string, c *anonymize.Column) *anonymize.Table {
	d := *c
	d.Codes = make([]uint32, len(c.Dict))
	for i := range d.Codes {
		d.Codes[i] = uint32(i)
	}
	return &anonymize.Table{Name: name, Columns: []*anonymize.Column{&d}}
}

// send streams each part (nil: none) in batches, splitting any batch whose
// message would pass limit, then End.
func (r *remoteTransform) send(stream grpc.BidiStreamingClient[pb.TransformRequest, pb.TransformResponse], parts []*anonymize.Table, limit int, sizes *sizeQueue, hier *hierarchyMap) error {
	ids := newHierarchyIDs(1, hier)
	for p, t := range parts {
		if t == nil {
			continue
		}
		if err := r.sendPart(stream, p, t, limit, sizes, ids); err != nil {
			return err
		}
	}
	if err := stream.Send(&pb.TransformRequest{Msg: &pb.TransformRequest_End{End: &pb.End{}}}); err != nil {
		return sendFailed(err)
	}
	return stream.CloseSend()
}

func (r *remoteTransform) sendPart(stream grpc.BidiStreamingClient[pb.TransformRequest, pb.TransformResponse], part int, t *anonymize.Table, limit int, sizes *sizeQueue, ids *hierarchyIDs) error {
	per := max(batchTargetBytes/bytesPerRow(t), 256)
	if batchRows > 0 {
		per = batchRows
	}
	bt := newBatcher(t, ids)
	n := t.NumRows()
	var sendRange func(lo, hi int) error
	sendRange = func(lo, hi int) error {
		b := bt.encode(lo, hi)
		req := &pb.TransformRequest{Msg: &pb.TransformRequest_Batch{Batch: b}}
		if proto.Size(req) > limit-1024 {
			if hi-lo == 1 {
				return invalidErr{msg: fmt.Sprintf("row %d is larger than the %d-byte message limit", lo+1, limit)}
			}
			for _, h := range b.Hierarchies { // not sent: define again
				for k, id := range ids.ids {
					if id == h.Id {
						delete(ids.ids, k)
					}
				}
			}
			mid := lo + (hi-lo)/2
			if err := sendRange(lo, mid); err != nil {
				return err
			}
			return sendRange(mid, hi)
		}
		sizes.push(part, lo, hi)
		if err := stream.Send(req); err != nil {
			return sendFailed(err)
		}
		if onSend != nil {
			onSend(b)
		}
		return nil
	}
	for lo := 0; lo < n || lo == 0; lo += per {
		if err := sendRange(lo, min(lo+per, n)); err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	return nil
}

// sizeQueue records the row ranges of the batches sent, in order; a batch
// is recorded before it is sent, so before its answer can arrive.
type sizeQueue struct {
	mu sync.Mutex
	s  []rowRange
}

// rowRange is a batch: rows [lo, hi) of the part-th table sent.
type rowRange struct{ part, lo, hi int }

func (q *sizeQueue) push(part, lo, hi int) {
	q.mu.Lock()
	q.s = append(q.s, rowRange{part, lo, hi})
	q.mu.Unlock()
}

func (q *sizeQueue) at(i int) (rowRange, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if i >= len(q.s) {
		return rowRange{}, false
	}
	return q.s[i], true
}

func (q *sizeQueue) len() int { q.mu.Lock(); defer q.mu.Unlock(); return len(q.s) }

// sendFailed: a failed Send means the stream broke; the receiver reports why.
func sendFailed(err error) error {
	if err == io.EOF {
		return nil
	}
	return fromStatus(err)
}

func recvErr(stream grpc.BidiStreamingClient[pb.TransformRequest, pb.TransformResponse]) error {
	_, err := stream.Recv()
	if err == nil || err == io.EOF {
		return errors.New("protocol: the plugin closed the stream")
	}
	return fromStatus(err)
}

// decodeSamples decodes a Plan's column samples, checking every offset.
func decodeSamples(p *pb.Plan) ([]anonymize.ColumnSample, error) {
	out := make([]anonymize.ColumnSample, len(p.Columns))
	for i, m := range p.Columns {
		c := anonymize.ColumnSample{Name: m.Name, Level: int(m.Level), Applied: m.Applied, Rows: int(m.Rows), Distinct: int(m.Distinct)}
		if err := c.Type.UnmarshalText([]byte(m.Type)); err != nil {
			return nil, invalidErr{msg: fmt.Sprintf("plan: column %q: %v", m.Name, err)}
		}
		if err := c.Role.UnmarshalText([]byte(m.Role)); err != nil {
			return nil, invalidErr{msg: fmt.Sprintf("plan: column %q: %v", m.Name, err)}
		}
		if len(m.ValueEnds)%4 != 0 {
			return nil, invalidErr{msg: fmt.Sprintf("plan: column %q: %d bytes of value ends, not a multiple of 4", m.Name, len(m.ValueEnds))}
		}
		vals, err := splitValues(m.Values, len(m.ValueEnds)/4, func(k int) uint32 { return binary.LittleEndian.Uint32(m.ValueEnds[4*k:]) })
		if err != nil {
			return nil, invalidErr{msg: fmt.Sprintf("plan: column %q: %v", m.Name, err)}
		}
		if c.Rows < 0 || c.Distinct < len(vals) {
			return nil, invalidErr{msg: fmt.Sprintf("plan: column %q: %d sample values of %d distinct", m.Name, len(vals), c.Distinct)}
		}
		c.Values = vals
		out[i] = c
	}
	return out, nil
}

// concat joins batches; the first batch's column metadata wins.
func concat(outs []*anonymize.Table, name string) (*anonymize.Table, error) {
	if len(outs) == 0 {
		return &anonymize.Table{Name: name}, nil
	}
	return anonymize.Concat(outs...)
}

// ---- server side: any anonymize.Transform is served as a plugin ----

// AnonymizerGRPCServer serves an Anonymizer over gRPC (plugin side).
type AnonymizerGRPCServer struct {
	pb.UnimplementedAnonymizerServer
	Impl Anonymizer
}

// Describe implements the Describe RPC.
func (s *AnonymizerGRPCServer) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.Descriptor, error) {
	d, err := s.Impl.Describe(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return descriptorTo(d), nil
}

// Configure implements the Configure RPC.
func (s *AnonymizerGRPCServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.Descriptor, error) {
	t, err := s.configure(ctx, req.ParamsJson, req.Secret)
	if err != nil {
		return nil, toStatus(err)
	}
	return descriptorTo(t.Describe()), nil
}

func (s *AnonymizerGRPCServer) configure(ctx context.Context, params, secret []byte) (anonymize.Transform, error) {
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
func (s *AnonymizerGRPCServer) Transform(stream grpc.BidiStreamingServer[pb.TransformRequest, pb.TransformResponse]) error {
	ctx := stream.Context()
	m, err := stream.Recv()
	if err != nil {
		return err
	}
	start := m.GetStart()
	if start == nil {
		return status.Errorf(codes.InvalidArgument, "protocol: the first message must be Start, got %T", m.Msg)
	}
	t, err := s.configure(ctx, start.ParamsJson, start.Secret)
	if err != nil {
		return toStatus(err)
	}
	desc := t.Describe()
	accepted := descriptorTo(desc)
	planner, plans := t.(anonymize.ColumnPlanner)
	if plans && desc.Scope == anonymize.ScopeRow {
		accepted.Plans, accepted.PlanSampleValues = true, anonymize.SampleValues
	}
	if err := stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Accepted{Accepted: accepted}}); err != nil {
		return err
	}
	inHier := newHierarchyMap()
	outIDs := newHierarchyIDs(1<<30, nil) // ids of hierarchies the plugin defines
	sendTable := func(out *anonymize.Table) error {
		b := encodeBatch(out.Compact(), outIDs)
		return stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Batch{Batch: b}})
	}
	sendAnswer := func(out, in *anonymize.Table) error {
		b := encodeAnswer(out, in, outIDs)
		return stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Batch{Batch: b}})
	}
	// Hierarchies the host sent come back by their own id.
	remember := func() {
		inHier.mu.Lock()
		defer inHier.mu.Unlock()
		for id, h := range inHier.m {
			if _, ok := outIDs.ids[h]; !ok {
				outIDs.ids[h] = id
			}
		}
	}
	var batches []*anonymize.Table
	name := start.Table
	suppressed := start.Suppressed
	var search *pb.Search // what a searching table-scoped transform decided
	m, err = stream.Recv()
	// A host that plans sends Plan first; one that does not (older hosts)
	// sends batches of every column, which the transform gets as it is.
	planned := false
	if pm := m.GetPlan(); err == nil && pm != nil {
		if !accepted.Plans {
			return status.Errorf(codes.InvalidArgument, "protocol: Plan sent to a transform that does not plan")
		}
		samples, perr := decodeSamples(pm)
		if perr != nil {
			return toStatus(perr)
		}
		acts, rest, perr := planner.PlanColumns(samples)
		if perr != nil {
			return toStatus(perr)
		}
		if len(acts) != len(samples) {
			return status.Errorf(codes.Internal, "plan: %d actions for %d columns (transform %s)", len(acts), len(samples), desc.Name)
		}
		out := &pb.Planned{Actions: make([]pb.ColumnAction, len(acts))}
		for i, a := range acts {
			out.Actions[i] = pb.ColumnAction(a)
		}
		if err := stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Planned{Planned: out}}); err != nil {
			return err
		}
		t, planned = rest, true
		m, err = stream.Recv()
	}
	for ; ; m, err = stream.Recv() {
		if err != nil {
			return err
		}
		if m.GetEnd() != nil {
			break
		}
		bm := m.GetBatch()
		if bm == nil {
			return status.Errorf(codes.InvalidArgument, "protocol: unexpected %T", m.Msg)
		}
		b, err := decodeBatch(start.Table, bm, inHier)
		if err != nil {
			return toStatus(err)
		}
		remember()
		if desc.Scope != anonymize.ScopeRow {
			batches = append(batches, b)
			continue
		}
		out, err := t.Apply(ctx, b)
		if err != nil {
			return toStatus(err)
		}
		if out.NumRows() != b.NumRows() && len(out.Columns) > 0 {
			return status.Errorf(codes.Internal, "wrong number of rows: the plugin returned %d rows for a batch of %d (row-scoped transform %s)", out.NumRows(), b.NumRows(), desc.Name)
		}
		if planned && len(out.Columns) != len(b.Columns) {
			return status.Errorf(codes.Internal, "plan: %d columns out for %d planned columns in (transform %s)", len(out.Columns), len(b.Columns), desc.Name)
		}
		name = out.Name
		if err := sendAnswer(out, b); err != nil {
			return err
		}
	}
	if desc.Scope != anonymize.ScopeRow {
		in, err := concat(batches, start.Table)
		if err != nil {
			return toStatus(err)
		}
		in.Name, in.Suppressed = start.Table, int(start.Suppressed)
		var out *anonymize.Table
		if sr, ok := t.(anonymize.Searcher); ok {
			var res *anonymize.SearchResult
			out, res, err = sr.Anonymize(ctx, in)
			search = searchTo(res)
		} else {
			out, err = t.Apply(ctx, in)
		}
		if err != nil {
			return toStatus(err)
		}
		name, suppressed = out.Name, int64(out.Suppressed)
		target := batchTargetBytes
		if m := int(start.MaxMessageBytes); m > 0 {
			target = min(target, m/2)
		}
		per := max(target/bytesPerRow(out), 1)
		for lo := 0; lo < out.NumRows(); lo += per {
			if err := sendTable(out.Slice(lo, min(lo+per, out.NumRows()))); err != nil {
				return err
			}
		}
		if out.NumRows() == 0 {
			if err := sendTable(out); err != nil {
				return err
			}
		}
	}
	return stream.Send(&pb.TransformResponse{Msg: &pb.TransformResponse_Done{Done: &pb.Done{Table: name, Suppressed: suppressed, Search: search}}})
}

// ---- in-process implementations ----

// Builtin returns the built-in transform name (of package anonymize) as an
// Anonymizer running in this process.
func Builtin(name string) Anonymizer { return builtin{name: name, set: anonymize.NewTransforms()} }

type builtin struct {
	name string
	set  *anonymize.Transforms // the built-ins alone
}

// builtinZero describes the built-ins without parameters (some factories
// refuse empty parameters).
var builtinZero = map[string]anonymize.Transform{
	"safe-harbor": &anonymize.SafeHarbor{}, "pseudonymize": &anonymize.Pseudonymize{},
	"date-shift": &anonymize.DateShift{}, "generalize": &anonymize.Generalize{},
	"suppress": &anonymize.Suppress{}, "drop": &anonymize.Drop{}, "privacy": &anonymize.Privacy{},
}

func (b builtin) Describe(ctx context.Context) (anonymize.Descriptor, error) {
	if t, ok := builtinZero[b.name]; ok {
		return t.Describe(), nil
	}
	t, err := b.set.New(b.name, anonymize.Params{}, anonymize.Env{})
	if err != nil {
		return anonymize.Descriptor{Name: b.name, Version: anonymize.Version, Scope: anonymize.ScopeTable}, nil
	}
	return t.Describe(), nil
}

func (b builtin) New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
	return b.set.New(b.name, p, anonymize.Env{Secret: env.Secret})
}

// Static returns t as an Anonymizer: New returns a copy of t with the
// parameters decoded over it (t must be a pointer to a struct with json
// tags when it takes parameters), or t itself without parameters.
func Static(t anonymize.Transform) Anonymizer { return static{t} }

type static struct{ t anonymize.Transform }

func (s static) Describe(ctx context.Context) (anonymize.Descriptor, error) {
	return s.t.Describe(), nil
}

func (s static) New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
	if len(p) == 0 {
		return s.t, nil
	}
	v := reflect.ValueOf(s.t)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, invalidErr{msg: fmt.Sprintf("%s takes no parameters", s.t.Describe().Name)}
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	if err := p.Decode(c.Interface()); err != nil {
		return nil, err
	}
	return c.Interface().(anonymize.Transform), nil
}

// ---- descriptors, searches and errors across the wire ----

func descriptorTo(d anonymize.Descriptor) *pb.Descriptor {
	return &pb.Descriptor{Name: d.Name, Version: d.Version, Scope: string(d.Scope), Summary: d.Summary, ConfigSchema: d.ConfigSchema, Scrubber: d.Scrubber}
}

func descriptorFrom(d *pb.Descriptor) (anonymize.Descriptor, error) {
	out := anonymize.Descriptor{Name: d.Name, Version: d.Version, Scope: anonymize.Scope(d.Scope), Summary: d.Summary, Scrubber: d.Scrubber}
	if len(d.ConfigSchema) > 0 {
		if !json.Valid(d.ConfigSchema) {
			return out, errors.New("protocol: the plugin's config schema is not JSON")
		}
		out.ConfigSchema = d.ConfigSchema
	}
	if out.Scope != anonymize.ScopeRow && out.Scope != anonymize.ScopeTable {
		return out, fmt.Errorf("protocol: the plugin's scope is %q, want %q or %q", d.Scope, anonymize.ScopeRow, anonymize.ScopeTable)
	}
	return out, nil
}

func searchTo(r *anonymize.SearchResult) *pb.Search {
	if r == nil {
		return nil
	}
	s := &pb.Search{Method: string(r.Method), Suppressed: int64(r.Suppressed), Loss: r.Loss,
		Evaluated: int64(r.Evaluated), LatticeNodes: int64(r.LatticeNodes)}
	if len(r.Levels) > 0 {
		s.Levels = make(map[string]int64, len(r.Levels))
		for k, v := range r.Levels {
			s.Levels[k] = int64(v)
		}
	}
	return s
}

func searchFrom(s *pb.Search) *anonymize.SearchResult {
	if s == nil {
		return nil
	}
	r := &anonymize.SearchResult{Method: anonymize.Method(s.Method), Suppressed: int(s.Suppressed), Loss: s.Loss,
		Evaluated: int(s.Evaluated), LatticeNodes: int(s.LatticeNodes)}
	if len(s.Levels) > 0 {
		r.Levels = make(map[string]int, len(s.Levels))
		for k, v := range s.Levels {
			r.Levels[k] = int(v)
		}
	}
	return r
}

// invalidErr is an error about the data or parameters, as anonymize's own:
// errors.Is(err, anonymize.ErrInvalid) holds on both sides of the wire, and
// errors.Is(err, anonymize.ErrNoQuasiIdentifiers) too when noQI is set.
type invalidErr struct {
	msg  string
	noQI bool
}

func (e invalidErr) Error() string { return e.msg }
func (e invalidErr) Is(target error) bool {
	return target == anonymize.ErrInvalid || (e.noQI && target == anonymize.ErrNoQuasiIdentifiers)
}

// errorDomain and reasonNoQuasiIdentifiers mark, in an InvalidArgument
// status's details, a privacy step refusing a table without
// quasi-identifiers: a multi-table run skips that table's step, in a plugin
// as in process.
const (
	errorDomain              = "medmarket.plugins.v1"
	reasonNoQuasiIdentifiers = "NO_QUASI_IDENTIFIERS"
)

// toStatus turns a plugin-side error into a gRPC status: InvalidArgument
// for anonymize.ErrInvalid, so the host can tell the user's mistakes from
// plugin failures (with reasonNoQuasiIdentifiers in its details for
// anonymize.ErrNoQuasiIdentifiers).
func toStatus(err error) error {
	if _, ok := status.FromError(err); ok && status.Code(err) != codes.Unknown {
		return err
	}
	switch {
	case errors.Is(err, anonymize.ErrNoQuasiIdentifiers):
		st := status.New(codes.InvalidArgument, err.Error())
		if d, derr := st.WithDetails(&errdetails.ErrorInfo{Domain: errorDomain, Reason: reasonNoQuasiIdentifiers}); derr == nil {
			st = d
		}
		return st.Err()
	case errors.Is(err, anonymize.ErrInvalid):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// fromStatus turns a status back: InvalidArgument wraps anonymize.ErrInvalid;
// everything else keeps its status (the host explains it).
func fromStatus(err error) error {
	if s, ok := status.FromError(err); ok && s.Code() == codes.InvalidArgument {
		e := invalidErr{msg: s.Message()}
		for _, d := range s.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok && info.Domain == errorDomain && info.Reason == reasonNoQuasiIdentifiers {
				e.noQI = true
			}
		}
		return e
	}
	return err
}
