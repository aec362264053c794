package anonymize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// FHIR R4 import. Bundles (and bare resources or NDJSON streams of them)
// are flattened into one table per resource type: Patient, Encounter,
// Observation, Condition, MedicationRequest, Procedure and Immunization,
// one row per resource. Every table but Patient has a "patient" column
// holding the Patient's id, and clinical tables an "encounter" column, so
// the tables join on them. References of the form "urn:uuid:..." are
// resolved through the bundle entries' fullUrl, "Patient/123" to "123".

// FHIRResourceTypes returns the resource types the importer flattens, in
// the order Tables returns them; the slice is the caller's.
func FHIRResourceTypes() []string { return slices.Clone(fhirResourceTypes) }

// fhirResourceTypes is FHIRResourceTypes' list; nothing writes to it.
var fhirResourceTypes = []string{"Patient", "Encounter", "Observation", "Condition", "MedicationRequest", "Procedure", "Immunization"}

var fhirColumns = map[string][]string{
	"Patient": {"id", "mrn", "ssn", "drivers_license", "passport", "prefix", "given", "family", "suffix", "maiden_name",
		"phone", "email", "gender", "birth_date", "deceased_date", "address", "city", "district", "state", "postal_code", "country",
		"latitude", "longitude", "marital_status", "race", "ethnicity", "birth_sex", "birthplace", "language", "multiple_birth"},
	"Encounter":         {"id", "patient", "status", "class", "type_code", "type", "start", "end", "reason_code", "reason", "service_provider"},
	"Observation":       {"id", "patient", "encounter", "status", "category", "code", "description", "value", "unit", "effective", "issued"},
	"Condition":         {"id", "patient", "encounter", "clinical_status", "verification_status", "category", "code", "description", "onset", "abatement", "recorded"},
	"MedicationRequest": {"id", "patient", "encounter", "status", "intent", "code", "description", "authored_on", "reason_code", "reason"},
	"Procedure":         {"id", "patient", "encounter", "status", "code", "description", "start", "end", "reason_code", "reason"},
	"Immunization":      {"id", "patient", "encounter", "status", "code", "description", "date", "primary_source"},
}

type fhirRef struct {
	Reference string `json:"reference"`
	Display   string `json:"display"`
}

type fhirCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type fhirCC struct {
	Coding []fhirCoding `json:"coding"`
	Text   string       `json:"text"`
}

func (c *fhirCC) code() string {
	if c == nil || len(c.Coding) == 0 {
		return ""
	}
	return c.Coding[0].Code
}

func (c *fhirCC) display() string {
	if c == nil {
		return ""
	}
	if c.Text != "" {
		return c.Text
	}
	if len(c.Coding) > 0 {
		if c.Coding[0].Display != "" {
			return c.Coding[0].Display
		}
		return c.Coding[0].Code
	}
	return ""
}

type fhirPeriod struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type fhirQuantity struct {
	Value json.Number `json:"value"`
	Unit  string      `json:"unit"`
	Code  string      `json:"code"`
}

type fhirExtension struct {
	URL          string          `json:"url"`
	ValueString  string          `json:"valueString"`
	ValueCode    string          `json:"valueCode"`
	ValueDecimal json.Number     `json:"valueDecimal"`
	ValueCoding  *fhirCoding     `json:"valueCoding"`
	ValueAddress *fhirAddress    `json:"valueAddress"`
	Extension    []fhirExtension `json:"extension"`
}

type fhirAddress struct {
	Line       []string        `json:"line"`
	City       string          `json:"city"`
	District   string          `json:"district"`
	State      string          `json:"state"`
	PostalCode string          `json:"postalCode"`
	Country    string          `json:"country"`
	Extension  []fhirExtension `json:"extension"`
}

type fhirName struct {
	Use    string   `json:"use"`
	Text   string   `json:"text"`
	Family string   `json:"family"`
	Given  []string `json:"given"`
	Prefix []string `json:"prefix"`
	Suffix []string `json:"suffix"`
}

type fhirIdentifier struct {
	Type   *fhirCC `json:"type"`
	System string  `json:"system"`
	Value  string  `json:"value"`
}

