package anonymizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

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

// scrubCountsTo lists counts by column and PHI type, in name order so the
// message is the same for the same counts.
func scrubCountsTo(byColumn map[string]anonymize.ScrubCounts) []*pb.ScrubCount {
	var out []*pb.ScrubCount
	for _, col := range slices.Sorted(maps.Keys(byColumn)) {
		for _, typ := range slices.Sorted(maps.Keys(byColumn[col])) {
			if n := byColumn[col][typ]; n != 0 {
				out = append(out, &pb.ScrubCount{Column: col, PhiType: typ, Count: int64(n)})
			}
		}
	}
	return out
}

// scrubCountsFrom is the counts a plugin's Done says its scrubber
// replaced; nil when it says none.
func scrubCountsFrom(list []*pb.ScrubCount) map[string]anonymize.ScrubCounts {
	if len(list) == 0 {
		return nil
	}
	out := map[string]anonymize.ScrubCounts{}
	for _, s := range list {
		if out[s.Column] == nil {
			out[s.Column] = anonymize.ScrubCounts{}
		}
		out[s.Column][s.PhiType] += int(s.Count)
	}
	return out
}
