package anonymize_test

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/anonymizetest"
)

// The scale benchmark (issue 12, "Scale"): a clinic's export of many
// patients, one Bundle each, varied from the Synthea Bundles in
// ../shared/data (anonymizetest.WriteBundles), read as one release, keyed
// (one pseudonym and one date offset per patient) and anonymized with the
// safe-harbor preset (notes scrubbed) on every table, as the CLI's
// `anonymize --in FOLDER` does. It reports the time of each stage, rows
// per second and the peak heap and resident memory.
//
//	go test -run XXX -bench ReleaseScale -benchtime 1x ./anonymize/     # 500 patients
//	go test -run XXX -bench Release10k -benchtime 1x -timeout 30m ./anonymize/
//
// MEDMARKET_SCALE_PATIENTS sets ReleaseScale's number of patients;
// MEDMARKET_SCALE_DIR keeps the generated Bundles in that folder between
// runs (regenerated when its count differs) instead of a temporary one.

// BenchmarkReleaseScale runs the release at MEDMARKET_SCALE_PATIENTS
// patients (default 500).
func BenchmarkReleaseScale(b *testing.B) {
	n := 500
	if s := os.Getenv("MEDMARKET_SCALE_PATIENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("MEDMARKET_SCALE_PATIENTS=%q: want a positive number", s)
		}
		n = v
	}
	benchmarkRelease(b, n)
}

// BenchmarkRelease10k runs the release of the clinic: 10,000
// patients, about 12 GB of Bundles and 2.4 M observations.
func BenchmarkRelease10k(b *testing.B) {
	benchmarkRelease(b, 10_000)
}

