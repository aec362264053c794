package recorder

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	pb "github.com/medmarket/medmarket/plugins/proto"
)

// GRPCClient is a Recorder served by another process.
type GRPCClient struct {
	client     pb.RecorderClient
	maxMessage int
	maxInput   int64
	maxOutput  int64
}

// Describe implements Recorder.
func (c *GRPCClient) Describe(ctx context.Context) (Descriptor, error) {
	d, err := c.client.Describe(ctx, &pb.RecorderDescribeRequest{})
	if err != nil {
		return Descriptor{}, fromStatus(err)
	}
	return descriptorFrom(d)
}

// Parse implements Recorder: the document goes in chunks while the steps
// come back in batches. More than the input limit fails the call with an
// InvalidError; more than the output limit, or a step that does not
// decode, fails it naming the limit or the step.
func (c *GRPCClient) Parse(ctx context.Context, r io.Reader, cfg Config) ([]Step, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Parse(ctx, grpc.MaxCallRecvMsgSize(c.maxMessage), grpc.MaxCallSendMsgSize(c.maxMessage))
	if err != nil {
		return nil, fromStatus(err)
	}
	if err := stream.Send(&pb.ParseRequest{Msg: &pb.ParseRequest_Start{Start: &pb.ParseStart{
		Config: map[string]string(cfg), MaxMessageBytes: int64(c.maxMessage), MaxInputBytes: c.maxInput}}}); err != nil {
		return nil, recorderRecvErr(stream)
	}
	sendErr := make(chan error, 1)
	go func() {
		err := c.send(stream, r)
		if err != nil {
			cancel() // the answer no longer matters
		}
		sendErr <- err
	}()
	var out []Step
	var got int64
	for {
		m, err := stream.Recv()
		if err != nil {
			cancel() // unblock the sender
			if serr := <-sendErr; serr != nil {
				return nil, serr
			}
			if errors.Is(err, io.EOF) {
				return nil, errors.New("protocol: the recorder closed the call without ParseDone")
			}
			return nil, fromStatus(err)
		}
		switch msg := m.Msg.(type) {
		case *pb.ParseResponse_Steps:
			got += int64(proto.Size(m))
			if got > c.maxOutput {
				return nil, fmt.Errorf("oversized output: the steps passed the %d-byte limit", c.maxOutput)
			}
			for _, s := range msg.Steps.Steps {
				in, err := stepFrom(s)
				if err != nil {
					return nil, fmt.Errorf("protocol: step %d: %w", len(out)+1, err)
				}
				out = append(out, in)
			}
		case *pb.ParseResponse_Done:
			if serr := <-sendErr; serr != nil {
				return nil, serr
			}
			if len(msg.Done.Errors) > 0 {
				es := make(InputErrors, len(msg.Done.Errors))
				for i, e := range msg.Done.Errors {
					es[i] = InputError{Ref: e.Ref, Msg: e.Message}
				}
				return nil, es
			}
			return out, nil
		default:
			return nil, fmt.Errorf("protocol: the recorder answered with %T", m.Msg)
		}
	}
}

// send streams the document, then End, and closes the sending side.
func (c *GRPCClient) send(stream grpc.BidiStreamingClient[pb.ParseRequest, pb.ParseResponse], r io.Reader) error {
	buf := make([]byte, min(chunkBytes, max(c.maxMessage-1024, 1)))
	var sent int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			sent += int64(n)
			if sent > c.maxInput {
				return Invalidf("Import: the document is larger than %d bytes.", c.maxInput)
			}
			if serr := stream.Send(&pb.ParseRequest{Msg: &pb.ParseRequest_Chunk{Chunk: &pb.Chunk{Data: buf[:n]}}}); serr != nil {
				return nil // the server stopped reading: its answer says why
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read the document: %w", err)
		}
	}
	if err := stream.Send(&pb.ParseRequest{Msg: &pb.ParseRequest_End{End: &pb.ParseEnd{}}}); err != nil {
		return nil
	}
	_ = stream.CloseSend()
	return nil
}

func recorderRecvErr(stream grpc.BidiStreamingClient[pb.ParseRequest, pb.ParseResponse]) error {
	for {
		if _, err := stream.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("protocol: the recorder closed the call")
			}
			return fromStatus(err)
		}
	}
}
