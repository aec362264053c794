package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// Recorder is the service a recorder plugin provides: a trials.Recorder
// (it turns a source document into trial steps, appending nothing)
// reachable across a process boundary, with a description for listings.
type Recorder interface {
	// Describe says what the recorder is: name, version, the formats it
	// reads and its config's JSON Schema.
	Describe(ctx context.Context) (RecorderDescriptor, error)
	// Parse reads one document as trials.Recorder.Parse does: a malformed
	// document is an EINVALID error, trials.InputErrors when it names
	// several rows or elements.
	Parse(ctx context.Context, r io.Reader, cfg trials.RecorderConfig) ([]trials.StepInput, error)
}

// RecorderDescriptor describes a recorder.
type RecorderDescriptor struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Summary string `json:"summary,omitempty"`
	// Formats are what it reads: media types or short names.
	Formats []string `json:"formats,omitempty"`
	// ConfigSchema is an optional JSON Schema of its config (an object of
	// strings).
	ConfigSchema json.RawMessage `json:"config_schema,omitempty"`
}

// RecorderDescriber is what a trials.Recorder served with StaticRecorder
// may implement to describe itself beyond its name.
type RecorderDescriber interface {
	Describe() RecorderDescriptor
}

// Default bounds of a recorder call: the document sent (as much as the
// trials package reads of an import) and the steps answered in all.
const (
	DefaultMaxRecorderInput  = trials.MaxImportSize
	DefaultMaxRecorderOutput = 256 << 20
)

// chunkBytes is the size of the document's chunks.
const chunkBytes = 1 << 20

// RecorderPlugin is the go-plugin Plugin of the recorder service. Impl is
// set on the plugin's side only; the limits on the host's side (0: the
// defaults).
type RecorderPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Recorder
	// MaxMessageBytes bounds each message; MaxInputBytes the document
	// sent; MaxOutputBytes the steps received in all.
	MaxMessageBytes int
	MaxInputBytes   int64
	MaxOutputBytes  int64
}

// GRPCServer registers the plugin's implementation (plugin side).
func (p *RecorderPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterRecorderServer(s, &RecorderGRPCServer{Impl: p.Impl})
	return nil
}

// GRPCClient returns the host's side of the service.
func (p *RecorderPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	rc := &RecorderGRPCClient{client: pb.NewRecorderClient(c), maxMessage: p.MaxMessageBytes, maxInput: p.MaxInputBytes, maxOutput: p.MaxOutputBytes}
	if rc.maxMessage <= 0 {
		rc.maxMessage = DefaultMaxMessageBytes
	}
	if rc.maxInput <= 0 {
		rc.maxInput = DefaultMaxRecorderInput
	}
	if rc.maxOutput <= 0 {
		rc.maxOutput = DefaultMaxRecorderOutput
	}
	return rc, nil
}

// ---- client side ----

// RecorderGRPCClient is a Recorder served by another process.
type RecorderGRPCClient struct {
	client     pb.RecorderClient
	maxMessage int
	maxInput   int64
	maxOutput  int64
}

// Describe implements Recorder.
func (c *RecorderGRPCClient) Describe(ctx context.Context) (RecorderDescriptor, error) {
	d, err := c.client.Describe(ctx, &pb.RecorderDescribeRequest{})
	if err != nil {
		return RecorderDescriptor{}, recorderFromStatus(err)
	}
	return recorderDescriptorFrom(d)
}

