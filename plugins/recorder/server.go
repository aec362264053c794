package recorder

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/medmarket/medmarket/plugins/handshake"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// GRPCServer serves a Recorder (plugin side).
type GRPCServer struct {
	pb.UnimplementedRecorderServer
	Impl Recorder
}

// Describe implements pb.RecorderServer.
func (s *GRPCServer) Describe(ctx context.Context, _ *pb.RecorderDescribeRequest) (*pb.RecorderDescriptor, error) {
	d, err := s.Impl.Describe(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.RecorderDescriptor{Name: d.Name, Version: d.Version, Summary: d.Summary, Formats: d.Formats, ConfigSchema: d.ConfigSchema}, nil
}

// Parse implements pb.RecorderServer: the chunks feed the recorder through
// a pipe as they come.
func (s *GRPCServer) Parse(stream grpc.BidiStreamingServer[pb.ParseRequest, pb.ParseResponse]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	start := first.GetStart()
	if start == nil {
		return status.Errorf(codes.FailedPrecondition, "protocol: the call opened with %T, want ParseStart", first.Msg)
	}
	limit := int(start.MaxMessageBytes)
	if limit <= 0 {
		limit = handshake.DefaultMaxMessageBytes
	}
	maxIn := start.MaxInputBytes
	if maxIn <= 0 {
		maxIn = DefaultMaxInput
	}
	pr, pw := io.Pipe()
	defer pr.Close()
	go feed(stream, pw, maxIn)
	steps, err := s.Impl.Parse(stream.Context(), pr, Config(start.Config))
	var es InputErrors
	if errors.As(err, &es) {
		return sendInputErrors(stream, es)
	}
	if err != nil {
		return toStatus(err)
	}
	return sendSteps(stream, steps, limit)
}

// feed writes the document's chunks into pw as they come, up to maxIn
// bytes, and closes pw at End or with the reason the document stopped.
func feed(stream grpc.BidiStreamingServer[pb.ParseRequest, pb.ParseResponse], pw *io.PipeWriter, maxIn int64) {
	var n int64
	for {
		m, err := stream.Recv()
		if err != nil {
			pw.CloseWithError(fmt.Errorf("the document was cut short: %w", err))
			return
		}
		switch msg := m.Msg.(type) {
		case *pb.ParseRequest_Chunk:
			n += int64(len(msg.Chunk.Data))
			if n > maxIn {
				pw.CloseWithError(Invalidf("Import: the document is larger than %d bytes.", maxIn))
				return
			}
			if _, err := pw.Write(msg.Chunk.Data); err != nil {
				return // the recorder stopped reading
			}
		case *pb.ParseRequest_End:
			pw.Close()
			return
		default:
			pw.CloseWithError(fmt.Errorf("protocol: %T in the document", m.Msg))
			return
		}
	}
}

// sendInputErrors answers with the problems of the document's records.
func sendInputErrors(stream grpc.BidiStreamingServer[pb.ParseRequest, pb.ParseResponse], es InputErrors) error {
	done := &pb.ParseDone{}
	for _, e := range es {
		done.Errors = append(done.Errors, &pb.InputError{Ref: e.Ref, Message: e.Msg})
	}
	return stream.Send(&pb.ParseResponse{Msg: &pb.ParseResponse_Done{Done: done}})
}

// sendSteps answers with the steps in batches under the host's limit (with
// room for framing), then Done.
func sendSteps(stream grpc.BidiStreamingServer[pb.ParseRequest, pb.ParseResponse], steps []Step, limit int) error {
	budget := limit - 4096
	batch := &pb.StepBatch{}
	size := 0
	flush := func() error {
		if len(batch.Steps) == 0 {
			return nil
		}
		err := stream.Send(&pb.ParseResponse{Msg: &pb.ParseResponse_Steps{Steps: batch}})
		batch, size = &pb.StepBatch{}, 0
		return err
	}
	for _, in := range steps {
		st, err := stepTo(in)
		if err != nil {
			return status.Errorf(codes.Internal, "%s: %v", in.Ref, err)
		}
		n := proto.Size(st) + 8
		if size+n > budget {
			if err := flush(); err != nil {
				return err
			}
		}
		batch.Steps = append(batch.Steps, st)
		size += n
	}
	if err := flush(); err != nil {
		return err
	}
	return stream.Send(&pb.ParseResponse{Msg: &pb.ParseResponse_Done{Done: &pb.ParseDone{}}})
}
