package anonymizer

import (
	"encoding/binary"
	"fmt"
	"strings"

	"google.golang.org/grpc"

	"github.com/medmarket/medmarket/anonymize"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// plan sends the table's column samples (the first values of each
// dictionary, through the sample-th non-blank one) and returns the
// plugin's action for each column.
func plan(stream grpc.BidiStreamingClient[pb.TransformRequest, pb.TransformResponse], t *anonymize.Table, sample int) ([]pb.ColumnAction, error) {
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
