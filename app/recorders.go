package app

import (
	"context"
	"errors"
	"io"
	"slices"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
	"github.com/medmarket/medmarket/plugins"
	"github.com/medmarket/medmarket/plugins/recorder"
)

// Trial recorders meet plugins here: the plugins tree knows nothing of
// marketplace/trials (a plugin must link no chain code), so app converts
// between trials' types (StepInput, RecorderConfig, InputErrors, EINVALID
// errors) and plugins/recorder's, both ways: a recorder plugin becomes a
// trials.Recorder (pluginRecorder), and trials' built-in recorders are
// served as recorder plugins (servedRecorder, "medmarket plugin-serve").

// builtinRecorderVersion is the built-in recorders' version in listings.
const builtinRecorderVersion = "1.0.0"

// builtinRecorders describes trials' built-in recorders (form, csv, odm)
// for the plugin host's listings.
func builtinRecorders() []recorder.Descriptor {
	names := trials.RecorderNames()
	out := make([]recorder.Descriptor, len(names))
	for i, n := range names {
		d := builtinRecorderInfo(n)
		d.Name, d.Version = n, builtinRecorderVersion
		out[i] = d
	}
	return out
}

// builtinRecorderInfo says what a built-in recorder reads.
func builtinRecorderInfo(name string) recorder.Descriptor {
	switch name {
	case "form":
		return recorder.Descriptor{Formats: []string{"application/x-www-form-urlencoded"}, Summary: "the UI's step form: one step"}
	case "csv":
		return recorder.Descriptor{Formats: []string{"text/csv"}, Summary: "one step per row, columns mapped in the config"}
	case "odm":
		return recorder.Descriptor{Formats: []string{"application/xml", "CDISC ODM 1.3.2"}, Summary: "CDISC ODM 1.3.2 ClinicalData: AuditRecord gives who/when/why, Signature the meaning"}
	}
	return recorder.Descriptor{}
}

// builtinRecorder returns trials' built-in recorder name as a
// recorder.Recorder running in this process, to be served as a plugin.
func builtinRecorder(name string) (recorder.Recorder, bool) {
	if !slices.Contains(trials.RecorderNames(), name) {
		return nil, false
	}
	r, err := trials.LookupRecorder(name)
	if err != nil {
		return nil, false
	}
	d := builtinRecorderInfo(name)
	d.Name, d.Version = name, builtinRecorderVersion
	return servedRecorder{r: r, d: d}, true
}

// servedRecorder is a trials.Recorder as a recorder.Recorder (the plugin's
// side of plugin-serve).
type servedRecorder struct {
	r trials.Recorder
	d recorder.Descriptor
}

func (s servedRecorder) Describe(context.Context) (recorder.Descriptor, error) { return s.d, nil }

func (s servedRecorder) Parse(ctx context.Context, r io.Reader, cfg recorder.Config) ([]recorder.Step, error) {
	ins, err := s.r.Parse(ctx, r, trials.RecorderConfig(cfg))
	if err != nil {
		return nil, recorderErrorTo(err)
	}
	out := make([]recorder.Step, len(ins))
	for i, in := range ins {
		out[i] = stepToRecorder(in)
	}
	return out, nil
}

// pluginRecorder is a recorder plugin run by the host as a trials.Recorder.
type pluginRecorder struct{ h *plugins.HostedRecorder }

func (p pluginRecorder) Name() string { return p.h.Name() }

func (p pluginRecorder) Parse(ctx context.Context, r io.Reader, cfg trials.RecorderConfig) ([]trials.StepInput, error) {
	steps, err := p.h.Parse(ctx, r, recorder.Config(cfg))
	if err != nil {
		return nil, recorderErrorFrom(err)
	}
	out := make([]trials.StepInput, len(steps))
	for i, s := range steps {
		out[i] = stepFromRecorder(s)
	}
	return out, nil
}

