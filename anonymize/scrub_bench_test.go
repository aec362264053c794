package anonymize_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// scrubScore counts, per PHI type, the annotated identifiers and how many
// the scrubber covered (recall), and the findings and how many hit an
// identifier (precision).
type scrubScore struct {
	gold, found, findings, hits map[string]int
	misses                      []string
}

// scoreScrubber runs the scrubber over notes. An annotated identifier is
// found when every letter and digit of it lies inside some finding (of any
// type: what matters is that it does not survive); a finding is a hit when
// it overlaps an annotated identifier.
func scoreScrubber(t testing.TB, notes []anonymizetest.AnnotatedNote) scrubScore {
	s, err := anonymize.NewScrubber()
	if err != nil {
		t.Fatal(err)
	}
	sc := scrubScore{gold: map[string]int{}, found: map[string]int{}, findings: map[string]int{}, hits: map[string]int{}}
	for _, n := range notes {
		spans := s.Find(n.Text)
		covered := make([]bool, len(n.Text))
		for _, sp := range spans {
			for i := sp.Start; i < sp.End; i++ {
				covered[i] = true
			}
			sc.findings[sp.Type]++
			hit := false
			for _, g := range n.PHI {
				if sp.Start < g.End && g.Start < sp.End {
					sc.hits[sp.Type]++
					hit = true
					break
				}
			}
			if !hit && len(sc.misses) < 80 {
				sc.misses = append(sc.misses, "extra "+sp.Type+" "+n.Text[sp.Start:sp.End])
			}
		}
		for _, g := range n.PHI {
			sc.gold[g.Type]++
			ok := true
			for i, r := range n.Text[g.Start:g.End] {
				if (unicode.IsLetter(r) || unicode.IsDigit(r)) && !covered[g.Start+i] {
					ok = false
				}
			}
			if ok {
				sc.found[g.Type]++
			} else if len(sc.misses) < 80 {
				sc.misses = append(sc.misses, "missed "+g.Type+" "+n.Text[g.Start:g.End]+" in: "+n.Text)
			}
		}
	}
	return sc
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// table writes the score as a text table, one line a type and a total.
func (sc scrubScore) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %6s %8s %8s %9s\n", "type", "PHI", "recall", "findings", "precision")
	tg, tf, tn, th := 0, 0, 0, 0
	for _, typ := range anonymize.PHITypes {
		fmt.Fprintf(&b, "%-8s %6d %7.2f%% %8d %8.2f%%\n", typ, sc.gold[typ], 100*ratio(sc.found[typ], sc.gold[typ]), sc.findings[typ], 100*ratio(sc.hits[typ], sc.findings[typ]))
		tg, tf, tn, th = tg+sc.gold[typ], tf+sc.found[typ], tn+sc.findings[typ], th+sc.hits[typ]
	}
	fmt.Fprintf(&b, "%-8s %6d %7.2f%% %8d %8.2f%%\n", "all", tg, 100*ratio(tf, tg), tn, 100*ratio(th, tn))
	return b.String()
}

func (sc scrubScore) total() (recall, precision float64) {
	tg, tf, tn, th := 0, 0, 0, 0
	for _, typ := range anonymize.PHITypes {
		tg, tf, tn, th = tg+sc.gold[typ], tf+sc.found[typ], tn+sc.findings[typ], th+sc.hits[typ]
	}
	return ratio(tf, tg), ratio(th, tn)
}

// BenchmarkScrubNotes measures the scrubber on 2,000 annotated synthetic
// notes: speed, and recall and precision per PHI type (printed as a table,
// reported as metrics). Run:
//
//	go test -run XXX -bench ScrubNotes -benchtime 1x ./anonymize/
func BenchmarkScrubNotes(b *testing.B) {
	benchScrub(b, anonymizetest.AnnotatedNotes(2000, 12))
}

// BenchmarkScrubNotesHeldOut measures it on the held-out templates
// (anonymizetest.AnnotatedNotesHeldOut), which the scrubber was not tuned
// on.
func BenchmarkScrubNotesHeldOut(b *testing.B) {
	benchScrub(b, anonymizetest.AnnotatedNotesHeldOut(2000, 13))
}

func benchScrub(b *testing.B, notes []anonymizetest.AnnotatedNote) {
	var sc scrubScore
	b.ResetTimer()
	for range b.N {
		sc = scoreScrubber(b, notes)
	}
	b.StopTimer()
	recall, precision := sc.total()
	b.ReportMetric(100*recall, "recall%")
	b.ReportMetric(100*precision, "precision%")
	b.Logf("\n%s", sc.table())
	for _, m := range sc.misses {
		b.Logf("%s", m)
	}
}

// TestAnnotatedNotesScored checks the benchmark's measure itself on a
// small set: identifiers are annotated, and a scrubber that found nothing
// would score 0 (so the figures can fail).
func TestAnnotatedNotesScored(t *testing.T) {
	notes := anonymizetest.AnnotatedNotes(50, 3)
	sc := scoreScrubber(t, notes)
	if sc.gold[anonymize.PHIName] == 0 || sc.gold[anonymize.PHIDate] == 0 || sc.gold[anonymize.PHIPhone] == 0 {
		t.Fatalf("annotations %v", sc.gold)
	}
	for _, n := range notes {
		for _, g := range n.PHI {
			if g.Start >= g.End || g.End > len(n.Text) {
				t.Fatalf("span %v out of %q", g, n.Text)
			}
		}
	}
	empty := scrubScore{gold: sc.gold, found: map[string]int{}, findings: map[string]int{}, hits: map[string]int{}}
	if r, _ := empty.total(); r != 0 {
		t.Fatalf("recall with nothing found = %v", r)
	}
	if r, _ := sc.total(); r < 0.9 {
		t.Errorf("recall %.3f on 50 notes\n%s", r, sc.table())
	}
}