// fhirResource holds the fields of all flattened resource types.
type fhirResource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`

	Identifier           []fhirIdentifier       `json:"identifier"`
	Name                 []fhirName             `json:"name"`
	Telecom              []fhirExtensionContact `json:"telecom"`
	Gender               string                 `json:"gender"`
	BirthDate            string                 `json:"birthDate"`
	DeceasedDateTime     string                 `json:"deceasedDateTime"`
	Address              []fhirAddress          `json:"address"`
	MaritalStatus        *fhirCC                `json:"maritalStatus"`
	MultipleBirthBoolean *bool                  `json:"multipleBirthBoolean"`
	MultipleBirthInteger json.Number            `json:"multipleBirthInteger"`
	Communication        []fhirComm             `json:"communication"`
	Extension            []fhirExtension        `json:"extension"`

	Status          string          `json:"status"`
	Subject         *fhirRef        `json:"subject"`
	Patient         *fhirRef        `json:"patient"`
	Encounter       *fhirRef        `json:"encounter"`
	Code            *fhirCC         `json:"code"`
	Category        json.RawMessage `json:"category"` // a list in most types, one concept in Procedure
	Class           *fhirCoding     `json:"class"`
	Type            []fhirCC        `json:"type"`
	Period          *fhirPeriod     `json:"period"`
	ReasonCode      []fhirCC        `json:"reasonCode"`
	ServiceProvider *fhirRef        `json:"serviceProvider"`

	EffectiveDateTime    string        `json:"effectiveDateTime"`
	EffectivePeriod      *fhirPeriod   `json:"effectivePeriod"`
	Issued               string        `json:"issued"`
	ValueQuantity        *fhirQuantity `json:"valueQuantity"`
	ValueCodeableConcept *fhirCC       `json:"valueCodeableConcept"`
	ValueString          string        `json:"valueString"`
	ValueBoolean         *bool         `json:"valueBoolean"`
	ValueInteger         json.Number   `json:"valueInteger"`
	Component            []struct {
		Code                 fhirCC        `json:"code"`
		ValueQuantity        *fhirQuantity `json:"valueQuantity"`
		ValueCodeableConcept *fhirCC       `json:"valueCodeableConcept"`
		ValueString          string        `json:"valueString"`
	} `json:"component"`

	ClinicalStatus     *fhirCC `json:"clinicalStatus"`
	VerificationStatus *fhirCC `json:"verificationStatus"`
	OnsetDateTime      string  `json:"onsetDateTime"`
	AbatementDateTime  string  `json:"abatementDateTime"`
	RecordedDate       string  `json:"recordedDate"`

	Intent                    string   `json:"intent"`
	MedicationCodeableConcept *fhirCC  `json:"medicationCodeableConcept"`
	MedicationReference       *fhirRef `json:"medicationReference"`
	AuthoredOn                string   `json:"authoredOn"`

	PerformedDateTime string      `json:"performedDateTime"`
	PerformedPeriod   *fhirPeriod `json:"performedPeriod"`

	VaccineCode        *fhirCC `json:"vaccineCode"`
	OccurrenceDateTime string  `json:"occurrenceDateTime"`
	PrimarySource      *bool   `json:"primarySource"`
}

type fhirExtensionContact struct {
	System string `json:"system"`
	Value  string `json:"value"`
	Use    string `json:"use"`
}

type fhirComm struct {
	Language fhirCC `json:"language"`
}

// FHIRImporter collects resources from any number of bundles and
// flattens them once all are read, so references between bundles resolve.
type FHIRImporter struct {
	rows    map[string][][]string // resource type -> rows, reference columns unresolved
	fullURL map[string]string     // fullUrl -> resource id
}

// NewFHIRImporter returns an empty importer.
func NewFHIRImporter() *FHIRImporter {
	return &FHIRImporter{rows: map[string][][]string{}, fullURL: map[string]string{}}
}

// ReadFHIR reads one stream of FHIR JSON (see FHIRImporter.Add) into tables.
func ReadFHIR(r io.Reader, source string) ([]*Table, error) {
	im := NewFHIRImporter()
	if err := im.Add(r, source); err != nil {
		return nil, err
	}
	return im.Tables(), nil
}

// Add reads FHIR R4 JSON: a Bundle, a bare resource, or a stream of them
// (NDJSON). Resource types the importer does not flatten are skipped.
// Errors are *ParseError values naming the line and the JSON path.
func (im *FHIRImporter) Add(r io.Reader, source string) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return &ParseError{Source: source, Err: err}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	values := 0
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return jsonError(source, data, int(start), "", err)
		}
		values++
		base := int(start) + leadingSpace(data[start:])
		if err := im.addValue(source, data, base, raw, fmt.Sprintf("value[%d]", values-1)); err != nil {
			return err
		}
	}
	if values == 0 {
		return &ParseError{Source: source, Line: 1, Err: errors.New("no JSON value in input")}
	}
	return nil
}

func leadingSpace(b []byte) int {
	return len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
}

func (im *FHIRImporter) addValue(source string, data []byte, base int, raw json.RawMessage, path string) error {
	var head struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return jsonError(source, data, base, path, err)
	}
	switch head.ResourceType {
	case "":
		return &ParseError{Source: source, Line: lineAt(data, base), Field: path + ".resourceType", Err: errors.New("missing resourceType")}
	case "Bundle":
	default:
		return im.addResource(source, data, base, raw, "", path)
	}
	for i, e := range head.Entry {
		p := fmt.Sprintf("entry[%d]", i)
		if len(e.Resource) == 0 || string(e.Resource) == "null" {
			return &ParseError{Source: source, Line: lineAt(data, base), Field: p + ".resource", Err: errors.New("entry without a resource")}
		}
		off := base
		if i := bytes.Index(data[base:], e.Resource); i >= 0 {
			off = base + i
		}
		if err := im.addResource(source, data, off, e.Resource, e.FullURL, p+".resource"); err != nil {
			return err
		}
	}
	return nil
}

func (im *FHIRImporter) addResource(source string, data []byte, off int, raw json.RawMessage, fullURL, path string) error {
	var res fhirResource
	// Only the types we flatten are decoded in full: the others share
	// field names with different shapes.
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return jsonError(source, data, off, path, err)
	}
	res.ResourceType, res.ID = head.ResourceType, head.ID
	if _, ok := fhirColumns[head.ResourceType]; ok {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&res); err != nil {
			return jsonError(source, data, off, path, err)
		}
	}
	if res.ResourceType == "" {
		return &ParseError{Source: source, Line: lineAt(data, off), Field: path + ".resourceType", Err: errors.New("missing resourceType")}
	}
	if res.ID != "" {
		if fullURL != "" {
			im.fullURL[fullURL] = res.ID
		}
		im.fullURL[res.ResourceType+"/"+res.ID] = res.ID
	}
	row, ok := flatten(&res)
	if !ok {
		return nil // a type we do not flatten
	}
	if len(row) != len(fhirColumns[res.ResourceType]) {
		panic("fhir: column list and flatten disagree for " + res.ResourceType)
	}
	im.rows[res.ResourceType] = append(im.rows[res.ResourceType], row)
	return nil
}

// Tables returns one table per resource type that occurred, in
// FHIRResourceTypes order, with references resolved to resource ids.
func (im *FHIRImporter) Tables() []*Table {
	var out []*Table
	for _, typ := range fhirResourceTypes {
		rows := im.rows[typ]
		if len(rows) == 0 {
			continue
		}
		header := fhirColumns[typ]
		bs := make([]*ColumnBuilder, len(header))
		for j, h := range header {
			bs[j] = NewColumnBuilder(h, TypeString)
		}
		for _, r := range rows {
			for j, v := range r {
				if header[j] == "patient" || header[j] == "encounter" {
					v = im.resolve(v)
				}
				bs[j].Append(v)
			}
		}
		cols := make([]*Column, len(bs))
		for j, b := range bs {
			cols[j] = b.Build()
			cols[j].Type = InferType(cols[j].Dict)
		}
		out = append(out, &Table{Name: typ, Columns: cols})
	}
	return out
}

// resolve turns a reference into the referenced resource's id.
func (im *FHIRImporter) resolve(ref string) string {
	if ref == "" {
		return ""
	}
	if id, ok := im.fullURL[ref]; ok {
		return id
	}
	if s, ok := strings.CutPrefix(ref, "urn:uuid:"); ok {
		return s
	}
	if i := strings.LastIndexByte(ref, '/'); i >= 0 && !strings.Contains(ref, "?") {
		return ref[i+1:]
	}
	return ref
}

func refOf(r *fhirRef) string {
	if r == nil {
		return ""
	}
	return r.Reference
}

func firstCategory(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var list []fhirCC
	if json.Unmarshal(raw, &list) == nil {
		if len(list) > 0 {
			return list[0].code()
		}
		return ""
	}
	var one fhirCC
	if json.Unmarshal(raw, &one) == nil {
		return one.code()
	}
	return ""
}

func reasons(cc []fhirCC) (string, string) {
	var codes, texts []string
	for i := range cc {
		codes = append(codes, cc[i].code())
		texts = append(texts, cc[i].display())
	}
	return strings.Join(codes, "|"), strings.Join(texts, "|")
}

func quantity(q *fhirQuantity) (string, string) {
	if q == nil {
		return "", ""
	}
	u := q.Unit
	if u == "" {
		u = q.Code
	}
	return q.Value.String(), u
}

func period(p *fhirPeriod) (string, string) {
	if p == nil {
		return "", ""
	}
	return p.Start, p.End
}

// flatten returns the row of a resource of a type the importer handles.
func flatten(r *fhirResource) ([]string, bool) {
	patient := refOf(r.Subject)
	if patient == "" {
		patient = refOf(r.Patient)
	}
	switch r.ResourceType {
	case "Patient":
		return flattenPatient(r), true
	case "Encounter":
		start, end := period(r.Period)
		typeCode, typeText := "", ""
		if len(r.Type) > 0 {
			typeCode, typeText = r.Type[0].code(), r.Type[0].display()
		}
		class := ""
		if r.Class != nil {
			class = r.Class.Code
		}
		rc, rt := reasons(r.ReasonCode)
		sp := ""
		if r.ServiceProvider != nil {
			sp = r.ServiceProvider.Display
		}
		return []string{r.ID, patient, r.Status, class, typeCode, typeText, start, end, rc, rt, sp}, true
	case "Observation":
		value, unit := quantity(r.ValueQuantity)
		switch {
		case r.ValueCodeableConcept != nil:
			value = r.ValueCodeableConcept.display()
		case r.ValueString != "":
			value = r.ValueString
		case r.ValueBoolean != nil:
			value = fmt.Sprint(*r.ValueBoolean)
		case r.ValueInteger != "":
			value = r.ValueInteger.String()
		case value == "" && len(r.Component) > 0:
			var parts []string
			for _, c := range r.Component {
				v, u := quantity(c.ValueQuantity)
				if c.ValueCodeableConcept != nil {
					v = c.ValueCodeableConcept.display()
				} else if c.ValueString != "" {
					v = c.ValueString
				}
				parts = append(parts, strings.TrimSpace(c.Code.display()+"="+v+" "+u))
			}
			value = strings.Join(parts, "; ")
		}
		eff := r.EffectiveDateTime
		if eff == "" && r.EffectivePeriod != nil {
			eff = r.EffectivePeriod.Start
		}
		return []string{r.ID, patient, refOf(r.Encounter), r.Status, firstCategory(r.Category), r.Code.code(), r.Code.display(), value, unit, eff, r.Issued}, true
	case "Condition":
		return []string{r.ID, patient, refOf(r.Encounter), r.ClinicalStatus.code(), r.VerificationStatus.code(), firstCategory(r.Category),
			r.Code.code(), r.Code.display(), r.OnsetDateTime, r.AbatementDateTime, r.RecordedDate}, true
	case "MedicationRequest":
		med := r.MedicationCodeableConcept
		code, desc := med.code(), med.display()
		if med == nil && r.MedicationReference != nil {
			desc = r.MedicationReference.Display
		}
		rc, rt := reasons(r.ReasonCode)
		return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.Intent, code, desc, r.AuthoredOn, rc, rt}, true
	case "Procedure":
		start, end := period(r.PerformedPeriod)
		if start == "" {
			start = r.PerformedDateTime
		}
		rc, rt := reasons(r.ReasonCode)
		return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.Code.code(), r.Code.display(), start, end, rc, rt}, true
	case "Immunization":
		ps := ""
		if r.PrimarySource != nil {
			ps = fmt.Sprint(*r.PrimarySource)
		}
		return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.VaccineCode.code(), r.VaccineCode.display(), r.OccurrenceDateTime, ps}, true
	}
	return nil, false
}

func flattenPatient(r *fhirResource) []string {
	var mrn, ssn, dl, passport string
	for _, id := range r.Identifier {
		switch id.Type.code() {
		case "MR":
			mrn = id.Value
		case "SS", "SB":
			ssn = id.Value
		case "DL":
			dl = id.Value
		case "PPN":
			passport = id.Value
		}
	}
	var prefix, given, family, suffix, maiden string
	for _, n := range r.Name {
		if n.Use == "maiden" {
			maiden = n.Family
			continue
		}
		if family == "" {
			prefix, given, family, suffix = strings.Join(n.Prefix, " "), strings.Join(n.Given, " "), n.Family, strings.Join(n.Suffix, " ")
			if family == "" && given == "" {
				given = n.Text
			}
		}
	}
	var phone, email string
	for _, t := range r.Telecom {
		switch t.System {
		case "phone", "fax", "sms":
			if phone == "" {
				phone = t.Value
			}
		case "email":
			if email == "" {
				email = t.Value
			}
		}
	}
	var address, city, district, state, postal, country, lat, lon string
	if len(r.Address) > 0 {
		a := r.Address[0]
		address, city, district, state, postal, country = strings.Join(a.Line, ", "), a.City, a.District, a.State, a.PostalCode, a.Country
		for _, e := range a.Extension {
			for _, x := range e.Extension {
				switch x.URL {
				case "latitude":
					lat = x.ValueDecimal.String()
				case "longitude":
					lon = x.ValueDecimal.String()
				}
			}
		}
	}
	var race, ethnicity, birthSex, birthplace string
	for _, e := range r.Extension {
		switch {
		case strings.HasSuffix(e.URL, "us-core-race"), strings.HasSuffix(e.URL, "us-core-ethnicity"):
			v := ""
			for _, x := range e.Extension {
				if x.URL == "text" {
					v = x.ValueString
				} else if x.URL == "ombCategory" && v == "" && x.ValueCoding != nil {
					v = x.ValueCoding.Display
				}
			}
			if strings.HasSuffix(e.URL, "race") {
				race = v
			} else {
				ethnicity = v
			}
		case strings.HasSuffix(e.URL, "us-core-birthsex"):
			birthSex = e.ValueCode
		case strings.HasSuffix(e.URL, "patient-mothersMaidenName"):
			if maiden == "" {
				maiden = e.ValueString
			}
		case strings.HasSuffix(e.URL, "patient-birthPlace"):
			if a := e.ValueAddress; a != nil {
				birthplace = strings.Trim(strings.Join([]string{a.City, a.State, a.Country}, ", "), ", ")
			}
		}
	}
	lang := ""
	if len(r.Communication) > 0 {
		lang = r.Communication[0].Language.display()
	}
	multiple := ""
	if r.MultipleBirthBoolean != nil {
		multiple = fmt.Sprint(*r.MultipleBirthBoolean)
	} else if r.MultipleBirthInteger != "" {
		multiple = r.MultipleBirthInteger.String()
	}
	return []string{r.ID, mrn, ssn, dl, passport, prefix, given, family, suffix, maiden, phone, email, r.Gender, r.BirthDate,
		r.DeceasedDateTime, address, city, district, state, postal, country, lat, lon, r.MaritalStatus.display(), race, ethnicity,
		birthSex, birthplace, lang, multiple}
}

// jsonError turns a JSON decoding error into a *ParseError with the line
// (counted from data[base:]) and the JSON path.
func jsonError(source string, data []byte, base int, path string, err error) error {
	off := base
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	field := path
	switch {
	case errors.As(err, &syn):
		off = base + int(syn.Offset)
	case errors.As(err, &typ):
		off = base + int(typ.Offset)
		if typ.Field != "" {
			if field != "" {
				field += "."
			}
			field += typ.Field
		}
		err = fmt.Errorf("%s value where %s expected", typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = len(data)
		err = errors.New("unexpected end of JSON input")
	}
	off = min(max(off, 0), len(data))
	return &ParseError{Source: source, Line: lineAt(data, off), Column: off - bytes.LastIndexByte(data[:off], '\n'), Field: field, Err: err}
}

func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}