// pluginRecorders are the trusted recorder plugins of a host, for
// trials.FindRecorder.
type pluginRecorders struct{ h *plugins.Host }

func (p pluginRecorders) Recorder(name string) (trials.Recorder, bool, error) {
	r, ok, err := p.h.TrustedRecorder(name)
	if !ok || err != nil {
		return nil, ok, err
	}
	return pluginRecorder{r}, true, nil
}

func (p pluginRecorders) Names() ([]string, error) { return p.h.TrustedRecorderNames() }

// stepToRecorder is a step as it crosses the wire.
func stepToRecorder(in trials.StepInput) recorder.Step {
	s := recorder.Step{Ref: in.Ref, Type: in.Type, Subject: in.Subject, Protocol: in.Protocol, Data: in.Data,
		Meaning: in.Meaning, Corrects: in.Corrects, CorrectsKey: in.CorrectsKey, UpdateOf: in.UpdateOf, Reason: in.Reason,
		Source: recorder.Source{Recorder: in.Source.Recorder, Ref: in.Source.Ref, Key: in.Source.Key, Actor: in.Source.Actor, At: in.Source.At}}
	for _, d := range in.Documents {
		s.Documents = append(s.Documents, recorder.Document{Name: d.Name, SHA256: recorder.Hash(d.SHA256), Size: d.Size})
	}
	return s
}

// stepFromRecorder is a step from the wire as trials reads it.
func stepFromRecorder(s recorder.Step) trials.StepInput {
	in := trials.StepInput{Ref: s.Ref, Type: s.Type, Subject: s.Subject, Protocol: s.Protocol, Data: s.Data,
		Meaning: s.Meaning, Corrects: s.Corrects, CorrectsKey: s.CorrectsKey, UpdateOf: s.UpdateOf, Reason: s.Reason,
		Source: marketplace.StepSource{Recorder: s.Source.Recorder, Ref: s.Source.Ref, Key: s.Source.Key, Actor: s.Source.Actor, At: s.Source.At}}
	for _, d := range s.Documents {
		in.Documents = append(in.Documents, marketplace.Document{Name: d.Name, SHA256: common.Hash(d.SHA256), Size: d.Size})
	}
	return in
}

// recorderErrorTo is a trials recorder's error as it crosses the wire:
// InputErrors one by one, any other EINVALID error as an InvalidError.
func recorderErrorTo(err error) error {
	var es trials.InputErrors
	if errors.As(err, &es) {
		out := make(recorder.InputErrors, len(es))
		for i, e := range es {
			out[i] = recorder.InputError{Ref: e.Ref, Msg: e.Msg}
		}
		return out
	}
	if marketplace.ErrorCode(err) == marketplace.EINVALID {
		return &recorder.InvalidError{Msg: err.Error()}
	}
	return err
}

// recorderErrorFrom is a recorder plugin's error as trials and the user
// see it, its message unchanged: InputErrors become trials.InputErrors (an
// EINVALID error errors.As finds), an InvalidError an EINVALID error.
func recorderErrorFrom(err error) error {
	var es recorder.InputErrors
	if errors.As(err, &es) {
		out := make(trials.InputErrors, len(es))
		for i, e := range es {
			out[i] = trials.InputError{Ref: e.Ref, Msg: e.Msg}
		}
		return &inputErrorsFrom{msg: err.Error(), es: out}
	}
	var ie *recorder.InvalidError
	if errors.As(err, &ie) {
		return &marketplace.Error{Code: marketplace.EINVALID, Message: err.Error()}
	}
	return err
}

// inputErrorsFrom keeps the message of a plugin's InputErrors as the host
// explained it (naming the plugin) while errors.As finds trials'.
type inputErrorsFrom struct {
	msg string
	es  trials.InputErrors
}

func (e *inputErrorsFrom) Error() string { return e.msg }
func (e *inputErrorsFrom) Unwrap() error { return e.es }
