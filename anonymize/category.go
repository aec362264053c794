package anonymize

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
