package anonymize

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Category is the kind of identifier a column holds, after the 18 HIPAA
// Safe Harbor categories (45 CFR 164.514(b)(2)(i)) plus the demographics
// that act as quasi-identifiers.
type Category string

const (
	CatNone        Category = ""
	CatName        Category = "name"           // (A) names
	CatAddress     Category = "street-address" // (B) street address
	CatCity        Category = "city"           // (B)
	CatCounty      Category = "county"         // (B)
	CatBirthplace  Category = "birthplace"     // (B) a place smaller than a state
	CatZIP         Category = "zip"            // (B) ZIP code: 3 digits may stay
	CatCoordinates Category = "coordinates"    // (B) latitude, longitude
	CatDate        Category = "date"           // (C) dates related to the person: year may stay
	CatAge         Category = "age"            // (C) ages over 89
	CatPhone       Category = "phone"          // (D)
	CatFax         Category = "fax"            // (E)
	CatEmail       Category = "email"          // (F)
	CatSSN         Category = "ssn"            // (G)
	CatMRN         Category = "mrn"            // (H) medical record number
	CatHealthPlan  Category = "health-plan"    // (I) health plan beneficiary number
	CatAccount     Category = "account"        // (J)
	CatLicense     Category = "license"        // (K) certificate/licence numbers, passports
	CatVehicle     Category = "vehicle"        // (L)
	CatDevice      Category = "device"         // (M)
	CatURL         Category = "url"            // (N)
	CatIP          Category = "ip"             // (O)
	CatBiometric   Category = "biometric"      // (P)
	CatPhoto       Category = "photo"          // (Q)
	CatID          Category = "identifier"     // (R) any other unique identifying number or code
	CatState       Category = "state"          // allowed by Safe Harbor; a quasi-identifier
	CatDemographic Category = "demographic"    // sex, race, marital status...: quasi-identifiers
	CatSensitive   Category = "sensitive"      // diagnoses, results...: what must not be learnt
	CatKeep        Category = "keep"           // an override: leave the column alone
)

// Direct reports whether Safe Harbor removes the category's values outright.
func (c Category) Direct() bool {
	switch c {
	case CatName, CatAddress, CatCity, CatCounty, CatBirthplace, CatCoordinates, CatPhone, CatFax,
		CatEmail, CatSSN, CatMRN, CatHealthPlan, CatAccount, CatLicense, CatVehicle, CatDevice,
		CatURL, CatIP, CatBiometric, CatPhoto, CatID:
		return true
	}
	return false
}

// Suggestion is a proposed role and transform for one column, with why.
// Users override it in the pipeline config.
type Suggestion struct {
	Column   string   `json:"column"`
	Category Category `json:"category,omitempty"`
	Role     Role     `json:"role"`
	// Transform names the suggested treatment: "drop", "pseudonymize",
	// "zip3", "year", "top-code", "generalize" or "keep".
	Transform  string  `json:"transform"`
	Confidence float64 `json:"confidence"`
	Reason     string  `json:"reason"`
}

// Suggest proposes a role and a transform for every column of t, from the
// column's name and a sample of its distinct values.
func Suggest(t *Table) []Suggestion {
	out := make([]Suggestion, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = SuggestColumn(c)
	}
	return out
}

