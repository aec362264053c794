package anonymizer_test

import (
	"context"
	"net"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	"github.com/medmarket/medmarket/plugins/anonymizer"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// countingTransform is what the host's side of a plugin offers for
// scrubbers' counts.
type countingTransform interface {
	anonymize.Transform
	ApplyCounted(ctx context.Context, t *anonymize.Table) (*anonymize.Table, map[string]anonymize.ScrubCounts, error)
}

// TestScrubCounts_crossThePluginProtocol: the built-in scrubbers served
// in another process (a gRPC server on loopback, as an isolated built-in
// is) answer with what they replaced, per column and PHI type, equal to
// the in-process counts and table: notes repeated over rows count once
// per row, with or without a plan, in one batch or many.
func TestScrubCounts_crossThePluginProtocol(t *testing.T) {
	notes := anonymizetest.Resample(anonymizetest.Notes(40, 3), 300, 4) // every note on several rows
	secret := []byte("scrub-count-secret-0123456789")
	cases := []struct {
		name   string
		params anonymize.Params
		stream anonymizer.StreamOptions
	}{
		{anonymize.ScrubNotesName, anonymize.Params{"columns": []string{"note"}, "patient_column": "id"}, anonymizer.StreamOptions{}},
		{anonymize.ScrubNotesName, anonymize.Params{"columns": []string{"note"}}, anonymizer.StreamOptions{BatchRows: 37}},
		{"safe-harbor", nil, anonymizer.StreamOptions{}},
		{"safe-harbor", nil, anonymizer.StreamOptions{BatchRows: 37}},
		{"safe-harbor", nil, anonymizer.StreamOptions{NoPlan: true}},
	}
	for _, c := range cases {
		local, err := anonymize.NewTransforms().New(c.name, c.params, anonymize.Env{Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		want, wantCounts, err := anonymize.ApplyCounted(context.Background(), local, notes)
		if err != nil {
			t.Fatal(err)
		}
		if wantCounts["note"]["NAME"] == 0 || wantCounts["note"]["PHONE"] == 0 {
			t.Fatalf("%s in process counts %v: the notes have names and phones", c.name, wantCounts)
		}
		remote := servePlugin(t, c.name, c.stream)
		tr, err := remote.New(context.Background(), c.params, anonymize.Env{Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		ct, ok := tr.(countingTransform)
		if !ok {
			t.Fatalf("%s: the plugin's transform %T has no ApplyCounted", c.name, tr)
		}
		got, gotCounts, err := ct.ApplyCounted(context.Background(), notes)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotCounts, wantCounts) {
			t.Errorf("%s %+v: counts across the protocol %v, in process %v", c.name, c.stream, gotCounts, wantCounts)
		}
		if !slices.Equal(got.Column("note").Values(), want.Column("note").Values()) {
			t.Errorf("%s %+v: the scrubbed notes differ from the in-process ones", c.name, c.stream)
		}
	}
	remote := servePlugin(t, "generalize", anonymizer.StreamOptions{})
	tr, err := remote.New(context.Background(), anonymize.Params{"columns": map[string]int{"AGE": 1}}, anonymize.Env{})
	if err == nil {
		if _, counts, err := tr.(countingTransform).ApplyCounted(context.Background(), notes); err == nil && counts != nil {
			t.Errorf("generalize counts %v, want none", counts)
		}
	}
}

// servePlugin serves the built-in name over gRPC on loopback for the
// test and returns the host's side of it.
func servePlugin(t *testing.T, name string, stream anonymizer.StreamOptions) *anonymizer.GRPCClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterAnonymizerServer(srv, &anonymizer.GRPCServer{Impl: anonymizer.Builtin(name)})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Error(err)
		}
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	c, err := (&anonymizer.Plugin{Stream: stream}).GRPCClient(context.Background(), nil, conn)
	if err != nil {
		t.Fatal(err)
	}
	return c.(*anonymizer.GRPCClient)
}
