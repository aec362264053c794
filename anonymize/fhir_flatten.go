package anonymize

import (
	"encoding/json"
	"fmt"
	"strings"
)

// fhirColumns names the columns of each resource type's table, in the
// order flatten writes a resource's row.
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
		return flattenEncounter(r, patient), true
	case "Observation":
		return flattenObservation(r, patient), true
	case "Condition":
		return []string{r.ID, patient, refOf(r.Encounter), r.ClinicalStatus.code(), r.VerificationStatus.code(), firstCategory(r.Category),
			r.Code.code(), r.Code.display(), r.OnsetDateTime, r.AbatementDateTime, r.RecordedDate}, true
	case "MedicationRequest":
		return flattenMedicationRequest(r, patient), true
	case "Procedure":
		return flattenProcedure(r, patient), true
	case "Immunization":
		ps := ""
		if r.PrimarySource != nil {
			ps = fmt.Sprint(*r.PrimarySource)
		}
		return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.VaccineCode.code(), r.VaccineCode.display(), r.OccurrenceDateTime, ps}, true
	}
	return nil, false
}

func flattenEncounter(r *fhirResource, patient string) []string {
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
	return []string{r.ID, patient, r.Status, class, typeCode, typeText, start, end, rc, rt, sp}
}

func flattenObservation(r *fhirResource, patient string) []string {
	value, unit := observationValue(r)
	eff := r.EffectiveDateTime
	if eff == "" && r.EffectivePeriod != nil {
		eff = r.EffectivePeriod.Start
	}
	return []string{r.ID, patient, refOf(r.Encounter), r.Status, firstCategory(r.Category), r.Code.code(), r.Code.display(), value, unit, eff, r.Issued}
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
	med := r.MedicationCodeableConcept
	code, desc := med.code(), med.display()
	if med == nil && r.MedicationReference != nil {
		desc = r.MedicationReference.Display
	}
	rc, rt := reasons(r.ReasonCode)
	return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.Intent, code, desc, r.AuthoredOn, rc, rt}
}

func flattenProcedure(r *fhirResource, patient string) []string {
	start, end := period(r.PerformedPeriod)
	if start == "" {
		start = r.PerformedDateTime
	}
	rc, rt := reasons(r.ReasonCode)
	return []string{r.ID, patient, refOf(r.Encounter), r.Status, r.Code.code(), r.Code.display(), start, end, rc, rt}
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
