package trials

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// BenchmarkTrialAppend measures signed appends: each step is checked, its
// subject pseudonymized, its canonical JSON signed with the sponsor's key
// (EIP-191, secp256k1, signatures in parallel across cores) and appended to
// the trial's log in batches, one buntdb transaction and one fsync per batch
// (SyncPolicy Always, on the test's temp dir): a batch is durable when
// Record returns. The trial is put in place without a chain.
func BenchmarkTrialAppend(b *testing.B) {
	for _, batch := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			svc, tr, sponsor := benchTrial(b)
			inputs := make([]StepInput, batch)
			for i := range inputs {
				inputs[i] = StepInput{Type: "visit", Subject: fmt.Sprintf("S-%03d", i%500),
					Data: json.RawMessage(`{"sbp":128,"dbp":82,"visit":"week 4"}`)}
			}
			benchRecord(b, svc, tr, sponsor, inputs)
		})
	}
}

// BenchmarkTrialAppendTeam is BenchmarkTrialAppend signed by a trial
// team's coordinator at one site: every step passes the role check (the
// coordinator's grant at the subject's site); "plain" steps carry the
// same data as BenchmarkTrialAppend, "form" steps are visits entered
// through a designed form, each value checked against the design version
// it names.
func BenchmarkTrialAppendTeam(b *testing.B) {
	for _, batch := range []int{1, 100, 1000} {
		for _, form := range []bool{false, true} {
			name := fmt.Sprintf("batch=%d/plain", batch)
			if form {
				name = fmt.Sprintf("batch=%d/form", batch)
			}
			b.Run(name, func(b *testing.B) {
				svc, tr, sponsor := benchTrial(b)
				coord := newKeySigner(b)
				design, _ := json.Marshal(vitalSigns())
				grant, _ := json.Marshal(marketplace.StaffGrant{Account: coord.Address(), Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"})
				if _, err := svc.Record(ctx, sponsor, tr.ID, []StepInput{{Type: "study_design", Data: design}, {Type: "staff_authorization", Data: grant}}); err != nil {
					b.Fatal(err)
				}
				inputs := make([]StepInput, batch)
				for i := range inputs {
					subject := fmt.Sprintf("S-%03d", i%500)
					inputs[i] = StepInput{Type: "visit", Subject: subject, Data: json.RawMessage(`{"sbp":128,"dbp":82,"visit":"week 4"}`)}
					if form {
						inputs[i] = formInput(subject, "128")
					}
				}
				benchRecord(b, svc, tr, coord, inputs)
			})
		}
	}
}

// BenchmarkTeamCheck measures the role and design checks alone, per step
// (Team.Check and Apply of a coordinator's designed-form visit), to set
// against the cost of a signed append.
func BenchmarkTeamCheck(b *testing.B) {
	sponsor, coord := newKeySigner(b), newKeySigner(b)
	tr := marketplace.Trial{Identifier: "NCT99999998", Sponsor: sponsor.Address()}
	tm := NewTeam(tr)
	design, _ := json.Marshal(vitalSigns())
	grant, _ := json.Marshal(marketplace.StaffGrant{Account: coord.Address(), Name: "Cora Coordinator", Role: marketplace.RoleCoordinator, Site: "A"})
	for i, s := range []marketplace.Step{
		{Type: marketplace.StepRegistration, Who: sponsor.Address()},
		{Type: marketplace.StepStudyDesign, Who: sponsor.Address(), Data: design},
		{Type: marketplace.StepStaffAuthorization, Who: sponsor.Address(), Data: grant},
	} {
		s.Index = uint64(i)
		if err := tm.Check(&s); err != nil {
			b.Fatal(err)
		}
		tm.Apply(&s, true)
	}
	data := json.RawMessage(`{"design":1,"event":"SE.V1","form":"F.VS","items":{"I.SYSBP":128}}`)
	who := coord.Address()
	subjects := make([]string, 500)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("S-%032x", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := marketplace.Step{Index: tm.Size(), Type: marketplace.StepVisit, Subject: subjects[i%500], Site: "A",
			Who: who, Name: "Cora Coordinator", Meaning: marketplace.MeaningAuthored, Data: data}
		if err := tm.Check(&s); err != nil {
			b.Fatal(err)
		}
		tm.Apply(&s, true)
	}
}

// BenchmarkVerifyTrial measures an auditor's offline verification of a
// trial of 100,000 entries signed by 20 staff at 4 sites (and the
// sponsor): every signature recovered, every inclusion proof checked, and
// every entry's signer role replayed. Build it once with -benchtime 1x.
func BenchmarkVerifyTrial(b *testing.B) {
	entries, staff := benchEntries(b), 20
	svc, tr, sponsor := benchTrial(b)
	signers := make([]keySigner, staff)
	var grants []StepInput
	for i := range signers {
		signers[i] = newKeySigner(b)
		g, _ := json.Marshal(marketplace.StaffGrant{Account: signers[i].Address(), Name: fmt.Sprintf("Staff %02d", i),
			Role: marketplace.RoleCoordinator, Site: fmt.Sprintf("S%d", i%4)})
		grants = append(grants, StepInput{Type: "staff_authorization", Data: g})
	}
	design, _ := json.Marshal(vitalSigns())
	grants = append(grants, StepInput{Type: "study_design", Data: design})
	if _, err := svc.Record(ctx, sponsor, tr.ID, grants); err != nil {
		b.Fatal(err)
	}
	for n, batch := len(grants)+1, 0; n < entries; batch++ {
		who := signers[batch%staff]
		k := min(1000, entries-n)
		inputs := make([]StepInput, k)
		for i := range inputs {
			// Each signer has subjects of its own, at its site.
			inputs[i] = formInput(fmt.Sprintf("S-%02d-%03d", batch%staff, i%200), "128")
		}
		if _, err := svc.Record(ctx, who, tr.ID, inputs); err != nil {
			b.Fatal(err)
		}
		n += k
	}
	ex, err := svc.Export(ctx, tr.ID)
	if err != nil {
		b.Fatal(err)
	}
	key, err := svc.Ledger().LogKey(ledger.LogID(tr.ID))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime(b)
	for range b.N {
		rep, err := Verify(ctx, ex, VerifyOptions{VerifierKey: key})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Entries != entries {
			b.Fatalf("verified %d entries", rep.Entries)
		}
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/verify")
	// CPU seconds say what a busy machine's wall time cannot: on an idle
	// one the wall time is about this over the cores (the work is parallel
	// but for the in-order role replay).
	b.ReportMetric((cpuTime(b)-cpu).Seconds()/float64(b.N), "cpu-s/verify")
	b.ReportMetric(float64(entries), "entries")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchTrial is a trial service on a temp dir, SyncPolicy Always, with a
// trial put in place without a chain.
func benchTrial(b *testing.B) (*Service, marketplace.Trial, keySigner) {
	dir := b.TempDir()
	db, err := buntdb.Open(filepath.Join(dir, "node.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	})
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		b.Fatal(err)
	}
	cfg.SyncPolicy = buntdb.Always
	if err := db.SetConfig(cfg); err != nil {
		b.Fatal(err)
	}
	svc, err := New(Config{DB: db, KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		b.Fatal(err)
	}
	sponsor := newKeySigner(b)
	tr := marketplace.Trial{Title: "Benchmark", Identifier: "NCT99999999", Sponsor: sponsor.Address(),
		Protocols: []marketplace.ProtocolVersion{{Version: 1, SHA256: [32]byte{1}, Time: time.Now().UTC()}}}
	tr.ID = marketplace.TrialID(tr.Sponsor, tr.Identifier)
	if err := svc.putTrial(tr); err != nil {
		b.Fatal(err)
	}
	return svc, tr, sponsor
}

// benchRecord records inputs as signer in batches until b.N entries.
func benchRecord(b *testing.B, svc *Service, tr marketplace.Trial, signer keySigner, inputs []StepInput) {
	h, _ := svc.Ledger().Head(ctx, ledger.LogID(tr.ID))
	before := h.Size
	b.ResetTimer()
	start := time.Now()
	n := 0
	for n < b.N {
		k := min(len(inputs), b.N-n)
		if _, err := svc.Record(ctx, signer, tr.ID, inputs[:k]); err != nil {
			b.Fatal(err)
		}
		n += k
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "entries/s")
	b.StopTimer()
	want := before + uint64(n)
	if before == 0 {
		want++ // the registration
	}
	if h, _ := svc.Ledger().Head(ctx, ledger.LogID(tr.ID)); h.Size != want {
		b.Fatalf("log size %d, want %d", h.Size, want)
	}
}

// benchEntries is the size of BenchmarkVerifyTrial's trial: 100,000, or
// MEDMARKET_BENCH_ENTRIES for a quicker profile.
func benchEntries(b *testing.B) int {
	if n, err := strconv.Atoi(os.Getenv("MEDMARKET_BENCH_ENTRIES")); err == nil && n > 100 {
		return n
	}
	return 100_000
}
