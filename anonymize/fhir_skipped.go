package anonymize

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Resource types the FHIR importer does not read: counted by name so the
// caller can say what a file held that the release leaves out, and
// misspellings of the types it reads caught before their rows are lost.

// SkippedType counts the resources of one type the importer skipped.
type SkippedType struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
	// Known is false for a name that is not a FHIR R4 resource type.
	Known bool `json:"known"`
}

// String says it for a report: "Claim (7)", or "Foo (1, not a FHIR R4
// resource type)".
func (s SkippedType) String() string {
	if s.Known {
		return fmt.Sprintf("%s (%d)", s.Type, s.Count)
	}
	return fmt.Sprintf("%s (%d, not a FHIR R4 resource type)", s.Type, s.Count)
}

// Skipped returns the resource types read but not flattened into a table,
// most frequent first (then by name).
func (im *FHIRImporter) Skipped() []SkippedType {
	out := make([]SkippedType, 0, len(im.skipped))
	for typ, n := range im.skipped {
		out = append(out, SkippedType{Type: typ, Count: n, Known: isR4ResourceType(typ)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Type < out[j].Type
	})
	return out
}

// SkippedWarning says in one sentence which resources were skipped, or ""
// when none were.
func SkippedWarning(source string, skipped []SkippedType) string {
	if len(skipped) == 0 {
		return ""
	}
	parts := make([]string, len(skipped))
	for i, s := range skipped {
		parts[i] = s.String()
	}
	return fmt.Sprintf("%s: skipped resources of types medmarket does not read: %s", source, strings.Join(parts, ", "))
}

// misspeltType returns the resource type the importer reads that typ
// misspells (one or two edits away, case aside), or "" when typ is a FHIR
// R4 resource type or near none of them.
func misspeltType(typ string) string {
	if isR4ResourceType(typ) {
		return ""
	}
	for _, t := range fhirResourceTypes {
		if editDistance(strings.ToLower(typ), strings.ToLower(t)) <= 2 {
			return t
		}
	}
	return ""
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance between a and b: transposed letters ("Patinet") count once.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// r4ResourceTypes are the resource types of FHIR R4 (4.0.1), space-separated.
const r4ResourceTypes = " Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse AuditEvent Basic Binary " +
	"BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition " +
	"Claim ClaimResponse ClinicalImpression CodeSystem Communication CommunicationRequest CompartmentDefinition Composition ConceptMap " +
	"Condition Consent Contract Coverage CoverageEligibilityRequest CoverageEligibilityResponse DetectedIssue Device DeviceDefinition " +
	"DeviceMetric DeviceRequest DeviceUseStatement DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis Encounter " +
	"Endpoint EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence EvidenceVariable ExampleScenario " +
	"ExplanationOfBenefit FamilyMemberHistory Flag Goal GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy Immunization " +
	"ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice Library Linkage List Location Measure " +
	"MeasureReport Media Medication MedicationAdministration MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement " +
	"MedicinalProduct MedicinalProductAuthorization MedicinalProductContraindication MedicinalProductIndication MedicinalProductIngredient " +
	"MedicinalProductInteraction MedicinalProductManufactured MedicinalProductPackaged MedicinalProductPharmaceutical " +
	"MedicinalProductUndesirableEffect MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionOrder Observation " +
	"ObservationDefinition OperationDefinition OperationOutcome Organization OrganizationAffiliation Parameters Patient PaymentNotice " +
	"PaymentReconciliation Person PlanDefinition Practitioner PractitionerRole Procedure Provenance Questionnaire QuestionnaireResponse " +
	"RelatedPerson RequestGroup ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment " +
	"RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen SpecimenDefinition StructureDefinition StructureMap " +
	"Subscription Substance SubstanceNucleicAcid SubstancePolymer SubstanceProtein SubstanceReferenceInformation SubstanceSourceMaterial " +
	"SubstanceSpecification SupplyDelivery SupplyRequest Task TerminologyCapabilities TestReport TestScript ValueSet VerificationResult " +
	"VisionPrescription "

func isR4ResourceType(typ string) bool {
	return typ != "" && !strings.ContainsAny(typ, " ") && strings.Contains(r4ResourceTypes, " "+typ+" ")
}

// jsonKind names the JSON a Go type decodes, for error messages that must
// not show Go type names.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "base64 text"
		}
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.String:
		if t.PkgPath() == "encoding/json" { // json.Number
			return "a number"
		}
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32,
		reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a value"
}

// jsonKindOf names the kind of JSON value an UnmarshalTypeError reports
// ("object", "array", "string", "number", "bool").
func jsonKindOf(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "string":
		return "text"
	case v == "bool":
		return "true or false"
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return v
}
