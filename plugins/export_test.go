package plugins

import (
	"google.golang.org/protobuf/proto"

	pb "github.com/medmarket/medmarket/plugins/proto"
)

// SetBatchRows fixes the rows per batch the host sends (1: one message per
// row) and returns a function that restores the default.
func SetBatchRows(n int) (restore func()) {
	old := batchRows
	batchRows = n
	return func() { batchRows = old }
}

// SetNoPlan makes the host ignore plugins' offers to plan (as a host older
// than planning) and returns a function that restores the default.
func SetNoPlan(v bool) (restore func()) {
	old := noPlan
	noPlan = v
	return func() { noPlan = old }
}

// SetOnSend calls f with the column names, rows and encoded size of every
// batch the host sends, and returns a function that removes the hook. f
// must be safe for concurrent use.
func SetOnSend(f func(columns []string, rows, bytes int)) (restore func()) {
	old := onSend
	onSend = func(b *pb.Batch) {
		names := make([]string, len(b.Columns))
		for i, c := range b.Columns {
			names[i] = c.Name
		}
		f(names, int(b.Rows), proto.Size(b))
	}
	return func() { onSend = old }
}
