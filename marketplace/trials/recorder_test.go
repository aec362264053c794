package trials

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

// studyODM is a small ODM 1.3.2 transactional file: a consent and a
// screening form for S-001, an adverse event signed as approved, an update of
// the screening form with its reason for change, and S-002's consent.
const studyODM = `<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" ODMVersion="1.3.2" FileType="Transactional"
     FileOID="F.TEST.1" CreationDateTime="2026-03-01T10:00:00Z">
  <AdminData>
    <User OID="U.INV1"><FirstName>Never</FirstName><LastName>Copied</LastName></User>
    <SignatureDef OID="SIG.APPROVE" Methodology="Electronic"><Meaning>Approved by the investigator</Meaning>
      <LegalReason>21 CFR Part 11</LegalReason></SignatureDef>
    <SignatureDef OID="SIG.REVIEW" Methodology="Electronic"><Meaning>Reviewed</Meaning><LegalReason>SDV</LegalReason></SignatureDef>
  </AdminData>
  <ClinicalData StudyOID="ST.ASPIRIN" MetaDataVersionOID="MDV.1">
    <SubjectData SubjectKey="S-001" TransactionType="Insert">
      <SiteRef LocationOID="SITE.01"/>
      <StudyEventData StudyEventOID="SE.SCREENING">
        <FormData FormOID="F.ICF">
          <AuditRecord><UserRef UserOID="U.INV1"/><LocationRef LocationOID="SITE.01"/>
            <DateTimeStamp>2026-02-10T09:30:00Z</DateTimeStamp></AuditRecord>
          <ItemGroupData ItemGroupOID="IG.ICF"><ItemData ItemOID="IT.ICFDAT" Value="2026-02-10"/></ItemGroupData>
        </FormData>
        <FormData FormOID="F.VS">
          <AuditRecord><UserRef UserOID="U.CRC2"/><DateTimeStamp>2026-02-10T10:00:00</DateTimeStamp></AuditRecord>
          <Signature><UserRef UserOID="U.INV1"/><SignatureRef SignatureOID="SIG.REVIEW"/><DateTimeStamp>2026-02-11T08:00:00Z</DateTimeStamp></Signature>
          <ItemGroupData ItemGroupOID="IG.VS"><ItemData ItemOID="IT.SYSBP" Value="128"/><ItemData ItemOID="IT.DIABP" Value="82"/></ItemGroupData>
        </FormData>
      </StudyEventData>
      <StudyEventData StudyEventOID="SE.WEEK4">
        <FormData FormOID="F.AE">
          <AuditRecord><UserRef UserOID="U.INV1"/><DateTimeStamp>2026-03-05T14:00:00+01:00</DateTimeStamp></AuditRecord>
          <Signature><UserRef UserOID="U.INV1"/><SignatureRef SignatureOID="SIG.APPROVE"/><DateTimeStamp>2026-03-05T15:00:00Z</DateTimeStamp></Signature>
          <ItemGroupData ItemGroupOID="IG.AE"><ItemData ItemOID="IT.AETERM" Value="Headache"/><ItemData ItemOID="IT.AESER" Value="N"/></ItemGroupData>
        </FormData>
      </StudyEventData>
      <StudyEventData StudyEventOID="SE.SCREENING" TransactionType="Update">
        <FormData FormOID="F.VS">
          <AuditRecord><UserRef UserOID="U.CRC2"/><DateTimeStamp>2026-03-06T09:00:00Z</DateTimeStamp>
            <ReasonForChange>Transcription error: systolic was 118</ReasonForChange></AuditRecord>
          <ItemGroupData ItemGroupOID="IG.VS"><ItemData ItemOID="IT.SYSBP" Value="118"/>
            <ItemData ItemOID="IT.DIABP" Value="82"/></ItemGroupData>
        </FormData>
      </StudyEventData>
    </SubjectData>
    <SubjectData SubjectKey="S-002">
      <StudyEventData StudyEventOID="SE.SCREENING">
        <FormData FormOID="F.ICF">
          <AuditRecord><UserRef UserOID="U.INV1"/><DateTimeStamp>2026-02-12T11:00:00Z</DateTimeStamp></AuditRecord>
          <ItemGroupData ItemGroupOID="IG.ICF"><ItemData ItemOID="IT.ICFDAT" Value="2026-02-12"/></ItemGroupData>
        </FormData>
      </StudyEventData>
    </SubjectData>
  </ClinicalData>
</ODM>`

