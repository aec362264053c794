package anonymizer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"google.golang.org/grpc"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/plugins/handshake"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// transform streams t to the plugin in column-wise batches and puts the
// answer together, returned with the plugin's Done. It checks everything
// the plugin returns (row counts, codes, offsets) and returns an error
// rather than a partial table.
func (r *remoteTransform) transform(ctx context.Context, t *anonymize.Table) (*anonymize.Table, *pb.Done, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c, acc, err := r.open(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	if acc.Plans && c.desc.Scope == anonymize.ScopeRow && !r.c.stream.NoPlan {
		if err := c.planParts(int(acc.PlanSampleValues)); err != nil {
			return nil, nil, err
		}
	}
	// Send in the background; the batch sizes go to the receiver so it can
	// check a row-scoped transform's answers one by one.
	sendErr := make(chan error, 1)
	go func() { sendErr <- r.send(c.stream, c.parts, c.limit, c.sizes, c.hier) }()
	done, err := c.receive()
	if err != nil {
		return nil, nil, err
	}
	if err := <-sendErr; err != nil {
		return nil, nil, err
	}
	if err := c.checkRows(done); err != nil {
		return nil, nil, err
	}
	out, err := c.result(done)
	if err != nil {
		return nil, nil, err
	}
	return out, done, nil
}

// transformCall is one Transform call on the host's side: what is sent,
// and the answer as it comes back.
type transformCall struct {
	stream grpc.BidiStreamingClient[pb.TransformRequest, pb.TransformResponse]
	t      *anonymize.Table
	limit  int
	desc   anonymize.Descriptor // as the plugin accepted the call

	// What is sent: the rows of parts[0] (nil: none), then the
	// dictionaries of the columns mapped value by value; mapCol[p] is the
	// input column of dictionary p. acts is the plan (nil: unplanned).
	parts  []*anonymize.Table
	mapCol []int
	acts   []pb.ColumnAction
	sizes  *sizeQueue    // the batches sent, in order
	hier   *hierarchyMap // the answer may refer to hierarchies sent

	// The answer: its batches with their references to input columns, and
	// the rows of parts[0] they hold.
	outs []*anonymize.Table
	refs [][]int
	got  int

	// With a plan, each part is put together as soon as the plugin has
	// answered all of it (answers come in order), while the plugin works
	// on the next part.
	wg       sync.WaitGroup
	answer0  *anonymize.Table
	mapped   []*anonymize.Column
	partErrs []error
	next     int
}

// open starts the call: Start, answered by Accepted with the configured
// transform's descriptor.
func (r *remoteTransform) open(ctx context.Context, t *anonymize.Table) (*transformCall, *pb.Descriptor, error) {
	limit := r.c.maxMessage
	if limit <= 0 {
		limit = handshake.DefaultMaxMessageBytes
	}
	stream, err := r.c.client.Transform(ctx, grpc.MaxCallRecvMsgSize(limit), grpc.MaxCallSendMsgSize(limit))
	if err != nil {
		return nil, nil, fromStatus(err)
	}
	err = stream.Send(&pb.TransformRequest{Msg: &pb.TransformRequest_Start{Start: &pb.Start{
		ParamsJson: r.params, Secret: r.secret, Table: t.Name, Rows: int64(t.NumRows()), Suppressed: int64(t.Suppressed),
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
	c := &transformCall{stream: stream, t: t, limit: limit, desc: desc,
		parts: []*anonymize.Table{t}, mapCol: []int{-1}, sizes: &sizeQueue{}, hier: newHierarchyMap()}
	return c, acc, nil
}

// planParts asks the plugin for its plan and decides what is sent: a
// plugin that plans says per column what it will do, so only the columns
// it transforms travel, row by row; of a column it maps value by value
// only the dictionary travels (one row per distinct value), and the host
// applies the mapping to its codes; the host drops and passes through the
// others itself. Without a plan (older plugins, table-scoped transforms)
// every column is sent.
func (c *transformCall) planParts(sample int) error {
	t := c.t
	acts, err := plan(c.stream, t, sample)
	if err != nil {
		return err
	}
	var sub []*anonymize.Column
	parts, mapCol := c.parts[:1], c.mapCol
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
	parts[0] = t.WithColumns(sub)
	if len(sub) == 0 {
		parts[0] = nil // no row batches at all
	}
	c.parts, c.mapCol, c.acts = parts, mapCol, acts
	c.mapped = make([]*anonymize.Column, len(t.Columns))
	c.partErrs = make([]error, len(parts))
	return nil
}

func (c *transformCall) planned() bool { return c.acts != nil }

// receive reads the answer's batches through Done.
func (c *transformCall) receive() (*pb.Done, error) {
	for {
		m, err := c.stream.Recv()
		if err == io.EOF {
			return nil, errors.New("protocol: the plugin closed the stream without Done")
		}
		if err != nil {
			return nil, fromStatus(err)
		}
		switch msg := m.Msg.(type) {
		case *pb.TransformResponse_Batch:
			if err := c.onBatch(msg.Batch); err != nil {
				return nil, err
			}
		case *pb.TransformResponse_Done:
			return msg.Done, nil
		default:
			return nil, fmt.Errorf("protocol: unexpected %T during the call", m.Msg)
		}
	}
}

// onBatch decodes and checks one batch of the answer and keeps it.
func (c *transformCall) onBatch(bm *pb.Batch) error {
	b, ref, err := decodeAnswer(c.t.Name, bm, c.hier)
	if err != nil {
		return err
	}
	rows := int(bm.Rows) // columns passed through carry no codes
	switch {
	case c.desc.Scope == anonymize.ScopeRow:
		if err := c.onRowBatch(b, ref, rows); err != nil {
			return err
		}
	case slices.ContainsFunc(ref, func(k int) bool { return k >= 0 }):
		return batchError("a table-scoped answer refers to input columns")
	default:
		c.got += rows
	}
	c.outs = append(c.outs, b)
	c.refs = append(c.refs, ref)
	return nil
}

// onRowBatch checks a row-scoped transform's answer to the next batch
// sent: one batch, as many rows, the columns sent, references only to
// them.
func (c *transformCall) onRowBatch(b *anonymize.Table, ref []int, rows int) error {
	want, ok := c.sizes.at(len(c.outs))
	if !ok {
		return fmt.Errorf("wrong number of rows: the plugin returned more batches than it was sent (row-scoped transforms answer each batch with one batch)")
	}
	if rows != want.hi-want.lo {
		return fmt.Errorf("wrong number of rows: the plugin returned %d rows for a batch of %d (row-scoped transforms keep every row)", rows, want.hi-want.lo)
	}
	sent := len(c.parts[want.part].Columns)
	if c.planned() && len(b.Columns) != sent {
		return fmt.Errorf("protocol: the plugin answered a batch of %d planned columns with %d columns", sent, len(b.Columns))
	}
	for _, k := range ref {
		if k >= sent {
			return batchError("column refers to input column %d of %d", k+1, sent)
		}
	}
	if want.part == 0 {
		c.got += rows
	}
	if c.planned() {
		c.finish(want.part) // every earlier part is answered
	}
	return nil
}

// checkRows checks the answer's row count once Done came: a row-scoped
// transform keeps every row; a table-scoped one accounts for the rows it
// removed as suppressed.
func (c *transformCall) checkRows(done *pb.Done) error {
	n := c.t.NumRows()
	if c.desc.Scope == anonymize.ScopeRow {
		if c.sizes.len() != len(c.outs) || (c.parts[0] != nil && c.got != n) {
			return fmt.Errorf("wrong number of rows: the plugin returned %d rows for %d", c.got, n)
		}
		return nil
	}
	removed := int(done.Suppressed) - c.t.Suppressed
	if c.got > n || c.got+removed != n {
		return fmt.Errorf("wrong number of rows: the plugin returned %d of %d rows and counted %d as suppressed", c.got, n, removed)
	}
	return nil
}

// result puts the answer together as a table named and counted as Done
// says, and checks it.
func (c *transformCall) result(done *pb.Done) (*anonymize.Table, error) {
	var out *anonymize.Table
	if !c.planned() {
		var err error
		out, err = assemble(c.t, c.outs, c.refs, c.sizes)
		if err != nil {
			return nil, fmt.Errorf("the plugin's batches do not fit together: %w", err)
		}
	} else {
		cols, err := c.plannedColumns()
		if err != nil {
			return nil, err
		}
		out = c.t.WithColumns(cols)
	}
	out.Name = done.Table
	if c.desc.Scope != anonymize.ScopeRow {
		out.Suppressed = int(done.Suppressed)
	} else {
		out.Suppressed = c.t.Suppressed
	}
	if c.planned() {
		// Every column is an input column, a column decoded with its codes
		// checked, or an input column's codes mapped through a dictionary
		// of the right size: only the shape needs checking.
		if err := checkShape(out); err != nil {
			return nil, err
		}
	} else if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// plannedColumns puts together the parts not put together yet, then
// returns the columns in their input order: passed through from t, the
// answer for each column sent, or the column with the mapping of its
// dictionary applied.
func (c *transformCall) plannedColumns() ([]*anonymize.Column, error) {
	c.finish(len(c.parts))
	c.wg.Wait()
	for _, err := range c.partErrs {
		if err != nil {
			return nil, err
		}
	}
	cols := make([]*anonymize.Column, 0, len(c.t.Columns))
	j := 0
	for i, a := range c.acts {
		switch a {
		case pb.ColumnAction_COLUMN_ACTION_PASS:
			cols = append(cols, c.t.Columns[i])
		case pb.ColumnAction_COLUMN_ACTION_TRANSFORM:
			cols = append(cols, c.answer0.Columns[j])
			j++
		case pb.ColumnAction_COLUMN_ACTION_MAP:
			cols = append(cols, c.mapped[i])
		}
	}
	return cols, nil
}

// finish puts together, in the background, every part before upto not
// put together yet.
func (c *transformCall) finish(upto int) {
	for ; c.next < upto && c.next < len(c.parts); c.next++ {
		p, part := c.next, c.parts[c.next]
		if part == nil {
			continue
		}
		outs, refs, sizes := c.answerOf(p)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.partErrs[p] = c.assemblePart(p, part, outs, refs, sizes)
		}()
	}
}

// answerOf returns the batches answering part p, with their references
// and the row ranges they answer.
func (c *transformCall) answerOf(p int) ([]*anonymize.Table, [][]int, *sizeQueue) {
	var outs []*anonymize.Table
	var refs [][]int
	sizes := &sizeQueue{}
	for i := range c.outs {
		if w, _ := c.sizes.at(i); w.part == p {
			outs, refs = append(outs, c.outs[i]), append(refs, c.refs[i])
			sizes.push(p, w.lo, w.hi)
		}
	}
	return outs, refs, sizes
}

// assemblePart puts together the answer to part p: the rows of the
// columns sent (p = 0) or a mapped dictionary, applied to its column's
// codes.
func (c *transformCall) assemblePart(p int, part *anonymize.Table, outs []*anonymize.Table, refs [][]int, sizes *sizeQueue) error {
	a, err := assemble(part, outs, refs, sizes)
	if err != nil {
		return fmt.Errorf("the plugin's batches do not fit together: %w", err)
	}
	if len(a.Columns) != len(part.Columns) || (a.NumRows() != part.NumRows() && len(a.Columns) > 0) {
		return fmt.Errorf("protocol: the plugin answered %d planned columns with %d columns", len(part.Columns), len(a.Columns))
	}
	if p == 0 {
		c.answer0 = a
		return nil
	}
	ac := a.Columns[0]
	col := c.t.Columns[c.mapCol[p]].MapDict(ac.Values())
	col.Name, col.Type, col.Role, col.Level, col.Applied, col.Hierarchy = ac.Name, ac.Type, ac.Role, ac.Level, ac.Applied, ac.Hierarchy
	c.mapped[c.mapCol[p]] = col
	return nil
}
