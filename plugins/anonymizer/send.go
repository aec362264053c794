package anonymizer

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/medmarket/medmarket/anonymize"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

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
	if n := r.c.stream.BatchRows; n > 0 {
		per = n
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
		if f := r.c.stream.OnSend; f != nil {
			f(columnNames(b), int(b.Rows), proto.Size(b))
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

// columnNames returns the names of b's columns, for StreamOptions.OnSend.
func columnNames(b *pb.Batch) []string {
	names := make([]string, len(b.Columns))
	for i, c := range b.Columns {
		names[i] = c.Name
	}
	return names
}