// Parse implements Recorder: the document goes in chunks while the steps
// come back in batches. More than the input limit fails the call with an
// EINVALID error; more than the output limit, or a step that does not
// decode, fails it naming the limit or the step.
func (c *RecorderGRPCClient) Parse(ctx context.Context, r io.Reader, cfg trials.RecorderConfig) ([]trials.StepInput, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Parse(ctx, grpc.MaxCallRecvMsgSize(c.maxMessage), grpc.MaxCallSendMsgSize(c.maxMessage))
	if err != nil {
		return nil, recorderFromStatus(err)
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
	var out []trials.StepInput
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
			return nil, recorderFromStatus(err)
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
				es := make(trials.InputErrors, len(msg.Done.Errors))
				for i, e := range msg.Done.Errors {
					es[i] = trials.InputError{Ref: e.Ref, Msg: e.Message}
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
func (c *RecorderGRPCClient) send(stream grpc.BidiStreamingClient[pb.ParseRequest, pb.ParseResponse], r io.Reader) error {
	buf := make([]byte, min(chunkBytes, max(c.maxMessage-1024, 1)))
	var sent int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			sent += int64(n)
			if sent > c.maxInput {
				return marketplace.Errorf(marketplace.EINVALID, "Import: the document is larger than %d bytes.", c.maxInput)
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
			return recorderFromStatus(err)
		}
	}
}

// ---- server side ----

// RecorderGRPCServer serves a Recorder (plugin side).
type RecorderGRPCServer struct {
	pb.UnimplementedRecorderServer
	Impl Recorder
}

// Describe implements pb.RecorderServer.
func (s *RecorderGRPCServer) Describe(ctx context.Context, _ *pb.RecorderDescribeRequest) (*pb.RecorderDescriptor, error) {
	d, err := s.Impl.Describe(ctx)
	if err != nil {
		return nil, recorderToStatus(err)
	}
	return &pb.RecorderDescriptor{Name: d.Name, Version: d.Version, Summary: d.Summary, Formats: d.Formats, ConfigSchema: d.ConfigSchema}, nil
}

// Parse implements pb.RecorderServer: the chunks feed the recorder through
// a pipe as they come.
func (s *RecorderGRPCServer) Parse(stream grpc.BidiStreamingServer[pb.ParseRequest, pb.ParseResponse]) error {
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
		limit = DefaultMaxMessageBytes
	}
	maxIn := start.MaxInputBytes
	if maxIn <= 0 {
		maxIn = DefaultMaxRecorderInput
	}
	pr, pw := io.Pipe()
	defer pr.Close()
	go func() {
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
					pw.CloseWithError(marketplace.Errorf(marketplace.EINVALID, "Import: the document is larger than %d bytes.", maxIn))
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
	}()
	steps, err := s.Impl.Parse(stream.Context(), pr, trials.RecorderConfig(start.Config))
	if err != nil {
		var es trials.InputErrors
		if errors.As(err, &es) {
			done := &pb.ParseDone{}
			for _, e := range es {
				done.Errors = append(done.Errors, &pb.InputError{Ref: e.Ref, Message: e.Msg})
			}
			return stream.Send(&pb.ParseResponse{Msg: &pb.ParseResponse_Done{Done: done}})
		}
		return recorderToStatus(err)
	}
	// Batches under the host's limit, with room for framing.
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

// ---- steps across the wire ----

func stepTo(in trials.StepInput) (*pb.StepInput, error) {
	s := &pb.StepInput{Ref: in.Ref, Type: in.Type, Subject: in.Subject, Protocol: in.Protocol, DataJson: in.Data,
		Meaning: in.Meaning, CorrectsKey: in.CorrectsKey, UpdateOf: in.UpdateOf, Reason: in.Reason,
		Source: &pb.StepSource{Recorder: in.Source.Recorder, Ref: in.Source.Ref, Key: in.Source.Key, Actor: in.Source.Actor}}
	if in.Corrects != nil {
		s.HasCorrects, s.Corrects = true, *in.Corrects
	}
	if in.Source.At != nil {
		s.Source.At = in.Source.At.Format(time.RFC3339Nano)
	}
	for _, d := range in.Documents {
		s.Documents = append(s.Documents, &pb.Document{Name: d.Name, Sha256: d.SHA256.Bytes(), Size: d.Size})
	}
	return s, nil
}

func stepFrom(s *pb.StepInput) (trials.StepInput, error) {
	in := trials.StepInput{Ref: s.Ref, Type: s.Type, Subject: s.Subject, Protocol: s.Protocol,
		Meaning: s.Meaning, CorrectsKey: s.CorrectsKey, UpdateOf: s.UpdateOf, Reason: s.Reason}
	if len(s.DataJson) > 0 {
		in.Data = json.RawMessage(slices.Clone(s.DataJson))
	}
	if s.HasCorrects {
		c := s.Corrects
		in.Corrects = &c
	}
	if src := s.Source; src != nil {
		in.Source = marketplace.StepSource{Recorder: src.Recorder, Ref: src.Ref, Key: src.Key, Actor: src.Actor}
		if src.At != "" {
			at, err := time.Parse(time.RFC3339Nano, src.At)
			if err != nil {
				return in, fmt.Errorf("source time %q: %v", src.At, err)
			}
			in.Source.At = &at
		}
	}
	for _, d := range s.Documents {
		if len(d.Sha256) != common.HashLength {
			return in, fmt.Errorf("document %q: SHA-256 of %d bytes, want %d", d.Name, len(d.Sha256), common.HashLength)
		}
		in.Documents = append(in.Documents, marketplace.Document{Name: d.Name, SHA256: common.BytesToHash(d.Sha256), Size: d.Size})
	}
	return in, nil
}

func recorderDescriptorFrom(d *pb.RecorderDescriptor) (RecorderDescriptor, error) {
	out := RecorderDescriptor{Name: d.Name, Version: d.Version, Summary: d.Summary, Formats: d.Formats}
	if len(d.ConfigSchema) > 0 {
		if !json.Valid(d.ConfigSchema) {
			return out, errors.New("protocol: the recorder's config schema is not JSON")
		}
		out.ConfigSchema = d.ConfigSchema
	}
	return out, nil
}

// recorderToStatus: an EINVALID error (a malformed document) becomes
// InvalidArgument, anything else keeps its meaning as anonymizers' errors do.
func recorderToStatus(err error) error {
	var me *marketplace.Error
	if errors.As(err, &me) && me.Code == marketplace.EINVALID {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return toStatus(err)
}

// recorderFromStatus turns InvalidArgument back into an EINVALID error.
func recorderFromStatus(err error) error {
	if s, ok := status.FromError(err); ok && s.Code() == codes.InvalidArgument {
		return &marketplace.Error{Code: marketplace.EINVALID, Message: s.Message()}
	}
	return err
}

// isInputInvalid reports whether err is about the input (EINVALID), not
// the plugin.
func isInputInvalid(err error) bool {
	var me *marketplace.Error
	return errors.As(err, &me) && me.Code == marketplace.EINVALID
}

// ---- in-process implementations ----

// BuiltinRecorderNames returns the names of the built-in recorders (form,
// csv, odm), sorted.
func BuiltinRecorderNames() []string { return trials.RecorderNames() }

// IsBuiltinRecorder reports whether name is a built-in recorder.
func IsBuiltinRecorder(name string) bool { return slices.Contains(trials.RecorderNames(), name) }

// builtinRecorderVersion is the built-in recorders' version in listings.
const builtinRecorderVersion = "1.0.0"

// builtinRecorderInfo describes the built-in recorders.
var builtinRecorderInfo = map[string]RecorderDescriptor{
	"form": {Formats: []string{"application/x-www-form-urlencoded"}, Summary: "the UI's step form: one step"},
	"csv":  {Formats: []string{"text/csv"}, Summary: "one step per row, columns mapped in the config"},
	"odm":  {Formats: []string{"application/xml", "CDISC ODM 1.3.2"}, Summary: "CDISC ODM 1.3.2 ClinicalData: AuditRecord gives who/when/why, Signature the meaning"},
}

// BuiltinRecorder returns the built-in recorder name running in this
// process.
func BuiltinRecorder(name string) (Recorder, error) {
	if !IsBuiltinRecorder(name) {
		return nil, fmt.Errorf("no built-in recorder %q", name)
	}
	r, err := trials.LookupRecorder(name)
	if err != nil {
		return nil, err
	}
	d := builtinRecorderInfo[name]
	d.Name, d.Version = name, builtinRecorderVersion
	return StaticRecorder(describedRecorder{r, d}), nil
}

type describedRecorder struct {
	trials.Recorder
	d RecorderDescriptor
}

func (r describedRecorder) Describe() RecorderDescriptor { return r.d }

// StaticRecorder returns r as a Recorder; it describes itself by its name,
// or by its Describe method when it implements RecorderDescriber.
func StaticRecorder(r trials.Recorder) Recorder { return staticRecorder{r} }

type staticRecorder struct{ r trials.Recorder }

func (s staticRecorder) Describe(ctx context.Context) (RecorderDescriptor, error) {
	if d, ok := s.r.(RecorderDescriber); ok {
		out := d.Describe()
		if out.Name == "" {
			out.Name = s.r.Name()
		}
		return out, nil
	}
	return RecorderDescriptor{Name: s.r.Name()}, nil
}

func (s staticRecorder) Parse(ctx context.Context, r io.Reader, cfg trials.RecorderConfig) ([]trials.StepInput, error) {
	return s.r.Parse(ctx, r, cfg)
}

// ---- recorders through the host ----

// Recorder returns the trusted third-party recorder called name; it is a
// trials.Recorder too. The plugin starts on first use, after its hash is
// checked.
func (h *Host) Recorder(name string) *HostedRecorder {
	return &HostedRecorder{h: h, ref: Ref{Name: name, Kind: KindRecorder}}
}

// IsolatedRecorder returns the built-in recorder name running in a process
// of its own (this binary re-executed).
func (h *Host) IsolatedRecorder(name string) *HostedRecorder {
	return &HostedRecorder{h: h, ref: Ref{Name: name, Builtin: true, Kind: KindRecorder}}
}

// HostedRecorder is a recorder running in a plugin process: a Recorder and
// a trials.Recorder. Its calls go through the host (deadlines, restarts,
// errors that name the plugin).
type HostedRecorder struct {
	h   *Host
	ref Ref
}

// Name implements trials.Recorder.
func (r *HostedRecorder) Name() string { return r.ref.Name }

// Describe implements Recorder.
func (r *HostedRecorder) Describe(ctx context.Context) (RecorderDescriptor, error) {
	var d RecorderDescriptor
	err := r.h.Call(ctx, r.ref, func(ctx context.Context, s any) error {
		rec, err := asRecorder(s)
		if err != nil {
			return err
		}
		d, err = rec.Describe(ctx)
		return err
	})
	return d, err
}

// Parse implements Recorder and trials.Recorder. Steps whose source names
// no recorder are marked as this plugin's.
func (r *HostedRecorder) Parse(ctx context.Context, in io.Reader, cfg trials.RecorderConfig) ([]trials.StepInput, error) {
	var out []trials.StepInput
	err := r.h.Call(ctx, r.ref, func(ctx context.Context, s any) error {
		rec, err := asRecorder(s)
		if err != nil {
			return err
		}
		out, err = rec.Parse(ctx, in, cfg)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Source.Recorder == "" {
			out[i].Source.Recorder = r.ref.Name
		}
	}
	return out, nil
}

func asRecorder(s any) (Recorder, error) {
	r, ok := s.(Recorder)
	if !ok {
		return nil, fmt.Errorf("the service is %T, not a recorder", s)
	}
	return r, nil
}

// TrustedRecorder returns the trusted third-party recorder called name, if
// the allow-list has one (it does not start it). Built-in names are not
// looked up.
func (h *Host) TrustedRecorder(name string) (trials.Recorder, bool, error) {
	if h.trust.Path == "" || IsBuiltinRecorder(name) {
		return nil, false, nil
	}
	e, ok, err := h.trust.Find(name)
	if err != nil || !ok || !slices.Contains(e.Kinds, KindRecorder) {
		return nil, false, err
	}
	return h.Recorder(name), true, nil
}

// TrustedRecorderNames lists the allow-listed recorders, sorted.
func (h *Host) TrustedRecorderNames() ([]string, error) {
	if h.trust.Path == "" {
		return nil, nil
	}
	list, err := h.trust.Load()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range list {
		if slices.Contains(e.Kinds, KindRecorder) && !IsBuiltinRecorder(e.Name) {
			names = append(names, e.Name)
		}
	}
	return names, nil
}
