package anonymize

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// fhirColumns names the columns of each resource type's table, in the
// order flatten writes a resource's row. A code column has its system
// beside it (code_system), named as codeSystemName names it: "SNOMED CT",
// "LOINC", "RxNorm", "CVX", "ICD-10"..., or the system's URI when it is
// not a well-known one. Lists (reasons, activities) are joined with "|" in
// the same order in each column. References to resources other than the
// patient and the encounter are not kept: their ids would survive
// anonymization in columns nothing recognises as identifiers.
var fhirColumns = map[string][]string{
	"Patient": {"id", "mrn", "ssn", "drivers_license", "passport", "prefix", "given", "family", "suffix", "maiden_name",
		"phone", "email", "gender", "birth_date", "deceased_date", "address", "city", "district", "state", "postal_code", "country",
		"latitude", "longitude", "marital_status", "race", "ethnicity", "birth_sex", "birthplace", "language", "multiple_birth"},
	"Encounter": {"id", "patient", "status", "class", "type_code_system", "type_code", "type", "start", "end",
		"reason_code_system", "reason_code", "reason", "service_provider"},
	"Observation": {"id", "patient", "encounter", "status", "category", "code_system", "code", "description", "value", "unit", "effective", "issued"},
	"Condition": {"id", "patient", "encounter", "clinical_status", "verification_status", "category", "code_system", "code", "description",
		"onset", "abatement", "recorded"},
	"MedicationRequest": {"id", "patient", "encounter", "status", "intent", "code_system", "code", "description", "authored_on",
		"reason_code_system", "reason_code", "reason"},
	"MedicationStatement": {"id", "patient", "encounter", "status", "code_system", "code", "description", "start", "end", "asserted",
		"reason_code_system", "reason_code", "reason"},
	"Procedure": {"id", "patient", "encounter", "status", "code_system", "code", "description", "start", "end",
		"reason_code_system", "reason_code", "reason"},
	"Immunization": {"id", "patient", "encounter", "status", "code_system", "code", "description", "date", "primary_source"},
	"AllergyIntolerance": {"id", "patient", "encounter", "clinical_status", "verification_status", "type", "category", "criticality",
		"code_system", "code", "description", "onset", "recorded", "reaction", "severity"},
	"DiagnosticReport": {"id", "patient", "encounter", "status", "category", "code_system", "code", "description", "effective", "issued",
		"result_count", "conclusion"},
	"DocumentReference": {"id", "patient", "encounter", "status", "type_code_system", "type_code", "type", "category", "date",
		"start", "end", "content_type", "note"},
	"CarePlan": {"id", "patient", "encounter", "status", "intent", "code_system", "code", "description", "start", "end",
		"activity_code_system", "activity_code", "activity"},
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
	var codes []string // AllergyIntolerance: a list of codes
	if json.Unmarshal(raw, &codes) == nil {
		return strings.Join(codes, "|")
	}
	return ""
}

// concepts decodes a list of concepts or one concept (FHIR types that
// differ between resource types, such as type and category).
func concepts(raw json.RawMessage) []fhirCC {
	var list []fhirCC
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one fhirCC
	if json.Unmarshal(raw, &one) == nil && (len(one.Coding) > 0 || one.Text != "") {
		return []fhirCC{one}
	}
	return nil
}

func firstConcept(raw json.RawMessage) *fhirCC {
	if cc := concepts(raw); len(cc) > 0 {
		return &cc[0]
	}
	return nil
}

// codeList returns the systems, codes and texts of concepts joined with "|".
func codeList(cc []*fhirCC) (systems, codes, texts string) {
	var s, c, t []string
	for _, x := range cc {
		s, c, t = append(s, x.system()), append(c, x.code()), append(t, x.display())
	}
	return strings.Join(s, "|"), strings.Join(c, "|"), strings.Join(t, "|")
}

// reasons returns the systems, codes and texts of reason concepts.
func reasons(cc []fhirCC) (string, string, string) {
	ptrs := make([]*fhirCC, len(cc))
	for i := range cc {
		ptrs[i] = &cc[i]
	}
	return codeList(ptrs)
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
		return flattenEncounter(r, patient), true
	case "Observation":
		return flattenObservation(r, patient), true
	case "Condition":
		return []string{r.ID, patient, refOf(r.Encounter), r.ClinicalStatus.code(), r.VerificationStatus.code(), firstCategory(r.Category),
			r.Code.system(), r.Code.code(), r.Code.display(), r.OnsetDateTime, r.AbatementDateTime, r.RecordedDate}, true
	case "MedicationRequest":
		return flattenMedicationRequest(r, patient), true
	case "MedicationStatement":
		return flattenMedicationStatement(r, patient), true
	case "Procedure":
		return flattenProcedure(r, patient), true
	case "AllergyIntolerance":
		return flattenAllergy(r, patient), true
	case "DiagnosticReport":
		return []string{r.ID, patient, refOf(r.Encounter), r.Status, firstCategory(r.Category), r.Code.system(), r.Code.code(), r.Code.display(),
			effective(r), r.Issued, fmt.Sprint(len(r.Result)), r.Conclusion}, true
	case "DocumentReference":
		return flattenDocument(r, patient), true
	case "CarePlan":
		return flattenCarePlan(r, patient), true
	case "Immunization":
		ps := ""
		if r.PrimarySource != nil {
			ps = fmt.Sprint(*r.PrimarySource)
		}
		return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.VaccineCode.system(), r.VaccineCode.code(), r.VaccineCode.display(),
			r.OccurrenceDateTime, ps}, true
	}
	return nil, false
}