func TestODM_importsClinicalDataAsSignedSteps(t *testing.T) {
	ins, err := ODMRecorder{}.Parse(ctx, strings.NewReader(studyODM), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 5 {
		t.Fatalf("%d steps, want 5", len(ins))
	}
	e := newTestEnv(t)
	tr := e.register("NCT20000001")
	es := e.record(tr.ID, ins...)
	want := []struct {
		typ     marketplace.StepType
		meaning marketplace.SignatureMeaning
		actor   string
	}{
		{marketplace.StepConsent, marketplace.MeaningAuthored, "U.INV1"},
		{marketplace.StepScreening, marketplace.MeaningReviewed, "U.CRC2"},
		{marketplace.StepAdverseEvent, marketplace.MeaningApproved, "U.INV1"},
		{marketplace.StepScreening, marketplace.MeaningAuthored, "U.CRC2"},
		{marketplace.StepConsent, marketplace.MeaningAuthored, "U.INV1"},
	}
	for i, w := range want {
		s := es[i].Step
		if s.Type != w.typ || s.Meaning != w.meaning || s.Source == nil || s.Source.Actor != w.actor || s.Source.Recorder != "odm" {
			t.Errorf("step %d: %s %s %+v, want %s %s %s", i, s.Type, s.Meaning, s.Source, w.typ, w.meaning, w.actor)
		}
		if !marketplace.IsSubjectPseudonym(s.Subject) || strings.Contains(string(s.Data), "Never") {
			t.Errorf("step %d: subject %q, data %s", i, s.Subject, s.Data)
		}
	}
	if at := es[2].Step.Source.At; at == nil || at.Format("15:04") != "13:00" {
		t.Errorf("AE source time (UTC): %v", at)
	}
	upd := es[3].Step
	if upd.Corrects == nil || *upd.Corrects != es[1].Index || !strings.Contains(upd.Reason, "Transcription error") ||
		!strings.Contains(string(upd.Data), `"IT.SYSBP":"118"`) {
		t.Errorf("update: corrects %v, reason %q, data %s", upd.Corrects, upd.Reason, upd.Data)
	}
	if es[0].Step.Subject == es[4].Step.Subject {
		t.Error("two subjects share a pseudonym")
	}
	if !strings.Contains(string(es[1].Step.Data), `"site":"SITE.01"`) {
		t.Errorf("site: %s", es[1].Step.Data)
	}
	// Importing the same update again corrects the latest version.
	ins2, _ := ODMRecorder{}.Parse(ctx, strings.NewReader(studyODM), nil)
	es2 := e.record(tr.ID, ins2[3])
	if *es2[0].Step.Corrects != es[3].Index {
		t.Errorf("second update corrects %d, want %d", *es2[0].Step.Corrects, es[3].Index)
	}
}

func TestODM_malformedIsRefusedWithItsPathAndNothingAppended(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT20000002")
	for _, tt := range []struct {
		name, from, to, msg string
	}{
		{"no FormOID", `<FormData FormOID="F.AE">`, `<FormData>`, "ODM/ClinicalData[1]/SubjectData[1]/StudyEventData[2]/FormData[1]: FormOID missing"},
		{"bad time", `2026-03-05T14:00:00+01:00`, `yesterday`, "StudyEventData[2]/FormData[1]/AuditRecord/DateTimeStamp: \"yesterday\" is not an ISO 8601 date-time"},
		{"unknown signature", `SignatureOID="SIG.APPROVE"`, `SignatureOID="SIG.NONE"`, "FormData[1]/Signature/SignatureRef: SignatureOID \"SIG.NONE\" has no SignatureDef"},
		{"no SubjectKey", `SubjectKey="S-002"`, ``, "ODM/ClinicalData[1]/SubjectData[2]: SubjectKey missing"},
		{"no value", `<ItemData ItemOID="IT.AETERM" Value="Headache"/>`, `<ItemData ItemOID="IT.AETERM"/>`, "ItemGroupData[1]/ItemData[1]: Value missing"},
		{"version", `ODMVersion="1.3.2"`, `ODMVersion="2.0"`, "ODM/@ODMVersion"},
		{"syntax", `<ItemData ItemOID="IT.SYSBP" Value="118"/>`, `<ItemData ItemOID="IT.SYSBP" Value="118">`, "XML error at line"},
		{"not ODM", `<ODM xmlns`, `<Study xmlns`, "root element is Study"},
		{"no user", `<UserRef UserOID="U.CRC2"/><DateTimeStamp>2026-03-06`, `<DateTimeStamp>2026-03-06`, "StudyEventData[3]/FormData[1]/AuditRecord: UserRef missing"},
		{"update needs reason", `<ReasonForChange>Transcription error: systolic was 118</ReasonForChange>`, ``, "needs a reason for the change"},
		{"email as subject", `SubjectKey="S-002"`, `SubjectKey="jane@example.org"`, "direct identifier"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(studyODM, tt.from, tt.to, 1)
			if src == studyODM {
				t.Fatalf("edit %q not applied", tt.from)
			}
			err := e.svc.importWith(ctx, e.sponsor, tr.ID, ODMRecorder{}, src)
			wantErr(t, err, marketplace.EINVALID, tt.msg)
			if n := e.size(tr.ID); n != 1 {
				t.Fatalf("a malformed file appended entries: size %d", n)
			}
		})
	}
	// The syntax error names the element it is in.
	err := e.svc.importWith(ctx, e.sponsor, tr.ID, ODMRecorder{}, strings.Replace(studyODM, `<ItemData ItemOID="IT.SYSBP" Value="118"/>`, `<ItemData ItemOID="IT.SYSBP" Value="118">`, 1))
	wantErr(t, err, marketplace.EINVALID, "in ODM/ClinicalData[1]/SubjectData[1]/StudyEventData[3]/FormData[1]/ItemGroupData[1]")
}

