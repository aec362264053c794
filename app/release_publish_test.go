package app

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

const syntheaFHIR = "../../shared/data/synthea-fhir"

func needFHIR(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(syntheaFHIR); err != nil {
		t.Skipf("shared test data absent (%v)", err)
	}
}

var releaseTestSecret = []byte("app-release-test-secret-0123456789")

// A whole Synthea record set is published as one release: the card lists
// every table and says the package is a ZIP; a researcher buys it,
// downloads the ZIP, and finds every table, linked by one pseudonym per
// patient, and the manifest; asked for Parquet, each table inside is
// converted.
func TestPublishRelease_buyDownloadUnzip(t *testing.T) {
	needFHIR(t)
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	var published bytes.Buffer
	// Two patients under Safe Harbor alone are unique: the publisher
	// accepts that risk (release_run's tests check the refusal).
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), PublishRequest{Input: syntheaFHIR, Release: true, Preset: "safe-harbor",
		Secret: releaseTestSecret, Title: "Two whole records", Price: ether("0.01"), Terms: hmb, Copy: &published,
		AcceptRisk: &RiskAcceptance{Risk: 1, Words: "two test records"}})
	if err != nil {
		t.Fatal(err)
	}
	card := p.Card
	checkReleaseCard(t, card)
	if _, err := a.Buy(ctx, ByAccount("bob", "pw"), p.ListingID, BuyConfirmation{AcceptTerms: true}); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	d, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Writer: &got})
	if err != nil {
		t.Fatal(err)
	}
	if ext, ctype := DownloadFile(card, d.Format); d.Package != marketplace.PackageZIP || ext != "zip" || ctype != "application/zip" {
		t.Errorf("downloaded package %q, named .%s (%s)", d.Package, ext, ctype)
	}
	if !bytes.Equal(got.Bytes(), published.Bytes()) {
		t.Fatal("the researcher's download is not the published package")
	}
	m, tables := readLinkedRelease(t, got.Bytes())
	if m.Format != "csv" || !m.Linked || m.Patients != 2 || len(tables) != len(card.Tables) {
		t.Fatalf("manifest %+v, %d tables", m, len(tables))
	}
	var pq bytes.Buffer
	if _, err := a.Download(ctx, ByAccount("bob", "pw"), p.ListingID, DownloadRequest{Writer: &pq, Format: "parquet"}); err != nil {
		t.Fatal(err)
	}
	m2, tables2, err := anonymize.ReadReleaseZIP(bytes.NewReader(pq.Bytes()), int64(pq.Len()), anonymize.ZIPLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if m2.Format != "parquet" || len(tables2) != len(tables) || !strings.HasSuffix(m2.Tables[0].File, ".parquet") {
		t.Fatalf("parquet download: manifest %+v", m2)
	}
	for i := range tables {
		if tables2[i].NumRows() != tables[i].NumRows() || !slices.Equal(tables2[i].Names(), tables[i].Names()) {
			t.Errorf("%s: parquet %d rows %v, csv %d rows %v", tables[i].Name, tables2[i].NumRows(), tables2[i].Names(), tables[i].NumRows(), tables[i].Names())
		}
	}
}

// The release's dry run shows every table (rows before and after, each
// table's roles and report, the patient-level report, one verdict), and a
// publish naming it publishes its output without anonymizing again; the
// same run with other roles for one table is run again.
func TestPreviewRelease_tablesThenPublishAsIs(t *testing.T) {
	needFHIR(t)
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	alice := addr(t, a, "alice")
	roles := map[string]map[string]string{"Observation": {"unit": "sensitive"}}
	res, err := a.PreviewAnonymization(ctx, PreviewRequest{Path: syntheaFHIR, Release: true, Preset: "safe-harbor", TableRoles: roles,
		Secret: releaseTestSecret, Owner: alice})
	if err != nil {
		t.Fatal(err)
	}
	rp := res.Release
	// Refused for the patients' risk alone, which the publish accepts.
	if rp == nil || res.ID == "" || rp.Verdict.Pass || rp.Report == nil || rp.Report.Verdict == nil || rp.Report.Verdict.Risk == nil || !rp.Report.Verdict.Risk.Alone ||
		rp.Patients != 2 || !rp.Linked || len(rp.Tables) != len(res.Tables) {
		t.Fatalf("release preview: %+v (id %q)", rp, res.ID)
	}
	checkTablePreviews(t, rp)
	if i := slices.IndexFunc(rp.Tables, func(tp TablePreview) bool { return tp.Name == "Observation" }); i < 0 || rp.Tables[i].Roles["unit"] != "sensitive" {
		t.Errorf("Observation's roles not kept: %+v", rp.Tables)
	}
	if res.Table != "Patient" || res.Report != rp.Report {
		t.Errorf("one-table fields show %q", res.Table)
	}
	// A bad column in one table's roles names the table.
	_, err = a.PreviewAnonymization(ctx, PreviewRequest{Path: syntheaFHIR, Release: true, Preset: "safe-harbor",
		TableRoles: map[string]map[string]string{"Condition": {"unit": "quasi"}}})
	if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "Condition") {
		t.Errorf("bad role: %v", err)
	}

	req := PublishRequest{Preview: res.ID, Release: true, Preset: "safe-harbor", TableRoles: roles, Secret: releaseTestSecret,
		Title: "From the release dry run", Price: ether("0.01"), Terms: hmb, AcceptRisk: &RiskAcceptance{Risk: 1, Words: "two test records"}}
	pub, err := a.Publish(ctx, ByAccount("alice", "pw"), req)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.FromPreview || pub.Card.Package != marketplace.PackageZIP {
		t.Errorf("from preview %v, package %q", pub.FromPreview, pub.Card.Package)
	}
	other := req
	other.TableRoles = nil
	other.Input = syntheaFHIR
	if pub, err := a.Publish(ctx, ByAccount("alice", "pw"), other); err != nil || pub.FromPreview {
		t.Errorf("other roles: from preview %v, %v", pub.FromPreview, err)
	}
}