// name rules: normalized column names (lower case, '_' between words) that
// mark a category, as whole names or as any word of the name.
var (
	zipNames  = []string{"zip", "zipcode", "zip_code", "postal", "postalcode", "postal_code", "postcode", "plz"}
	nameRules = []struct {
		cat   Category
		whole []string // the whole normalized name
		words []string // any word of the name
	}{
		{CatSSN, []string{"ssn", "social_security_number", "socialsecurity", "social_security", "sin", "nino"}, []string{"ssn"}},
		{CatEmail, []string{"email", "e_mail", "mail", "email_address"}, []string{"email"}},
		{CatFax, []string{"fax", "fax_number"}, []string{"fax"}},
		{CatPhone, []string{"phone", "telephone", "tel", "mobile", "cell", "phone_number", "contact_number"}, []string{"phone", "telephone", "mobile"}},
		{CatURL, []string{"url", "website", "homepage", "web", "uri"}, []string{"url", "website", "homepage"}},
		{CatIP, []string{"ip", "ip_address", "ipaddress", "ipv4", "ipv6", "client_ip"}, nil},
		{CatMRN, []string{"mrn", "medical_record_number", "medical_record", "record_number", "patient_number", "chart_number"}, []string{"mrn"}},
		{CatHealthPlan, []string{"health_plan", "member_id", "beneficiary", "beneficiary_id", "insurance_id", "insurance_number", "policy_number", "subscriber_id", "medicaid_id", "medicare_id", "payer_id_number"}, []string{"beneficiary", "subscriber"}},
		{CatAccount, []string{"account", "account_number", "acct", "iban", "bank_account", "credit_card", "card_number"}, []string{"iban", "account"}},
		{CatLicense, []string{"drivers", "driver", "drivers_license", "driver_license", "driving_licence", "license", "licence", "license_number", "passport", "passport_number", "certificate", "certificate_number"}, []string{"passport", "licence", "license", "drivers"}},
		{CatVehicle, []string{"vin", "license_plate", "licence_plate", "plate", "vehicle", "vehicle_id"}, []string{"vin", "vehicle"}},
		{CatDevice, []string{"device", "device_id", "serial", "serial_number", "udi", "imei", "mac", "mac_address"}, []string{"device", "serial", "udi", "imei"}},
		{CatBiometric, []string{"fingerprint", "biometric", "retina", "voiceprint", "iris"}, []string{"biometric", "fingerprint"}},
		{CatPhoto, []string{"photo", "picture", "image", "face", "photograph"}, []string{"photo"}},
		{CatCoordinates, []string{"lat", "lon", "lng", "long", "latitude", "longitude", "geo", "coordinates", "geolocation", "location"}, []string{"latitude", "longitude"}},
		{CatZIP, zipNames, []string{"zip", "postal", "postcode"}},
		{CatBirthplace, []string{"birthplace", "place_of_birth", "birth_place", "pob"}, []string{"birthplace"}},
		{CatAddress, []string{"address", "street", "addr", "address_line", "line", "address1", "address2", "street_address", "home_address"}, []string{"address", "street"}},
		{CatCity, []string{"city", "town", "municipality", "village"}, []string{"city"}},
		{CatCounty, []string{"county", "district", "precinct", "borough"}, []string{"county", "precinct"}},
		{CatName, []string{"name", "first", "last", "firstname", "lastname", "first_name", "last_name", "given", "given_name", "family", "family_name", "surname", "maiden", "maiden_name", "middle", "middle_name", "full_name", "fullname", "patient_name", "prefix", "suffix", "nickname", "mother_name", "father_name"}, []string{"surname", "maiden", "firstname", "lastname"}},
		{CatAge, []string{"age", "age_years", "age_in_years", "patient_age"}, []string{"age"}},
		{CatState, []string{"state", "province", "region"}, nil},
		{CatDate, []string{"dob", "birthdate", "birth_date", "date_of_birth", "deathdate", "death_date", "date_of_death", "dod", "date", "admission", "discharge", "birth_year", "birthyear", "year_of_birth", "yob"}, []string{"date", "birthdate", "deathdate", "dob"}},
		{CatID, []string{"id", "patient_id", "patient", "person_id", "personid", "patientid", "uuid", "guid", "record_id", "subject_id", "subject", "participant_id", "member"}, nil},
		{CatDemographic, []string{"sex", "gender", "race", "ethnicity", "marital", "marital_status", "education", "native_country", "nationality", "religion", "language", "occupation_group", "workclass", "salary_class", "income"}, []string{"gender", "race", "ethnicity", "marital"}},
		{CatSensitive, []string{"diagnosis", "condition", "disease", "icd", "icd10", "result", "occupation", "medication", "drug", "outcome", "hiv_status"}, []string{"diagnosis", "disease"}},
	}
)

