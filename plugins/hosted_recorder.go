package plugins

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/medmarket/medmarket/plugins/recorder"
)

// Recorder returns the trusted third-party recorder called name. The plugin starts on first use, after its hash is
// checked.
func (h *Host) Recorder(name string) *HostedRecorder {
	return &HostedRecorder{h: h, ref: Ref{Name: name, Kind: KindRecorder}}
}

// IsolatedRecorder returns the built-in recorder name running in a process
// of its own (this binary re-executed).
func (h *Host) IsolatedRecorder(name string) *HostedRecorder {
	return &HostedRecorder{h: h, ref: Ref{Name: name, Builtin: true, Kind: KindRecorder}}
}

// HostedRecorder is a recorder running in a plugin process: a
// recorder.Recorder and a recorder.Parser. Its calls go through the host
// (deadlines, restarts, errors that name the plugin).
type HostedRecorder struct {
	h   *Host
	ref Ref
}

// Name implements recorder.Parser.
func (r *HostedRecorder) Name() string { return r.ref.Name }

// Describe implements recorder.Recorder.
func (r *HostedRecorder) Describe(ctx context.Context) (recorder.Descriptor, error) {
	var d recorder.Descriptor
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

// Parse implements recorder.Recorder. Steps whose source names
// no recorder are marked as this plugin's.
func (r *HostedRecorder) Parse(ctx context.Context, in io.Reader, cfg recorder.Config) ([]recorder.Step, error) {
	var out []recorder.Step
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

func asRecorder(s any) (recorder.Recorder, error) {
	r, ok := s.(recorder.Recorder)
	if !ok {
		return nil, fmt.Errorf("the service is %T, not a recorder", s)
	}
	return r, nil
}

// TrustedRecorder returns the trusted third-party recorder called name, if
// the allow-list has one (it does not start it). Built-in names are not
// looked up.
func (h *Host) TrustedRecorder(name string) (*HostedRecorder, bool, error) {
	if h.trust.Path == "" || h.isBuiltinRecorder(name) {
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
		if slices.Contains(e.Kinds, KindRecorder) && !h.isBuiltinRecorder(e.Name) {
			names = append(names, e.Name)
		}
	}
	return names, nil
}