func flattenEncounter(r *fhirResource, patient string) []string {
	start, end := period(r.Period)
	typ := firstConcept(r.Type)
	class := ""
	if r.Class != nil {
		class = r.Class.Code
	}
	rs, rc, rt := reasons(r.ReasonCode)
	sp := ""
	if r.ServiceProvider != nil {
		sp = r.ServiceProvider.Display
	}
	return []string{r.ID, patient, r.Status, class, typ.system(), typ.code(), typ.display(), start, end, rs, rc, rt, sp}
}

func flattenObservation(r *fhirResource, patient string) []string {
	value, unit := observationValue(r)
	return []string{r.ID, patient, refOf(r.Encounter), r.Status, firstCategory(r.Category), r.Code.system(), r.Code.code(), r.Code.display(),
		value, unit, effective(r), r.Issued}
}

// effective returns effective[x]: the date and time, or the period's start.
func effective(r *fhirResource) string {
	if r.EffectiveDateTime == "" && r.EffectivePeriod != nil {
		return r.EffectivePeriod.Start
	}
	return r.EffectiveDateTime
}

// observationValue returns an Observation's value and unit, whichever
// value[x] it has; components are joined as "code=value unit; ...".
func observationValue(r *fhirResource) (string, string) {
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
	return value, unit
}

func flattenMedicationRequest(r *fhirResource, patient string) []string {
	system, code, desc := medication(r)
	rs, rc, rt := reasons(r.ReasonCode)
	return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.Intent, system, code, desc, r.AuthoredOn, rs, rc, rt}
}

// medication returns medication[x]'s system, code and text (a reference's
// display when it is a reference).
func medication(r *fhirResource) (string, string, string) {
	med := r.MedicationCodeableConcept
	system, code, desc := med.system(), med.code(), med.display()
	if med == nil && r.MedicationReference != nil {
		desc = r.MedicationReference.Display
	}
	return system, code, desc
}

func flattenMedicationStatement(r *fhirResource, patient string) []string {
	system, code, desc := medication(r)
	start, end := period(r.EffectivePeriod)
	if start == "" {
		start = r.EffectiveDateTime
	}
	encounter := refOf(r.Encounter)
	var ctx fhirRef
	if encounter == "" && json.Unmarshal(r.Context, &ctx) == nil {
		encounter = ctx.Reference
	}
	rs, rc, rt := reasons(r.ReasonCode)
	return []string{r.ID, patient, encounter, r.Status, system, code, desc, start, end, r.DateAsserted, rs, rc, rt}
}

func flattenAllergy(r *fhirResource, patient string) []string {
	var typ string
	_ = json.Unmarshal(r.Type, &typ) // a code; anything else leaves it empty
	var manifest []*fhirCC
	var severity []string
	for i := range r.Reaction {
		for j := range r.Reaction[i].Manifestation {
			manifest = append(manifest, &r.Reaction[i].Manifestation[j])
		}
		severity = append(severity, r.Reaction[i].Severity)
	}
	_, _, reaction := codeList(manifest)
	return []string{r.ID, patient, refOf(r.Encounter), r.ClinicalStatus.code(), r.VerificationStatus.code(), typ, firstCategory(r.Category),
		r.Criticality, r.Code.system(), r.Code.code(), r.Code.display(), r.OnsetDateTime, r.RecordedDate, reaction,
		strings.Trim(strings.Join(severity, "|"), "|")}
}

// flattenDocument returns a DocumentReference's row: its attached text
// (text/* attachments carried in data) becomes the note column, which
// the free-text rules treat as a note (FreeTextSample).
func flattenDocument(r *fhirResource, patient string) []string {
	typ := firstConcept(r.Type)
	var ctx fhirDocContext
	_ = json.Unmarshal(r.Context, &ctx) // an object in R4; anything else leaves it empty
	encounter := ""
	if len(ctx.Encounter) > 0 {
		encounter = ctx.Encounter[0].Reference
	}
	start, end := period(ctx.Period)
	var types, notes []string
	for _, c := range r.Content {
		a := c.Attachment
		types = append(types, a.ContentType)
		if text, ok := attachmentText(a); ok {
			notes = append(notes, text)
		}
	}
	return []string{r.ID, patient, encounter, r.Status, typ.system(), typ.code(), typ.display(), firstCategory(r.Category), r.Date,
		start, end, strings.Join(types, "|"), strings.Join(notes, "\n\n")}
}

