package app

import (
	"context"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize/dp"
	"github.com/medmarket/medmarket/marketplace"
)

// noisyMarketApp is marketApp with seeded card-statistics noise.
func noisyMarketApp(t *testing.T, seed byte) *App {
	t.Helper()
	var s [32]byte
	s[0] = seed
	a, err := Open(context.Background(), Options{DataDir: t.TempDir(), Version: "test", LightScrypt: true, Noise: rand.NewChaCha8(s)})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, a)
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(context.Background(), n, "pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(context.Background(), n, ether("10")); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// within says the noisy figure lies within twice its 95 % bound of truth
// (a discrete Gaussian draw lands outside with probability below 0.01 %;
// the seeded noise makes each run the same).
func within(f CardFigure, truth int64) bool {
	return f.Bound95 > 0 && f.Value >= truth-2*f.Bound95 && f.Value <= truth+2*f.Bound95
}

// A published single table carries its statistics under the card ε the
// publisher set, its figures within their bounds, and the default budget
// of questions; a table with no pseudonymized column counts each row as
// its patient and says so.
func TestPublish_cardStatistics(t *testing.T) {
	ctx := context.Background()
	a := noisyMarketApp(t, 1)
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor",
		Title: "With statistics", Price: ether("0.01"), Terms: hmb, CardEpsilon: "2",
		AcceptRisk: &RiskAcceptance{Risk: 1, Words: "test records"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := DecodeCardStatistics(p.Card)
	if err != nil || st == nil {
		t.Fatalf("statistics %v, %v", st, err)
	}
	if st.Epsilon != "2" || st.Mechanism != "discrete Gaussian (zCDP)" || len(st.Tables) != 1 || len(p.Card.Statistics) > marketplace.MaxCardStatisticsBytes {
		t.Fatalf("card statistics %+v (%d bytes)", st, len(p.Card.Statistics))
	}
	tab := st.Tables[0]
	if tab.Epsilon != "2" || tab.PatientColumn != "" || tab.MaxRowsPerPatient != 1 || tab.Patients != tab.Rows {
		t.Errorf("one table without a pseudonym: ε %s, patient column %q, clip %d, patients %+v rows %+v",
			tab.Epsilon, tab.PatientColumn, tab.MaxRowsPerPatient, tab.Patients, tab.Rows)
	}
	if !within(tab.Rows, int64(p.Card.Rows)) {
		t.Errorf("rows %+v, truly %d", tab.Rows, p.Card.Rows)
	}
	checkMissing(t, tab)
	if q := p.Card.Questions; q == nil || q.Epsilon != "3" || q.PerRequester != "1" || q.Mechanism != "discrete Laplace" {
		t.Errorf("questions %+v", q)
	}
	// The listing read back from the catalog carries the same statistics.
	l, err := a.Listing(ctx, p.ListingID)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := DecodeCardStatistics(l.Card); err != nil || back == nil || back.Tables[0].Rows != tab.Rows {
		t.Errorf("catalog's card statistics %+v, %v", back, err)
	}
}

func checkMissing(t *testing.T, tab CardTableStats) {
	t.Helper()
	if len(tab.Columns) == 0 {
		t.Fatal("no column described")
	}
	for _, c := range tab.Columns {
		if c.MissingShare < 0 || c.MissingShare > 1 || c.Missing.Bound95 <= 0 {
			t.Errorf("column %s: missing %+v share %g", c.Name, c.Missing, c.MissingShare)
		}
	}
}

// A pseudonymized column is the patient of a single table.
func TestSingleCardTable_pseudonymIsPatient(t *testing.T) {
	ctx := context.Background()
	a := noisyMarketApp(t, 2)
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: patientsCSV, Preset: "safe-harbor", Secret: releaseTestSecret,
		Title: "Keyed", Price: ether("0"), Terms: hmb, QuestionsOff: true,
		AcceptRisk: &RiskAcceptance{Risk: 1, Words: "test records"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := DecodeCardStatistics(p.Card)
	if err != nil || st == nil {
		t.Fatal(err)
	}
	if tab := st.Tables[0]; tab.PatientColumn != "Id" || tab.MaxRowsPerPatient != 1 || !within(tab.Patients, int64(p.Card.Rows)) {
		t.Errorf("patient column %q, clip %d, patients %+v of %d", tab.PatientColumn, tab.MaxRowsPerPatient, tab.Patients, p.Card.Rows)
	}
	if p.Card.Questions != nil {
		t.Errorf("questions off, card has %+v", p.Card.Questions)
	}
}

// A release's statistics split the card's ε over its tables: the Patient
// table one row per patient, the others ReleaseRowsPerPatient and codes
// counted in patients (prevalence); its patient count within its bound.
func TestPublishRelease_cardStatistics(t *testing.T) {
	needFHIR(t)
	ctx := context.Background()
	a := noisyMarketApp(t, 3)
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: syntheaFHIR, Release: true, Preset: "safe-harbor",
		Secret: releaseTestSecret, Title: "Two whole records", Price: ether("0.01"), Terms: hmb,
		QuestionsEpsilon: "2.5", QuestionsPerRequester: "0.5",
		AcceptRisk: &RiskAcceptance{Risk: 1, Words: "two test records"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := DecodeCardStatistics(p.Card)
	if err != nil || st == nil {
		t.Fatal(err)
	}
	n := len(p.Card.Tables)
	if n < 2 || len(st.Tables) != n || st.Epsilon != "1" || !strings.Contains(st.Composition, "ρ-zCDP") || !strings.Contains(st.Composition, "over "+strconv.Itoa(n)+" table(s)") {
		t.Fatalf("%d card tables, statistics of %d, ε %s, %q", n, len(st.Tables), st.Epsilon, st.Composition)
	}
	codes := 0
	for _, tab := range st.Tables {
		rho, _ := new(big.Rat).SetString(st.Rho)
		if want := rho.Quo(rho, big.NewRat(int64(n), 1)).RatString(); tab.Rho != want || tab.Epsilon != "1" {
			t.Errorf("table %s: ρ %s, ε %s; want ρ %s (the card's split over %d tables), ε 1", tab.Table, tab.Rho, tab.Epsilon, want, n)
		}
		codes += checkReleaseTable(t, tab)
	}
	if codes == 0 {
		t.Error("no code column counted in patients")
	}
	if q := p.Card.Questions; q == nil || q.Epsilon != "2.5" || q.PerRequester != "0.5" {
		t.Errorf("questions %+v", q)
	}
}

// checkReleaseTable checks a release table's clip, patient column and
// described columns, and returns how many code columns count patients.
func checkReleaseTable(t *testing.T, tab CardTableStats) (codes int) {
	t.Helper()
	if tab.Table == "Patient" {
		if tab.MaxRowsPerPatient != 1 || tab.PatientColumn != "id" || !within(tab.Patients, 2) || !within(tab.Rows, 2) {
			t.Errorf("Patient table: clip %d, key %q, patients %+v rows %+v", tab.MaxRowsPerPatient, tab.PatientColumn, tab.Patients, tab.Rows)
		}
		return 0
	}
	if tab.MaxRowsPerPatient != ReleaseRowsPerPatient || tab.PatientColumn != "patient" {
		t.Errorf("table %s: clip %d, key %q", tab.Table, tab.MaxRowsPerPatient, tab.PatientColumn)
	}
	if len(tab.Columns) > 1 {
		t.Errorf("table %s describes %d columns, want only what its rows record", tab.Table, len(tab.Columns))
	}
	for _, c := range tab.Columns {
		if !slices.Contains([]string{"description", "type", "code", "type_code"}, c.Name) {
			t.Errorf("table %s describes %s, want its codes' description", tab.Table, c.Name)
		}
		if c.Kind == "categories" {
			codes++
			if c.Counts != "patients" {
				t.Errorf("table %s column %s counts %s", tab.Table, c.Name, c.Counts)
			}
		}
	}
	return codes
}

// A bad budget is refused before any work, naming its field.
func TestPublish_badEpsilonNamesField(t *testing.T) {
	ctx := context.Background()
	a := noisyMarketApp(t, 4)
	for _, c := range []struct {
		req   PublishRequest
		field string
	}{
		{PublishRequest{CardEpsilon: "abc"}, "Card epsilon"},
		{PublishRequest{CardEpsilon: "0"}, "Card epsilon"},
		{PublishRequest{QuestionsEpsilon: "1e3"}, "Questions epsilon"},
		{PublishRequest{QuestionsPerRequester: "-1"}, "Questions per requester"},
		{PublishRequest{QuestionsEpsilon: "1", QuestionsPerRequester: "2"}, "Questions per requester"},
	} {
		req := c.req
		req.Input, req.Preset, req.Title, req.Price, req.Terms = patientsCSV, "safe-harbor", "Bad", ether("0"), hmb
		_, err := a.Publish(ctx, ByAccount("alice", "pw"), req)
		if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.HasPrefix(marketplace.ErrorMessage(err), c.field) {
			t.Errorf("%+v: %v; want EINVALID naming %s", c.req, err, c.field)
		}
	}
}

// Statistics too large for the card have their labels cut, and are
// refused, with the reason, when even that is not enough.
func TestEncodeCardStatistics_withinBound(t *testing.T) {
	card := func(cells, labelLen int) dp.Card {
		var cs []dp.Cell
		for i := range cells {
			cs = append(cs, dp.Cell{Label: strconv.Itoa(i) + strings.Repeat("x", labelLen), Figure: dp.Figure{Value: 100, Bound95: 10}})
		}
		return dp.Card{Epsilon: "1", Tables: []dp.TableStats{{Table: "t", Stats: dp.Stats{Columns: []dp.ColumnStats{{Name: "c", Cells: cs}}}}}}
	}
	b, err := encodeCardStatistics(card(200, 2000)) // about 400 KB whole
	if err != nil || len(b) > marketplace.MaxCardStatisticsBytes || !strings.Contains(string(b), "xxx…") {
		t.Fatalf("long labels: %d bytes, %v", len(b), err)
	}
	_, err = encodeCardStatistics(card(20000, 10))
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "more than a dataset card holds") {
		t.Errorf("too many cells: %v", err)
	}
}