var (
	ssnRe    = regexp.MustCompile(`^\d{3}-\d{2}-\d{4}$`)
	emailRe  = regexp.MustCompile(`^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$`)
	phoneRe  = regexp.MustCompile(`^(\+?\d{1,3}[ .\-]?)?\(?\d{3}\)?[ .\-]?\d{3}[ .\-]?\d{4}( ?(x|ext\.?) ?\d{1,5})?$`)
	urlRe    = regexp.MustCompile(`(?i)^(https?|ftp)://[^\s]+$|^www\.[^\s]+\.[a-z]{2,}`)
	uuidRe   = regexp.MustCompile(`(?i)^(urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	macRe    = regexp.MustCompile(`(?i)^[0-9a-f]{2}([:\-][0-9a-f]{2}){5}$`)
	vinRe    = regexp.MustCompile(`^[A-HJ-NPR-Z0-9]{17}$`)
	zipRe    = regexp.MustCompile(`^\d{5}(-\d{4})?$|^\d{3}$`)
	streetRe = regexp.MustCompile(`^\d{1,6}[A-Za-z]? [A-Z][A-Za-z'.\-]*( [A-Za-z0-9'.#\-]+)+$`)
)

// contentRules classify a value; the first match wins. Only kinds that a
// value shows unmistakably are here (names and cities need the column name).
var contentRules = []struct {
	cat   Category
	match func(string) bool
}{
	{CatSSN, ssnRe.MatchString},
	{CatEmail, emailRe.MatchString},
	{CatURL, urlRe.MatchString},
	{CatIP, func(v string) bool {
		a, err := netip.ParseAddr(v)
		return err == nil && (a.Is6() || strings.Count(v, ".") == 3)
	}},
	{CatDevice, macRe.MatchString},
	{CatPhone, func(v string) bool { return phoneRe.MatchString(v) && strings.ContainsAny(v, " -.()+") }},
	{CatID, uuidRe.MatchString},
	{CatVehicle, func(v string) bool {
		return vinRe.MatchString(v) && strings.IndexFunc(v, unicode.IsLetter) >= 0 && strings.IndexFunc(v, unicode.IsDigit) >= 0
	}},
	{CatAddress, streetRe.MatchString},
	{CatDate, func(v string) bool { _, ok := parseDate(v); return ok }},
}

// normalizeName lower-cases a column name and joins its words with '_'
// ("PatientFirstName" -> "patient_first_name", "e-mail" -> "e_mail").
func normalizeName(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			prevLower = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			prevLower = false
		}
	}
	return strings.Trim(b.String(), "_")
}

func nameMatches(name string, list []string) bool {
	n := normalizeName(name)
	for _, w := range list {
		if n == w {
			return true
		}
	}
	return false
}

// categoryByName returns the category a column's name suggests.
func categoryByName(name string) Category {
	n := normalizeName(name)
	for _, r := range nameRules {
		for _, w := range r.whole {
			if n == w {
				return r.cat
			}
		}
	}
	words := strings.Split(n, "_")
	if slices.Contains(words, "name") {
		for _, w := range []string{"first", "last", "given", "family", "middle", "maiden", "full", "patient", "person", "mother", "father", "nick", "sur"} {
			if slices.Contains(words, w) {
				return CatName
			}
		}
	}
	for _, r := range nameRules {
		for _, w := range r.words {
			for _, x := range words {
				if x == w {
					return r.cat
				}
			}
		}
	}
	// Identifier-like suffixes: "patient_id", "encounter_uuid".
	if last := words[len(words)-1]; len(words) > 1 && (last == "id" || last == "uuid" || last == "guid") {
		return CatID
	}
	return CatNone
}

// categoryByContent returns the category most sampled non-empty values
// match (at least 80% of them), and the share that matched.
func categoryByContent(c *Column) (Category, float64) {
	return categoryBySample(sampleValues(c.Dict))
}

// SampleValues is how many non-empty dictionary values content detection
// reads per column (the first ones, in dictionary order).
const SampleValues = 400

// sampleValues returns the prefix of dict content detection reads: up to
// and including the SampleValues-th value that is not blank.
func sampleValues(dict []string) []string {
	n := 0
	for i, v := range dict {
		if strings.TrimSpace(v) == "" {
			continue
		}
		n++
		if n >= SampleValues {
			return dict[:i+1]
		}
	}
	return dict
}

func categoryBySample(values []string) (Category, float64) {
	counts := make(map[Category]int)
	n := 0
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		n++
		for _, r := range contentRules {
			if r.match(v) {
				counts[r.cat]++
				break
			}
		}
		if n >= SampleValues {
			break
		}
	}
	if n == 0 {
		return CatNone, 0
	}
	best, bestN := CatNone, 0
	for _, r := range contentRules {
		if counts[r.cat] > bestN {
			best, bestN = r.cat, counts[r.cat]
		}
	}
	share := float64(bestN) / float64(n)
	if share < 0.8 {
		return CatNone, share
	}
	return best, share
}

// ColumnSample is what column-wise decisions (SuggestColumn, Safe Harbor's
// categories) read of a column: its metadata, its size and the first values
// of its dictionary. A plugin host sends it to a plugin so that the plugin
// decides exactly as it would seeing the whole column (ColumnPlanner).
type ColumnSample struct {
	Name    string
	Type    Type
	Role    Role
	Level   int
	Applied []string
	// Rows is the column's length, Distinct its dictionary's size.
	Rows, Distinct int
	// Values are the first dictionary values in dictionary order, through
	// the SampleValues-th non-blank one (all of them when fewer).
	Values []string
}