// attachmentText returns an attachment's text when it is text (a text/*
// content type, or none) held in data and valid UTF-8.
func attachmentText(a fhirAttachment) (string, bool) {
	ct := strings.ToLower(strings.TrimSpace(a.ContentType))
	if len(a.Data) == 0 || (ct != "" && !strings.HasPrefix(ct, "text/")) || !utf8.Valid(a.Data) {
		return "", false
	}
	return strings.TrimSpace(string(a.Data)), true
}

// flattenCarePlan returns a CarePlan's row: its code is the first category
// that is not the US Core "assess-plan" category (Synthea puts the plan's
// SNOMED CT concept there), its activities those of the details.
func flattenCarePlan(r *fhirResource, patient string) []string {
	var plan *fhirCC
	cats := concepts(r.Category)
	for i := range cats {
		if plan == nil || cats[i].code() != "assess-plan" {
			plan = &cats[i]
		}
	}
	var acts []*fhirCC
	for _, a := range r.Activity {
		if a.Detail != nil && a.Detail.Code != nil {
			acts = append(acts, a.Detail.Code)
		}
	}
	as, ac, at := codeList(acts)
	start, end := period(r.Period)
	return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.Intent, plan.system(), plan.code(), plan.display(), start, end,
		as, ac, at}
}

func flattenProcedure(r *fhirResource, patient string) []string {
	start, end := period(r.PerformedPeriod)
	if start == "" {
		start = r.PerformedDateTime
	}
	rs, rc, rt := reasons(r.ReasonCode)
	return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.Code.system(), r.Code.code(), r.Code.display(), start, end, rs, rc, rt}
}

func flattenPatient(r *fhirResource) []string {
	mrn, ssn, dl, passport := patientIdentifiers(r.Identifier)
	prefix, given, family, suffix, maiden := patientName(r.Name)
	phone, email := patientTelecom(r.Telecom)
	address, city, district, state, postal, country, lat, lon := patientAddress(r.Address)
	ext := patientExtensions(r.Extension)
	if maiden == "" {
		maiden = ext.maiden
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
		r.DeceasedDateTime, address, city, district, state, postal, country, lat, lon, r.MaritalStatus.display(), ext.race, ext.ethnicity,
		ext.birthSex, ext.birthplace, lang, multiple}
}

// patientIdentifiers returns the last identifier of each type the Patient
// table has a column for.
func patientIdentifiers(ids []fhirIdentifier) (mrn, ssn, dl, passport string) {
	for _, id := range ids {
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
	return mrn, ssn, dl, passport
}

// patientName returns the parts of the first name that has a family name
// (or, failing that, the first name; its text when it has no parts), and
// the last maiden name.
func patientName(names []fhirName) (prefix, given, family, suffix, maiden string) {
	for _, n := range names {
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
	return prefix, given, family, suffix, maiden
}

// patientTelecom returns the first phone (or fax, or SMS) number and the
// first e-mail address.
func patientTelecom(telecom []fhirExtensionContact) (phone, email string) {
	for _, t := range telecom {
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
	return phone, email
}

// patientAddress returns the parts of the first address, with its
// geolocation extension's coordinates.
func patientAddress(addrs []fhirAddress) (address, city, district, state, postal, country, lat, lon string) {
	if len(addrs) == 0 {
		return
	}
	a := addrs[0]
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
	return address, city, district, state, postal, country, lat, lon
}

// patientExt is what the Patient table takes from US Core and standard
// extensions.
type patientExt struct {
	race, ethnicity, birthSex, birthplace, maiden string
}

func patientExtensions(exts []fhirExtension) patientExt {
	var p patientExt
	for _, e := range exts {
		switch {
		case strings.HasSuffix(e.URL, "us-core-race"), strings.HasSuffix(e.URL, "us-core-ethnicity"):
			v := raceOrEthnicity(e)
			if strings.HasSuffix(e.URL, "race") {
				p.race = v
			} else {
				p.ethnicity = v
			}
		case strings.HasSuffix(e.URL, "us-core-birthsex"):
			p.birthSex = e.ValueCode
		case strings.HasSuffix(e.URL, "patient-mothersMaidenName"):
			if p.maiden == "" {
				p.maiden = e.ValueString
			}
		case strings.HasSuffix(e.URL, "patient-birthPlace"):
			if a := e.ValueAddress; a != nil {
				p.birthplace = strings.Trim(strings.Join([]string{a.City, a.State, a.Country}, ", "), ", ")
			}
		}
	}
	return p
}

// raceOrEthnicity returns a US Core race or ethnicity extension's text, or
// else its first OMB category's display.
func raceOrEthnicity(e fhirExtension) string {
	v := ""
	for _, x := range e.Extension {
		if x.URL == "text" {
			v = x.ValueString
		} else if x.URL == "ombCategory" && v == "" && x.ValueCoding != nil {
			v = x.ValueCoding.Display
		}
	}
	return v
}
