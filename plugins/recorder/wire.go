package recorder

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	pb "github.com/medmarket/medmarket/plugins/proto"
)

func stepTo(in Step) (*pb.StepInput, error) {
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
		s.Documents = append(s.Documents, &pb.Document{Name: d.Name, Sha256: d.SHA256[:], Size: d.Size})
	}
	return s, nil
}

func stepFrom(s *pb.StepInput) (Step, error) {
	in := Step{Ref: s.Ref, Type: s.Type, Subject: s.Subject, Protocol: s.Protocol,
		Meaning: s.Meaning, CorrectsKey: s.CorrectsKey, UpdateOf: s.UpdateOf, Reason: s.Reason}
	if len(s.DataJson) > 0 {
		in.Data = json.RawMessage(slices.Clone(s.DataJson))
	}
	if s.HasCorrects {
		c := s.Corrects
		in.Corrects = &c
	}
	if src := s.Source; src != nil {
		in.Source = Source{Recorder: src.Recorder, Ref: src.Ref, Key: src.Key, Actor: src.Actor}
		if src.At != "" {
			at, err := time.Parse(time.RFC3339Nano, src.At)
			if err != nil {
				return in, fmt.Errorf("source time %q: %v", src.At, err)
			}
			in.Source.At = &at
		}
	}
	for _, d := range s.Documents {
		if len(d.Sha256) != len(Hash{}) {
			return in, fmt.Errorf("document %q: SHA-256 of %d bytes, want %d", d.Name, len(d.Sha256), len(Hash{}))
		}
		in.Documents = append(in.Documents, Document{Name: d.Name, SHA256: Hash(d.Sha256), Size: d.Size})
	}
	return in, nil
}

func descriptorFrom(d *pb.RecorderDescriptor) (Descriptor, error) {
	out := Descriptor{Name: d.Name, Version: d.Version, Summary: d.Summary, Formats: d.Formats}
	if len(d.ConfigSchema) > 0 {
		if !json.Valid(d.ConfigSchema) {
			return out, errors.New("protocol: the recorder's config schema is not JSON")
		}
		out.ConfigSchema = d.ConfigSchema
	}
	return out, nil
}