// SampleOf returns c's sample; Values shares c's dictionary.
func SampleOf(c *Column) ColumnSample {
	return ColumnSample{Name: c.Name, Type: c.Type, Role: c.Role, Level: c.Level, Applied: c.Applied,
		Rows: c.Len(), Distinct: len(c.Dict), Values: sampleValues(c.Dict)}
}

// SuggestColumn proposes a role and transform for one column.
func SuggestColumn(c *Column) Suggestion {
	return SuggestSample(SampleOf(c))
}

// SuggestSample is SuggestColumn on a column's sample: the same answer.
func SuggestSample(c ColumnSample) Suggestion {
	s := Suggestion{Column: c.Name}
	byName := categoryByName(c.Name)
	if ok, why := FreeTextSample(c); ok && !byName.Direct() && c.Type == TypeString {
		// By content, whatever the name says: identifiers hide in prose.
		return Suggestion{Column: c.Name, Category: CatFreeText, Role: RoleInsensitive, Transform: "drop", Confidence: 0.8, Reason: "free text: " + why}
	}
	byContent, share := categoryBySample(c.Values)
	cat := byName
	switch {
	case byName == CatNone && byContent != CatNone:
		cat = byContent
		s.Confidence = 0.6 * share
		s.Reason = "values look like " + string(byContent)
	case byName != CatNone && byContent != CatNone && byContent != byName:
		// A content match that is unmistakable beats a vaguer name.
		if byContent != CatDate && byContent != CatAddress && byName != CatDate && (byName == CatID || byName == CatName || byName == CatDemographic || byName == CatNone) {
			cat = byContent
			s.Reason = "values look like " + string(byContent) + " (name suggests " + string(byName) + ")"
			s.Confidence = 0.7 * share
		} else {
			s.Reason = "column name suggests " + string(byName)
			s.Confidence = 0.6
		}
	case byName != CatNone:
		s.Reason = "column name suggests " + string(byName)
		s.Confidence = 0.7
		if byContent == byName {
			s.Reason += " and values agree"
			s.Confidence = 0.95
		}
	}
	// Type-based fallbacks.
	if cat == CatNone && (c.Type == TypeDate || c.Type == TypeDateTime) {
		cat, s.Reason, s.Confidence = CatDate, "values are dates", 0.8
	}
	if cat == CatCoordinates && !c.Type.Numeric() && byContent != CatNone {
		cat = byContent
	}
	if cat == CatID && c.Type == TypeInteger && byContent == CatNone && c.Rows > 0 && c.Distinct*2 < c.Rows {
		// Many rows share each value: a code, not a record identifier.
		cat, s.Reason, s.Confidence = CatNone, "", 0
	}
	s.Category = cat
	switch {
	case cat == CatID || cat == CatMRN:
		s.Role, s.Transform = RoleDirect, "pseudonymize"
	case cat.Direct():
		s.Role, s.Transform = RoleDirect, "drop"
	case cat == CatZIP:
		s.Role, s.Transform = RoleQuasi, "zip3"
	case cat == CatDate:
		s.Role, s.Transform = RoleQuasi, "year"
		if n := normalizeName(c.Name); !isBirthColumn(c.Name) && !strings.Contains(n, "death") {
			s.Role = RoleInsensitive
		}
	case cat == CatAge:
		s.Role, s.Transform = RoleQuasi, "top-code"
	case cat == CatState, cat == CatDemographic:
		s.Role, s.Transform = RoleQuasi, "generalize"
	case cat == CatSensitive:
		s.Role, s.Transform = RoleSensitive, "keep"
	default:
		s.Role, s.Transform = RoleInsensitive, "keep"
		if s.Reason == "" {
			s.Reason = "no identifier found by name or content"
		}
	}
	return s
}

// findIdentifiers scans published columns for values that are direct
// identifiers (the report's findings). Columns with the direct-identifier
// role are reported elsewhere; pseudonymized columns are expected to hold
// opaque codes.
func findIdentifiers(t *Table) []Suggestion {
	var out []Suggestion
	for _, c := range t.Columns {
		if c.Role == RoleDirect || wasApplied(c, "pseudonymize") {
			continue
		}
		cat, share := categoryByContent(c)
		if cat == CatNone || !cat.Direct() || cat == CatID || cat == CatAddress {
			continue
		}
		out = append(out, Suggestion{Column: c.Name, Category: cat, Role: RoleDirect, Transform: "drop",
			Confidence: share, Reason: "published values look like " + string(cat)})
	}
	return out
}

func wasApplied(c *Column, name string) bool {
	for _, a := range c.Applied {
		if a == name {
			return true
		}
	}
	return false
}
