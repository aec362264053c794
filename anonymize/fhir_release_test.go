package anonymize_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

// syntheaBundles returns the shared Synthea bundles' paths, sorted, or
// skips.
func syntheaBundles(t *testing.T) []string {
	t.Helper()
	dir := sharedData(t, "synthea-fhir")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 2 {
		t.Fatalf("fewer than two bundles in %s: the shared data changed", dir)
	}
	slices.Sort(files)
	return files
}

func fileInputs(paths []string) []anonymize.Input {
	var in []anonymize.Input
	for _, p := range paths {
		in = append(in, anonymize.Input{Name: filepath.Base(p), Open: func() (io.ReadCloser, error) { return os.Open(p) }})
	}
	return in
}

func bytesInput(name string, data []byte) anonymize.Input {
	return anonymize.Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// bundleResources decodes a bundle's resources generically.
func bundleResources(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range b.Entry {
		out = append(out, e.Resource)
	}
	return out
}

func byName(tables []*anonymize.Table) map[string]*anonymize.Table {
	m := map[string]*anonymize.Table{}
	for _, tb := range tables {
		m[tb.Name] = tb
	}
	return m
}

// firstCoding returns the system and code of a concept's first coding.
func firstCoding(v any) (string, string) {
	cc, _ := v.(map[string]any)
	codings, _ := cc["coding"].([]any)
	if len(codings) == 0 {
		return "", ""
	}
	c, _ := codings[0].(map[string]any)
	s, _ := c["system"].(string)
	code, _ := c["code"].(string)
	return s, code
}

// The folder of Synthea bundles reads as one release: every resource type
// the importer reads that the bundles hold is a table with one row per
// resource, each row's code keeps its system, DocumentReference's text is
// the note, the tables' rows are the sum of each file's, and the types
// skipped are named with their counts.
func TestReadInputs_syntheaFolderOneRelease(t *testing.T) {
	files := syntheaBundles(t)
	var warnings []string
	tables, err := anonymize.ReadInputs(fileInputs(files), anonymize.InputOptions{Name: "synthea-fhir", Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	got := byName(tables)
	want, notes := checkSyntheaCodes(t, files, got)
	for _, typ := range []string{"Patient", "Encounter", "Observation", "Condition", "MedicationRequest", "Procedure", "Immunization",
		"DiagnosticReport", "DocumentReference", "CarePlan"} {
		if want[typ] == 0 {
			t.Fatalf("the bundles hold no %s: the test needs them", typ)
		}
		if tb := got[typ]; tb == nil || tb.NumRows() != want[typ] {
			t.Errorf("%s: table %v, want %d rows", typ, tb, want[typ])
		}
	}
	// Code systems as Synthea writes them.
	for typ, sys := range map[string]string{"Observation": "LOINC", "Condition": "SNOMED CT", "Immunization": "CVX",
		"MedicationRequest": "RxNorm", "DiagnosticReport": "LOINC", "DocumentReference": "LOINC", "CarePlan": "SNOMED CT"} {
		col := "code_system"
		if typ == "DocumentReference" {
			col = "type_code_system"
		}
		if c := got[typ].Column(col); !slices.Contains(c.Values(), sys) {
			t.Errorf("%s.%s: %v, want %s among them", typ, col, c.Dict, sys)
		}
	}
	// The note is the attachment's text, and the free-text rules see it.
	doc := got["DocumentReference"]
	for i := range doc.NumRows() {
		if id := doc.Column("id").Value(i); doc.Column("note").Value(i) != notes[id] || notes[id] == "" {
			t.Fatalf("DocumentReference %s: note %q, want %q", id, doc.Column("note").Value(i), notes[id])
		}
	}
	if ok, _ := anonymize.FreeTextSample(anonymize.SampleOf(doc.Column("note"))); !ok {
		t.Error("the note column is not recognised as free text")
	}
	checkPatientLinks(t, tables)
	if n := got["DiagnosticReport"].Column("result_count").Value(0); n != "4" {
		t.Errorf("the first DiagnosticReport has %s results, the Lipid Panel has 4", n)
	}
	checkUnionIsSum(t, files, tables)
	w := strings.Join(warnings, "\n")
	if len(warnings) != 1 || !strings.Contains(w, "Claim (14)") || !strings.Contains(w, "ExplanationOfBenefit (12)") || !strings.HasPrefix(w, "synthea-fhir: ") {
		t.Errorf("warnings %q, want one naming Claim (14) and ExplanationOfBenefit (12)", warnings)
	}
}

// checkPatientLinks checks that every row with a patient column links to
// a Patient row.
func checkPatientLinks(t *testing.T, tables []*anonymize.Table) {
	t.Helper()
	got := byName(tables)
	patients := got["Patient"].Column("id").Values()
	for _, tb := range tables {
		if c := tb.Column("patient"); c != nil {
			for i := range tb.NumRows() {
				if !slices.Contains(patients, c.Value(i)) {
					t.Fatalf("%s row %d: patient %q is not a Patient id", tb.Name, i, c.Value(i))
				}
			}
		}
	}
}

// checkUnionIsSum checks that the release read from all files has, per
// table, the sum of the rows of each file read alone.
func checkUnionIsSum(t *testing.T, files []string, tables []*anonymize.Table) {
	t.Helper()
	sum := map[string]int{}
	for _, f := range files {
		one, err := anonymize.ReadInputs(fileInputs([]string{f}), anonymize.InputOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range one {
			sum[tb.Name] += tb.NumRows()
		}
	}
	for _, tb := range tables {
		if tb.NumRows() != sum[tb.Name] {
			t.Errorf("%s: %d rows from the folder, %d from the files one by one", tb.Name, tb.NumRows(), sum[tb.Name])
		}
	}
}

// systemNames are the names the code_system columns give the systems the
// Synthea bundles use.
var systemNames = map[string]string{"http://snomed.info/sct": "SNOMED CT", "http://loinc.org": "LOINC",
	"http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm", "http://hl7.org/fhir/sid/cvx": "CVX"}

// checkSyntheaCodes checks each coded resource's row against the
// resource's first coding, and returns the resources counted by type and
// the DocumentReferences' decoded texts by id.
func checkSyntheaCodes(t *testing.T, files []string, got map[string]*anonymize.Table) (map[string]int, map[string]string) {
	t.Helper()
	want := map[string]int{}
	notes := map[string]string{}
	codeField := map[string]string{"Observation": "code", "Condition": "code", "Procedure": "code", "DiagnosticReport": "code",
		"AllergyIntolerance": "code", "Immunization": "vaccineCode", "MedicationRequest": "medicationCodeableConcept",
		"MedicationStatement": "medicationCodeableConcept"}
	for _, f := range files {
		for _, r := range bundleResources(t, f) {
			typ := r["resourceType"].(string)
			want[typ]++
			if typ == "DocumentReference" {
				notes[r["id"].(string)] = attachedText(t, r)
			}
			field, ok := codeField[typ]
			tb := got[typ]
			if !ok || tb == nil {
				continue
			}
			uri, code := firstCoding(r[field])
			sys, ok := systemNames[uri]
			if !ok {
				t.Fatalf("%s %s: code system %q: add its name to the test", typ, r["id"], uri)
			}
			row := slices.Index(tb.Column("id").Values(), r["id"].(string))
			if row < 0 {
				t.Fatalf("%s %s: no row", typ, r["id"])
			}
			if tb.Column("code").Value(row) != code || tb.Column("code_system").Value(row) != sys {
				t.Errorf("%s %s: code %s %s, the resource has %s %s", typ, r["id"], tb.Column("code_system").Value(row),
					tb.Column("code").Value(row), sys, code)
			}
		}
	}
	return want, notes
}

// attachedText decodes a DocumentReference's first attachment.
func attachedText(t *testing.T, r map[string]any) string {
	t.Helper()
	content := r["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
	text, err := base64.StdEncoding.DecodeString(content["data"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(text))
}

// NDJSON of the bundles' resources (one per line, as bulk $export writes
// them, split across files by type) reads into the same tables.
func TestReadInputs_ndjsonReadsAsBundles(t *testing.T) {
	files := syntheaBundles(t)
	fromBundles, err := anonymize.ReadInputs(fileInputs(files), anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]*bytes.Buffer{}
	var types []string
	for _, f := range files {
		for _, r := range bundleResources(t, f) {
			typ := r["resourceType"].(string)
			if byType[typ] == nil {
				byType[typ] = &bytes.Buffer{}
				types = append(types, typ)
			}
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			byType[typ].Write(append(line, '\n'))
		}
	}
	var inputs []anonymize.Input
	for _, typ := range types {
		inputs = append(inputs, bytesInput(typ+".ndjson", byType[typ].Bytes()))
	}
	fromNDJSON, err := anonymize.ReadInputs(inputs, anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fromNDJSON) != len(fromBundles) {
		t.Fatalf("%d tables from NDJSON, %d from bundles", len(fromNDJSON), len(fromBundles))
	}
	for i, a := range fromBundles {
		b := fromNDJSON[i]
		if a.Name != b.Name || !slices.Equal(a.Names(), b.Names()) || a.NumRows() != b.NumRows() {
			t.Fatalf("table %d: %s %v %d rows from bundles, %s %v %d from NDJSON", i, a.Name, a.Names(), a.NumRows(), b.Name, b.Names(), b.NumRows())
		}
		for _, c := range a.Columns {
			if !slices.Equal(c.Values(), b.Column(c.Name).Values()) {
				t.Errorf("%s.%s differs between bundles and NDJSON", a.Name, c.Name)
			}
		}
	}
}

// The types no Synthea bundle here holds: MedicationStatement and
// AllergyIntolerance, with their codes' systems; CarePlan and
// DocumentReference read from NDJSON (a plain-text attachment is the note;
// one that is not text leaves it empty).
func TestReadFHIR_medicationStatementAllergyNDJSON(t *testing.T) {
	note := base64.StdEncoding.EncodeToString([]byte("Seen today. Patient reports improvement.\n"))
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4"))
	ndjson := `{"resourceType":"Patient","id":"p1","gender":"female"}
{"resourceType":"MedicationStatement","id":"ms1","status":"active","subject":{"reference":"Patient/p1"},"context":{"reference":"Encounter/e1"},"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"197361","display":"Amlodipine 5 MG Oral Tablet"}]},"effectivePeriod":{"start":"2020-01-01","end":"2020-06-01"},"dateAsserted":"2020-01-02","reasonCode":[{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"I10"}],"text":"Hypertension"}]}
{"resourceType":"AllergyIntolerance","id":"a1","patient":{"reference":"Patient/p1"},"clinicalStatus":{"coding":[{"code":"active"}]},"type":"allergy","category":["food"],"criticality":"low","code":{"coding":[{"system":"http://snomed.info/sct","code":"91935009","display":"Allergy to peanuts"}]},"recordedDate":"2019-05-01","reaction":[{"manifestation":[{"coding":[{"system":"http://snomed.info/sct","code":"247472004","display":"Wheal"}]}],"severity":"mild"}]}
{"resourceType":"Immunization","id":"i1","patient":{"reference":"Patient/p1"},"vaccineCode":{"coding":[{"system":"urn:oid:2.16.840.1.113883.12.292","code":"140"}]},"occurrenceDateTime":"2020-10-01"}
{"resourceType":"DocumentReference","id":"d1","subject":{"reference":"Patient/p1"},"type":{"coding":[{"system":"http://loinc.org","code":"34117-2"}]},"date":"2020-01-02","context":{"encounter":[{"reference":"Encounter/e1"}]},"content":[{"attachment":{"contentType":"text/plain; charset=utf-8","data":"` + note + `"}},{"attachment":{"contentType":"application/pdf","data":"` + pdf + `"}}]}
`
	tables, err := anonymize.ReadFHIR(strings.NewReader(ndjson), "export.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	got := byName(tables)
	check := func(table string, want map[string]string) {
		t.Helper()
		tb := got[table]
		if tb == nil || tb.NumRows() != 1 {
			t.Fatalf("%s: %v, want one row", table, tb)
		}
		for col, v := range want {
			if c := tb.Column(col); c == nil || c.Value(0) != v {
				t.Errorf("%s.%s = %v, want %q", table, col, c, v)
			}
		}
	}
	check("MedicationStatement", map[string]string{"patient": "p1", "encounter": "e1", "code_system": "RxNorm",
		"code": "197361", "description": "Amlodipine 5 MG Oral Tablet", "start": "2020-01-01", "end": "2020-06-01", "asserted": "2020-01-02",
		"reason_code_system": "ICD-10", "reason_code": "I10", "reason": "Hypertension"})
	check("AllergyIntolerance", map[string]string{"patient": "p1", "clinical_status": "active", "type": "allergy", "category": "food",
		"criticality": "low", "code_system": "SNOMED CT", "code": "91935009", "description": "Allergy to peanuts",
		"reaction": "Wheal", "severity": "mild", "recorded": "2019-05-01"})
	// A system without a well-known name keeps its URI.
	check("Immunization", map[string]string{"patient": "p1", "code_system": "urn:oid:2.16.840.1.113883.12.292", "code": "140", "date": "2020-10-01"})
	check("DocumentReference", map[string]string{"patient": "p1", "encounter": "e1", "type_code_system": "LOINC", "type_code": "34117-2",
		"content_type": "text/plain; charset=utf-8|application/pdf", "note": "Seen today. Patient reports improvement."})
}

// A misspelt resource type is refused where it is, with the type it
// misspells; other types not read are named with their counts.
func TestReadInput_resourceTypesNamed(t *testing.T) {
	bundle := `{"resourceType":"Bundle","entry":[
 {"resource":{"resourceType":"Patient","id":"p1"}},
 {"resource":{"resourceType":"Patinet","id":"p2"}}]}`
	_, err := anonymize.ReadInput(strings.NewReader(bundle), anonymize.InputOptions{Name: "b.json"})
	if err == nil || !errors.Is(err, anonymize.ErrInvalid) || !strings.Contains(err.Error(), "entry[1].resource.resourceType") ||
		!strings.Contains(err.Error(), `"Patinet" is not a FHIR R4 resource type: did you mean Patient?`) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("Patinet in a bundle: %v", err)
	}
	ndjson := "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n{\"resourceType\":\"observation\",\"id\":\"o1\"}\n"
	_, err = anonymize.ReadInput(strings.NewReader(ndjson), anonymize.InputOptions{Name: "x.ndjson"})
	if err == nil || !strings.Contains(err.Error(), "x.ndjson:line 2") || !strings.Contains(err.Error(), "did you mean Observation?") {
		t.Errorf("observation in NDJSON: %v", err)
	}
	var warned []string
	ndjson = "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n{\"resourceType\":\"Claim\"}\n{\"resourceType\":\"Claim\"}\n{\"resourceType\":\"Zebra\"}\n"
	tables, err := anonymize.ReadInput(strings.NewReader(ndjson), anonymize.InputOptions{Name: "y.ndjson", Warn: func(m string) { warned = append(warned, m) }})
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables %v, err %v", tables, err)
	}
	want := "y.ndjson: skipped resources of types medmarket does not read: Claim (2), Zebra (1, not a FHIR R4 resource type)"
	if len(warned) != 1 || warned[0] != want {
		t.Errorf("warnings %q, want %q", warned, want)
	}
}

// A field of the wrong JSON kind is named by its path, line and the JSON
// kinds: never by a Go type (it once read "[]anonymize.fhirCC").
func TestReadFHIR_typeErrorNamesJSONKinds(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"ndjson", "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n\n{\"resourceType\":\"Encounter\",\"id\":\"e\",\"reasonCode\":{\"text\":\"x\"}}\n",
			"x:line 3, column 52, field value[1].reasonCode: an object where a list is expected"},
		{"bundle", "{\"resourceType\":\"Bundle\",\"entry\":[\n{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\"}},\n{\"resource\":{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":\"high\"}}}]}",
			`x:line 3, column 13, field entry[1].resource: "high" where a number is expected`},
		{"text for a concept", `{"resourceType":"Condition","code":"44054006"}`, "field value[0].code: text where an object is expected"},
	} {
		_, err := anonymize.ReadFHIR(strings.NewReader(c.in), "x")
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "anonymize.") || strings.Contains(err.Error(), "fhir") {
			t.Errorf("%s: %v, want it to hold %q and no Go type", c.name, err, c.want)
		}
	}
}

// DocumentReference's note is free text to Safe Harbor and the policy
// gate: the preset scrubs it (and keeps the code systems), and a pipeline
// that keeps it unscrubbed is refused, naming the column.
func TestDocumentReferenceNote_safeHarborScrubsGateRefuses(t *testing.T) {
	tables, err := anonymize.ReadInputs(fileInputs(syntheaBundles(t)), anonymize.InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	doc := byName(tables)["DocumentReference"]
	if plan := (&anonymize.SafeHarbor{}).Plan(doc); plan["note"] != anonymize.CatFreeText {
		t.Errorf("Safe Harbor plans note as %q, want %q", plan["note"], anonymize.CatFreeText)
	}
	res := runPreset(t, "safe-harbor", doc)
	if res.Table.Column("note") == nil {
		t.Fatalf("safe-harbor drops the note: %v", res.Table.Names())
	}
	if ft := res.Report.FreeText; len(ft) != 1 || ft[0].Column != "note" || ft[0].Outcome != "scrubbed" {
		t.Errorf("safe-harbor's free-text report %+v, want note scrubbed", ft)
	}
	if !res.Verdict.Pass {
		t.Errorf("verdict %v on the scrubbed note, want pass", res.Verdict)
	}
	// The code systems survive it.
	obs := runPreset(t, "safe-harbor", byName(tables)["Observation"])
	if c := obs.Table.Column("code_system"); c == nil || !slices.Contains(c.Values(), "LOINC") {
		t.Errorf("safe-harbor's Observation: code_system %v, want it kept", c)
	}
	cfg := &anonymize.Config{Policy: &anonymize.Policy{},
		Transforms: []anonymize.TransformConfig{{Name: "drop", Params: anonymize.Params{"columns": []any{"id"}}}}}
	res = runConfig(t, cfg, anonymize.Env{}, doc)
	if res.Verdict.Pass || !strings.Contains(res.Verdict.String(), `free text left: column "note"`) {
		t.Errorf("verdict %v on a kept note, want refused naming it", res.Verdict)
	}
}
