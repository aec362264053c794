package anonymize

import (
	"slices"
	"strings"
	"unicode"
)

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
		{CatID, []string{"id", "patient_id", "patient", "encounter", "person_id", "personid", "patientid", "uuid", "guid", "record_id", "subject_id", "subject", "participant_id", "member"}, nil},
		{CatDemographic, []string{"sex", "gender", "race", "ethnicity", "marital", "marital_status", "education", "native_country", "nationality", "religion", "language", "occupation_group", "workclass", "salary_class", "income"}, []string{"gender", "race", "ethnicity", "marital"}},
		{CatSensitive, []string{"diagnosis", "condition", "disease", "icd", "icd10", "result", "occupation", "medication", "drug", "outcome", "hiv_status"}, []string{"diagnosis", "disease"}},
	}
)

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
