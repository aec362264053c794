package anonymizer

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
	pb "github.com/medmarket/medmarket/plugins/proto"
)

// The samples a plugin decodes are the samples the host took: a plan made
// from them decides as Safe Harbor does on the whole columns.
func TestPlanRequest_roundTrip(t *testing.T) {
	tab := anonymizetest.Patients(2000, 3)
	samples, err := decodeSamples(planRequest(tab, anonymize.SampleValues))
	if err != nil {
		t.Fatal(err)
	}
	sh := &anonymize.SafeHarbor{}
	want := sh.Plan(tab)
	for i, c := range tab.Columns {
		s := samples[i]
		if got := anonymize.SampleOf(c); s.Name != got.Name || s.Type != got.Type || s.Role != got.Role ||
			s.Rows != got.Rows || s.Distinct != got.Distinct || len(s.Values) != len(got.Values) {
			t.Errorf("column %s: sample %+v, want %+v", c.Name, s, got)
		}
		if got := anonymize.SuggestSample(s).Category; got != anonymize.SuggestColumn(c).Category {
			t.Errorf("column %s: category %v from the sample, %v from the column (Safe Harbor plans %v)", c.Name, got, anonymize.SuggestColumn(c).Category, want[c.Name])
		}
	}
}

func FuzzDecodePlan(f *testing.F) {
	seed, _ := proto.Marshal(planRequest(anonymizetest.Patients(50, 1), anonymize.SampleValues))
	f.Add(seed)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m pb.Plan
		if err := proto.Unmarshal(raw, &m); err != nil {
			return
		}
		samples, err := decodeSamples(&m)
		if err != nil {
			return
		}
		acts, _, err := (&anonymize.SafeHarbor{}).PlanColumns(samples)
		if err == nil && len(acts) != len(samples) {
			t.Fatalf("%d actions for %d columns", len(acts), len(samples))
		}
	})
}
