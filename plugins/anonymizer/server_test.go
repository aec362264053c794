package anonymizer_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/medmarket/medmarket/plugins/anonymizer"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// A receive error after planning (here: the host goes away) is what the
// plugin's Transform returns, not "protocol: unexpected <nil>". The
// server's own return value is caught by an interceptor on a real gRPC
// server on loopback.
func TestAnonymizerServer_receiveErrorAfterPlanIsReported(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	returned := make(chan error, 1)
	srv := grpc.NewServer(grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		err := h(srv, ss)
		returned <- err
		return err
	}))
	pb.RegisterAnonymizerServer(srv, &anonymizer.GRPCServer{Impl: anonymizer.Builtin("safe-harbor")})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	defer func() {
		srv.Stop()
		if err := <-served; err != nil { // nil after Stop
			t.Errorf("serve: %v", err)
		}
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := conn.Close(); err != nil {
			t.Error(err)
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := pb.NewAnonymizerClient(conn).Transform(ctx)
	if err != nil {
		t.Fatal(err)
	}
	send := func(m *pb.TransformRequest) {
		t.Helper()
		if err := stream.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	send(&pb.TransformRequest{Msg: &pb.TransformRequest_Start{Start: &pb.Start{Table: "t", Rows: 1}}})
	if m, err := stream.Recv(); err != nil || m.GetAccepted() == nil || !m.GetAccepted().Plans {
		t.Fatalf("Start answered %v, %v; want Accepted offering to plan", m, err)
	}
	send(&pb.TransformRequest{Msg: &pb.TransformRequest_Plan{Plan: &pb.Plan{Columns: []*pb.ColumnSample{
		{Name: "diagnosis", Type: "string", Role: "insensitive", Rows: 1, Distinct: 1}}}}})
	if m, err := stream.Recv(); err != nil || m.GetPlanned() == nil {
		t.Fatalf("Plan answered %v, %v; want Planned", m, err)
	}
	cancel() // the server's next Recv fails

	got := <-returned
	if st, _ := status.FromError(got); st.Code() != codes.Canceled || strings.Contains(st.Message(), "unexpected") {
		t.Fatalf("the plugin's Transform returned %v; want its receive error (Canceled)", got)
	}
}