// importWith is what the app's import does: parse all, then record all.
func (s *Service) importWith(c contextT, signer Signer, id [32]byte, r Recorder, src string) error {
	ins, err := r.Parse(c, strings.NewReader(src), nil)
	if err != nil {
		return err
	}
	_, err = s.Record(c, signer, id, ins)
	return err
}

func TestCSV_mapsColumnsAndNamesBadRowsAndColumns(t *testing.T) {
	src := "event,participant,when,user,arm,sbp,note\n" +
		"enrolment,S-001,2026-02-01T10:00:00Z,U1,A,,\n" +
		"visit,S-001,2026-02-08,U1,,128,seated\n"
	ins, err := CSVRecorder{}.Parse(ctx, strings.NewReader(src), RecorderConfig{"type": "event", "subject": "participant", "at": "when", "actor": "user", "default_meaning": "reviewed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].Type != "enrolment" || ins[0].Subject != "S-001" || string(ins[0].Data) != `{"arm":"A"}` ||
		ins[1].Source.Actor != "U1" || ins[1].Source.At == nil || ins[1].Meaning != "reviewed" || ins[1].Ref != "row 3" {
		t.Fatalf("inputs: %+v", ins)
	}
	e := newTestEnv(t)
	tr := e.register("NCT20000003")
	es := e.record(tr.ID, ins...)
	if string(es[1].Step.Data) != `{"note":"seated","sbp":"128"}` || es[1].Step.Source.Ref != "row 3" {
		t.Errorf("step: %+v", es[1].Step)
	}

	bad := "type,subject,corrects,at\nenrolment,S-001,,\nlunch,S-002,x,soon\n"
	_, err = CSVRecorder{}.Parse(ctx, strings.NewReader(bad), nil)
	wantErr(t, err, marketplace.EINVALID, `row 3, column "type": Step type "lunch"`, `row 3, column "corrects": "x" is not an entry index`, `row 3, column "at": "soon"`)
	var ie InputErrors
	if !errors.As(err, &ie) || len(ie) != 3 {
		t.Errorf("InputErrors: %#v", err)
	}
	for _, tt := range []struct{ src, msg string }{
		{"", "empty"},
		{"subject\nS-001\n", "no step type column"},
		{"type,subject\nvisit\n", "row 2: 1 fields, the header has 2"},
		{"type,\"subject\nvisit,S-1\n", "CSV row"},
	} {
		_, err := CSVRecorder{}.Parse(ctx, strings.NewReader(tt.src), nil)
		wantErr(t, err, marketplace.EINVALID, tt.msg)
	}
	_, err = CSVRecorder{}.Parse(ctx, strings.NewReader("a,b\n1,2\n"), RecorderConfig{"type": "kind"})
	wantErr(t, err, marketplace.EINVALID, `type column "kind" is not in the header`)

	// Rows the service refuses are named too, and nothing is appended.
	refused := "type,subject\nvisit,S-001\nenrolment,123-45-6789\n"
	err = e.svc.importWith(ctx, e.sponsor, tr.ID, CSVRecorder{}, refused)
	wantErr(t, err, marketplace.EINVALID, "row 3: Subject id looks like a direct identifier")
	if n := e.size(tr.ID); n != 3 {
		t.Errorf("size %d after a refused import", n)
	}
	pre, err := e.svc.Prepare(ctx, e.sponsor.Address(), tr.ID, mustParse(t, CSVRecorder{}, refused))
	if err == nil || len(pre) != 2 || pre[0].Err != "" || !strings.Contains(pre[1].Err, "direct identifier") || pre[0].Step.Index != 3 {
		t.Errorf("preview: %+v, %v", pre, err)
	}
}

func mustParse(t *testing.T, r Recorder, src string) []StepInput {
	t.Helper()
	ins, err := r.Parse(ctx, strings.NewReader(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

func TestFormRecorder(t *testing.T) {
	ins, err := FormRecorder{}.Parse(ctx, strings.NewReader("type=enrolment&subject=S-001&data=%7B%22arm%22%3A%22A%22%7D&meaning=approved&corrects=2&reason=typo"), nil)
	if err != nil || len(ins) != 1 || ins[0].Type != "enrolment" || *ins[0].Corrects != 2 || string(ins[0].Data) != `{"arm":"A"}` {
		t.Fatalf("%+v, %v", ins, err)
	}
	_, err = FormRecorder{}.Parse(ctx, strings.NewReader("type=visit&corrects=two"), nil)
	wantErr(t, err, marketplace.EINVALID, "form: corrects")
	if r, err := LookupRecorder("odm"); err != nil || r.Name() != "odm" {
		t.Errorf("lookup: %v", err)
	}
	_, err = LookupRecorder("fhir")
	wantErr(t, err, marketplace.EINVALID, "csv, form, odm")
}

// The built-ins are fixed and sorted, and each name finds its recorder.
func TestLookupRecorder_findsEachBuiltinByName(t *testing.T) {
	names := RecorderNames()
	if !slices.Equal(names, []string{"csv", "form", "odm"}) {
		t.Fatalf("names %v", names)
	}
	for _, n := range names {
		if r, err := LookupRecorder(n); err != nil || r.Name() != n {
			t.Errorf("%s: %v, %v", n, r, err)
		}
	}
}

func TestDecodeLeaf_refusesNonCanonicalLeaves(t *testing.T) {
	e := newTestEnv(t)
	tr := e.register("NCT20000004")
	es := e.record(tr.ID, StepInput{Type: "visit", Data: json.RawMessage(`{"b":1,"a":2}`)})
	ent, err := e.svc.ledger.Entry(ctx, [32]byte(tr.ID), es[0].Index)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DecodeLeaf(ent.Leaf)
	if err != nil || d.Signer != e.sponsor.Address() || string(d.Step.Data) != `{"a":2,"b":1}` {
		t.Fatalf("decode: %+v, %v", d, err)
	}
	for name, leaf := range map[string]string{
		"spaces":    strings.Replace(string(ent.Leaf), `,"signature"`, `, "signature"`, 1),
		"data keys": strings.Replace(string(ent.Leaf), `{"a":2,"b":1}`, `{"b":1,"a":2}`, 1),
		"extra":     strings.Replace(string(ent.Leaf), `{"step":`, `{"x":1,"step":`, 1),
		"not json":  "hello",
	} {
		if _, err := DecodeLeaf([]byte(leaf)); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

type fakeSource map[string]Recorder

func (f fakeSource) Recorder(name string) (Recorder, bool, error) {
	r, ok := f[name]
	return r, ok, nil
}
func (f fakeSource) Names() ([]string, error) {
	var n []string
	for k := range f {
		n = append(n, k)
	}
	return n, nil
}

func TestFindRecorder_builtinsFirstThenTheSource(t *testing.T) {
	src := fakeSource{"jsonl": FormRecorder{}, "odm": CSVRecorder{}}
	if r, err := FindRecorder("odm", src); err != nil || r.Name() != "odm" {
		t.Fatalf("odm: %v, %v (a source must not shadow a built-in)", r, err)
	}
	if r, err := FindRecorder("jsonl", src); err != nil || r == nil {
		t.Fatalf("jsonl: %v, %v", r, err)
	}
	_, err := FindRecorder("nope", src)
	wantErr(t, err, marketplace.EINVALID, "csv, form, jsonl, odm.")
	_, err = FindRecorder("nope", nil)
	wantErr(t, err, marketplace.EINVALID, "csv, form, odm")
}
