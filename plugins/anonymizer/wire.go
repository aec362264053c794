package anonymizer

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/medmarket/medmarket/anonymize"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

func descriptorTo(d anonymize.Descriptor) *pb.Descriptor {
	return &pb.Descriptor{Name: d.Name, Version: d.Version, Scope: string(d.Scope), Summary: d.Summary, ConfigSchema: d.ConfigSchema, Scrubber: d.Scrubber}
}

func descriptorFrom(d *pb.Descriptor) (anonymize.Descriptor, error) {
	out := anonymize.Descriptor{Name: d.Name, Version: d.Version, Scope: anonymize.Scope(d.Scope), Summary: d.Summary, Scrubber: d.Scrubber}
	if len(d.ConfigSchema) > 0 {
		if !json.Valid(d.ConfigSchema) {
			return out, errors.New("protocol: the plugin's config schema is not JSON")
		}
		out.ConfigSchema = d.ConfigSchema
	}
	if out.Scope != anonymize.ScopeRow && out.Scope != anonymize.ScopeTable {
		return out, fmt.Errorf("protocol: the plugin's scope is %q, want %q or %q", d.Scope, anonymize.ScopeRow, anonymize.ScopeTable)
	}
	return out, nil
}

func searchTo(r *anonymize.SearchResult) *pb.Search {
	if r == nil {
		return nil
	}
	s := &pb.Search{Method: string(r.Method), Suppressed: int64(r.Suppressed), Loss: r.Loss,
		Evaluated: int64(r.Evaluated), LatticeNodes: int64(r.LatticeNodes)}
	if len(r.Levels) > 0 {
		s.Levels = make(map[string]int64, len(r.Levels))
		for k, v := range r.Levels {
			s.Levels[k] = int64(v)
		}
	}
	return s
}

func searchFrom(s *pb.Search) *anonymize.SearchResult {
	if s == nil {
		return nil
	}
	r := &anonymize.SearchResult{Method: anonymize.Method(s.Method), Suppressed: int(s.Suppressed), Loss: s.Loss,
		Evaluated: int(s.Evaluated), LatticeNodes: int(s.LatticeNodes)}
	if len(s.Levels) > 0 {
		r.Levels = make(map[string]int, len(s.Levels))
		for k, v := range s.Levels {
			r.Levels[k] = int(v)
		}
	}
	return r
}