// A CSV file published as a release is a one-table release: a ZIP with
// its one table and a manifest saying it is not linked.
func TestPublishRelease_csvIsOneTableRelease(t *testing.T) {
	if _, err := os.Stat(patientsCSV); err != nil {
		t.Skipf("shared test data absent (%v)", err)
	}
	ctx := context.Background()
	a := marketApp(t, t.TempDir())
	var got bytes.Buffer
	req := PublishRequest{Input: patientsCSV, Release: true, Preset: "safe-harbor",
		Title: "One table", Price: ether("0.01"), Terms: hmb, Format: "parquet", Copy: &got}
	// Safe Harbor alone leaves patients unique: the one gate refuses the
	// release for that risk, then lets it through once the publisher
	// accepts the figure, and the card records it.
	if _, err := a.Publish(ctx, ByAccount("alice", "pw"), req); err == nil || !strings.Contains(err.Error(), "The risk is the only reason") {
		t.Fatalf("published without accepting the risk: %v", err)
	}
	req.AcceptRisk = &RiskAcceptance{Risk: 1, Words: "a test of the package"}
	p, err := a.Publish(ctx, ByAccount("alice", "pw"), req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Card.RiskAccepted == nil || p.Card.RiskAccepted.Risk != 1 || p.Card.RiskAccepted.Words != "a test of the package" {
		t.Errorf("card's acceptance %+v", p.Card.RiskAccepted)
	}
	m, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(got.Bytes()), int64(got.Len()), anonymize.ZIPLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || m.Linked || m.Format != "parquet" || len(p.Card.Tables) != 1 || p.Card.Rows != uint64(tables[0].NumRows()) {
		t.Errorf("manifest %+v, card tables %+v", m, p.Card.Tables)
	}
}

// readLinkedRelease reads a release package and checks that every row of
// a table with a patient column names a patient of the Patient table.
func readLinkedRelease(t *testing.T, data []byte) (*anonymize.ReleaseManifest, []*anonymize.Table) {
	t.Helper()
	m, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(data), int64(len(data)), anonymize.ZIPLimits{})
	if err != nil {
		t.Fatal(err)
	}
	patients := map[string]bool{}
	for _, tb := range tables {
		if tb.Name == "Patient" {
			for _, v := range tb.Column("id").Values() {
				patients[v] = true
			}
		}
	}
	for _, tb := range tables {
		if c := tb.Column("patient"); c != nil {
			for row, v := range c.Values() {
				if !patients[v] {
					t.Fatalf("%s row %d: patient %q is not in Patient", tb.Name, row+1, v)
				}
			}
		}
	}
	if len(patients) != m.Patients {
		t.Errorf("%d patients in Patient, the manifest says %d", len(patients), m.Patients)
	}
	return m, tables
}

// checkTablePreviews checks that every table of a release preview shows
// its columns, first rows before and after, and its report.
func checkTablePreviews(t *testing.T, rp *ReleasePreview) {
	t.Helper()
	for _, tp := range rp.Tables {
		if tp.Report == nil || len(tp.Columns) == 0 || len(tp.OutputColumns) == 0 || (tp.Rows > 0 && (len(tp.FirstRows) == 0 || len(tp.OutputFirstRows) == 0)) {
			t.Errorf("table %s: %+v", tp.Name, tp)
		}
	}
}

// checkReleaseCard checks the card of the two Synthea records' release.
func checkReleaseCard(t *testing.T, card *marketplace.DatasetCard) {
	t.Helper()
	obs := slices.IndexFunc(card.Tables, func(ct marketplace.CardTable) bool { return ct.Name == "Observation" })
	if card.Package != marketplace.PackageZIP || len(card.Tables) < 5 || card.Rows != 2 || obs < 0 || card.Tables[obs].Rows == 0 || len(card.Tables[obs].Treatments) == 0 {
		t.Fatalf("card: package %q, rows %d, tables %+v", card.Package, card.Rows, card.Tables)
	}
}