func benchmarkRelease(b *testing.B, patients int) {
	set := scaleBundles(b, patients)
	paths, err := filepath.Glob(filepath.Join(set.Dir, "p*.json"))
	if err != nil || len(paths) != patients {
		b.Fatalf("%d bundles in %s, want %d (%v)", len(paths), set.Dir, patients, err)
	}
	b.Logf("%d patients: %d files, %.2f GB, %d resources, %d observations", patients, len(paths), float64(set.Bytes)/1e9, set.Resources, set.Observations)
	b.SetBytes(set.Bytes)
	secret := []byte("scale-benchmark-secret-0123456789")
	// MEDMARKET_SCALE_PRESET picks the preset (default safe-harbor; e.g.
	// safe-harbor-k5 for k = 5 on patients).
	preset := cmp.Or(os.Getenv("MEDMARKET_SCALE_PRESET"), "safe-harbor")
	for b.Loop() {
		runtime.GC()
		peak := startPeakMemory()
		stages := &stageClock{}
		steps := &stepClock{}
		ctx := context.Background()

		var tables []*anonymize.Table
		stages.run("read", func() {
			tables, err = anonymize.ReadInputs(fileInputs(paths), anonymize.InputOptions{Name: filepath.Base(set.Dir)})
		})
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for _, t := range tables {
			rows += t.NumRows()
		}
		// The product's path: one release, keyed (one pseudonym and date
		// offset per patient), Safe Harbor with notes scrubbed on every
		// table, k and risk counted on patients.
		var rr *anonymize.ReleaseResult
		stages.run("anonymize", func() {
			var rel *anonymize.Release
			var cfg *anonymize.Config
			var pl *anonymize.Pipeline
			if rel, err = anonymize.NewFHIRRelease(tables); err != nil {
				return
			}
			if cfg, err = anonymize.Preset(preset); err != nil {
				return
			}
			if pl, err = cfg.Build(anonymize.Env{Secret: secret, AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
				return
			}
			pl.Progress = steps.start
			rr, err = pl.RunRelease(ctx, rel, &anonymize.ReleaseKey{Secret: secret})
			steps.start(-1, "")
		})
		if err != nil {
			b.Fatal(err)
		}
		results := rr.Tables
		heap, rss := peak.stop()
		total := stages.total()
		var summary []string
		for _, r := range results {
			line := fmt.Sprintf("%s %d", r.Table.Name, r.Table.NumRows())
			for _, f := range r.Report.FreeText {
				if f.Replaced != nil {
					line += fmt.Sprintf(" (%s: %s)", f.Column, f.Replaced)
				}
			}
			if !r.Verdict.Pass {
				line += " FAILS: " + strings.Join(r.Verdict.Reasons, "; ")
			}
			summary = append(summary, line)
		}
		b.Logf("tables: %s", strings.Join(summary, ", "))
		logReleaseRisk(b, rr)
		b.Logf("%d rows in %.1f s (%s): %.0f rows/s, %.0f MB/s; peak heap %.0f MB, peak RSS %.0f MB",
			rows, total.Seconds(), stages, float64(rows)/total.Seconds(), float64(set.Bytes)/1e6/total.Seconds(), heap/1e6, rss/1e6)
		b.Logf("anonymize by step (each step's time runs to the next step's start: the last step of a table includes its report): %s", steps)
		b.ReportMetric(float64(rows)/total.Seconds(), "rows/s")
		b.ReportMetric(heap/1e6, "peak-heap-MB")
		b.ReportMetric(rss/1e6, "peak-RSS-MB")
		for _, s := range stages.names {
			b.ReportMetric(stages.took[s].Seconds(), s+"-s")
			b.ReportMetric(stages.cpu[s].Seconds(), s+"-cpu-s")
		}
	}
}

// scaleBundles returns the generated set of n patients: in
// MEDMARKET_SCALE_DIR when set (kept, and reused when it holds n
// patients), else in a temporary folder.
func scaleBundles(b *testing.B, n int) anonymizetest.BundleSet {
	b.Helper()
	src := sharedData(b, "synthea-fhir")
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no Synthea bundles in %s: %v", src, err)
	}
	dir := os.Getenv("MEDMARKET_SCALE_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	manifest := filepath.Join(dir, "bundles.txt")
	var set anonymizetest.BundleSet
	if m, err := os.ReadFile(manifest); err == nil {
		if _, err := fmt.Sscan(string(m), &set.Patients, &set.Bytes, &set.Resources, &set.Observations); err == nil && set.Patients == n {
			set.Dir = dir
			return set
		}
	}
	old, _ := filepath.Glob(filepath.Join(dir, "p*.json"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			b.Fatal(err)
		}
	}
	templates := make([][]byte, len(files))
	for i, f := range files {
		if templates[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	set, err = anonymizetest.WriteBundles(dir, templates, n, 12, runtime.GOMAXPROCS(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d patients' Bundles (%.2f GB) in %s in %.1f s", n, float64(set.Bytes)/1e9, dir, time.Since(start).Seconds())
	if err := os.WriteFile(manifest, fmt.Appendf(nil, "%d %d %d %d\n", set.Patients, set.Bytes, set.Resources, set.Observations), 0o644); err != nil {
		b.Fatal(err)
	}
	return set
}

// stageClock times the stages of one run: wall time, and the process's
// CPU time (Linux; shows how much of the wall time the stage had the
// processors, on a machine shared with other work).
type stageClock struct {
	names []string
	took  map[string]time.Duration
	cpu   map[string]time.Duration
}

func (s *stageClock) run(name string, f func()) {
	if s.took == nil {
		s.took, s.cpu = map[string]time.Duration{}, map[string]time.Duration{}
	}
	start, cpu := time.Now(), processCPU()
	f()
	s.names = append(s.names, name)
	s.took[name] += time.Since(start)
	s.cpu[name] += processCPU() - cpu
}

// processCPU is the CPU time (user and system) the process has used, from
// /proc/self/stat; 0 where there is none.
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from the state on
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(user+sys) * (time.Second / 100) // USER_HZ
}

// stepClock times the pipeline's steps by name, across tables.
type stepClock struct {
	names []string
	took  map[string]time.Duration
	cur   string
	since time.Time
}

// start ends the running step and starts step name (i -1: none).
func (s *stepClock) start(i int, name string) {
	now := time.Now()
	if s.took == nil {
		s.took = map[string]time.Duration{}
	}
	if s.cur != "" {
		if _, ok := s.took[s.cur]; !ok {
			s.names = append(s.names, s.cur)
		}
		s.took[s.cur] += now.Sub(s.since)
	}
	s.cur, s.since = name, now
	if i < 0 {
		s.cur = ""
	}
}

func (s *stepClock) String() string {
	parts := make([]string, len(s.names))
	for i, n := range s.names {
		parts[i] = fmt.Sprintf("%s %.1f s", n, s.took[n].Seconds())
	}
	return strings.Join(parts, ", ")
}

func (s *stageClock) total() time.Duration {
	var t time.Duration
	for _, d := range s.took {
		t += d
	}
	return t
}

func (s *stageClock) String() string {
	parts := make([]string, len(s.names))
	for i, n := range s.names {
		parts[i] = fmt.Sprintf("%s %.1f s (CPU %.1f s)", n, s.took[n].Seconds(), s.cpu[n].Seconds())
	}
	return strings.Join(parts, ", ")
}

// peakMemory samples the live heap every 20 ms (runtime/metrics, no
// stop-the-world) and reads the peak resident set from /proc (reset at
// the start where the kernel allows it).
type peakMemory struct {
	done chan struct{}
	wg   sync.WaitGroup
	heap uint64
}

func startPeakMemory() *peakMemory {
	// Writing 5 to clear_refs resets VmHWM (Linux); elsewhere the peak
	// stays the process's.
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	p := &peakMemory{done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			p.heap = max(p.heap, sample[0].Value.Uint64()+sample[1].Value.Uint64())
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// stop returns the peak heap in use and the peak resident set, in bytes
// (0 when /proc is not there).
func (p *peakMemory) stop() (heap, rss float64) {
	close(p.done)
	p.wg.Wait()
	return float64(p.heap), float64(vmHWM())
}

func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// logReleaseRisk logs the release's patient-level risk figures and verdict.
func logReleaseRisk(b *testing.B, rr *anonymize.ReleaseResult) {
	r := rr.Report.Risk
	line := fmt.Sprintf("release of %d patients: prosecutor risk highest %.1f %%, average %.1f %%, records at risk %.1f %%; journalist highest %.1f %%; marketer %.1f %%",
		rr.Patients, 100*r.Prosecutor.Highest, 100*r.Prosecutor.Average, 100*r.Prosecutor.RecordsAtRisk, 100*r.Journalist.Highest, 100*r.Marketer)
	if p := r.Population; p != nil {
		line += fmt.Sprintf("; population (%s, f = %g): %.2f %% unique (upper bound %v)", p.Model, p.SamplingFraction, 100*p.UniqueShare, p.UpperBound)
	}
	b.Logf("%s; verdict %s", line, rr.Verdict)
}
