package anonymize

import (
	"encoding/json"
	"strings"
)

// The JSON shape of the FHIR R4 resources the importer reads: only the
// fields that flattening (fhir_flatten.go) turns into columns.

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

// system returns the code system of the first coding (the one code()
// returns), named by codeSystemName.
func (c *fhirCC) system() string {
	if c == nil || len(c.Coding) == 0 {
		return ""
	}
	return codeSystemName(c.Coding[0].System)
}

// codeSystemName names a well-known code system by its usual name
// ("http://snomed.info/sct" is "SNOMED CT"; HL7's own code systems are
// "HL7 " and the system's name), and returns any other system's URI as it
// is. Names, not URIs, so that a release keeps them: Safe Harbor removes
// URLs.
func codeSystemName(uri string) string {
	switch strings.TrimSuffix(uri, "/") {
	case "http://snomed.info/sct":
		return "SNOMED CT"
	case "http://loinc.org":
		return "LOINC"
	case "http://www.nlm.nih.gov/research/umls/rxnorm":
		return "RxNorm"
	case "http://hl7.org/fhir/sid/cvx":
		return "CVX"
	case "http://hl7.org/fhir/sid/icd-10":
		return "ICD-10"
	case "http://hl7.org/fhir/sid/icd-10-cm":
		return "ICD-10-CM"
	case "http://hl7.org/fhir/sid/icd-9-cm":
		return "ICD-9-CM"
	case "http://hl7.org/fhir/sid/ndc":
		return "NDC"
	case "http://www.ama-assn.org/go/cpt":
		return "CPT"
	case "http://unitsofmeasure.org":
		return "UCUM"
	}
	for prefix, name := range map[string]string{"http://terminology.hl7.org/CodeSystem/": "HL7 ", "http://hl7.org/fhir/": "HL7 FHIR ",
		"http://hl7.org/fhir/us/core/CodeSystem/": "US Core "} {
		if rest, ok := strings.CutPrefix(uri, prefix); ok && rest != "" && !strings.ContainsAny(rest, "/?#") {
			return name + rest
		}
	}
	return uri
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
	Type            json.RawMessage `json:"type"` // a list in Encounter, one concept in DocumentReference, a code in AllergyIntolerance
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

	// MedicationStatement
	Context      json.RawMessage `json:"context"` // a Reference in MedicationStatement, an object in DocumentReference
	DateAsserted string          `json:"dateAsserted"`

	// AllergyIntolerance
	Criticality string `json:"criticality"`
	Reaction    []struct {
		Manifestation []fhirCC `json:"manifestation"`
		Severity      string   `json:"severity"`
	} `json:"reaction"`

	// DiagnosticReport
	Result     []fhirRef `json:"result"`
	Conclusion string    `json:"conclusion"`

	// DocumentReference
	Date        string `json:"date"`
	Description string `json:"description"`
	Content     []struct {
		Attachment fhirAttachment `json:"attachment"`
	} `json:"content"`

	// CarePlan
	Activity []struct {
		Detail *struct {
			Code   *fhirCC `json:"code"`
			Status string  `json:"status"`
		} `json:"detail"`
	} `json:"activity"`
}

// fhirAttachment is a DocumentReference's content: its text inline
// (base64 in data) or by URL.
type fhirAttachment struct {
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"` // base64 in JSON
	URL         string `json:"url"`
	Title       string `json:"title"`
}

// fhirDocContext is a DocumentReference's context.
type fhirDocContext struct {
	Encounter []fhirRef   `json:"encounter"`
	Period    *fhirPeriod `json:"period"`
}

type fhirExtensionContact struct {
	System string `json:"system"`
	Value  string `json:"value"`
	Use    string `json:"use"`
}

type fhirComm struct {
	Language fhirCC `json:"language"`
}
