package store

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// Vocabulary for generated listings, close to what health-data catalogs hold.
var (
	genConditions = []string{"diabetes", "hypertension", "asthma", "COPD", "breast cancer", "lung cancer",
		"prostate cancer", "colorectal cancer", "heart failure", "atrial fibrillation", "stroke", "dementia",
		"Alzheimer's disease", "Parkinson's disease", "multiple sclerosis", "epilepsy", "migraine", "depression",
		"anxiety", "schizophrenia", "bipolar disorder", "obesity", "chronic kidney disease", "hepatitis C",
		"HIV", "tuberculosis", "influenza", "COVID-19", "sepsis", "pneumonia", "osteoporosis",
		"rheumatoid arthritis", "lupus", "psoriasis", "Crohn's disease", "ulcerative colitis", "celiac disease",
		"anemia", "sickle cell disease", "cystic fibrosis", "melanoma", "leukemia", "lymphoma", "glaucoma",
		"cataract", "macular degeneration", "hearing loss", "autism", "ADHD", "preeclampsia",
		"gestational diabetes", "preterm birth", "neonatal jaundice", "otitis media", "appendicitis",
		"gallstones", "pancreatitis", "cirrhosis", "hypothyroidism", "hyperthyroidism"}
	genKinds   = []string{"outcomes", "cohort", "registry", "lab results", "vital signs", "medication adherence", "readmissions", "claims", "encounters", "longitudinal records", "trial arm", "screening", "follow-up", "imaging reports", "care pathways"}
	genPlaces  = []string{"Massachusetts", "Bavaria", "Lombardy", "Ontario", "Catalonia", "Scotland", "Queensland", "Kenya", "Brazil", "Japan", "rural clinics", "urban hospitals", "primary care", "ICU", "pediatric wards", "community health centers"}
	genWords   = []string{"adult", "pediatric", "elderly", "synthetic", "synthea", "anonymized", "k-anonymous", "de-identified", "multi-center", "retrospective", "prospective", "five-year", "ten-year", "annual", "quarterly", "baseline", "treatment", "control", "placebo", "insulin", "metformin", "statins", "ACE inhibitors", "biologics", "chemotherapy", "radiotherapy", "surgery", "telehealth", "wearables", "genomic", "HbA1c", "blood pressure", "BMI", "cholesterol", "eGFR", "spirometry", "MRI", "CT", "ECG", "biomarkers"}
	genColumns = []string{"patient_age", "age_band", "sex", "gender", "zip3", "region", "birth_year", "ethnicity",
		"race", "marital_status", "encounter_date", "encounter_type", "admission_date", "discharge_date",
		"length_of_stay", "diagnosis_code", "icd10", "snomed_code", "condition", "onset_date", "observation_code",
		"loinc", "value", "unit", "hba1c", "systolic_bp", "diastolic_bp", "heart_rate", "bmi", "weight_kg",
		"height_cm", "cholesterol_total", "ldl", "hdl", "egfr", "creatinine", "glucose", "medication",
		"rxnorm", "dose_mg", "start_date", "stop_date", "procedure_code", "cost", "payer", "provider_specialty",
		"smoking_status", "alcohol_use", "outcome", "death_date", "readmitted_30d", "icu_admission",
		"ventilation", "vaccine_code", "allergy", "severity", "trial_arm", "visit_number", "adverse_event"}
	genPublishers = []string{"Riverside Patient Group", "St. Mary's Clinic", "Northwind Health", "Open Cohort Collective",
		"Diabetes UK Patients", "Heartbeat Registry", "Synthea Demo Hub", "Lakeside Hospital", "Patient Data Coop",
		"Alpine Research Clinic", "Harbor Health Network", "Sunrise Pediatrics"}
	genTypes = []string{"string", "integer", "decimal", "date", "datetime", "boolean"}
	genRoles = []string{"insensitive", "quasi-identifier", "sensitive", "insensitive"}
	genDUO   = []marketplace.DUO{marketplace.GRU, marketplace.HMB, marketplace.HMB, marketplace.DS, marketplace.HMB | marketplace.NCU,
		marketplace.HMB | marketplace.IRB, marketplace.GRU | marketplace.NCU | marketplace.PUB, marketplace.DS | marketplace.IRB | marketplace.COL,
		marketplace.NRES, marketplace.HMB | marketplace.NPU | marketplace.RTN}
	genSellers = func() []common.Address {
		var a []common.Address
		for i := 1; i <= 500; i++ {
			a = append(a, common.BigToAddress(big.NewInt(int64(0xA000+i))))
		}
		return a
	}()
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// genCard returns a plausible dataset card.
func genCard(r *rand.Rand) *marketplace.DatasetCard {
	cond := pick(r, genConditions)
	title := fmt.Sprintf("%s %s, %s", strings.ToUpper(cond[:1])+cond[1:], pick(r, genKinds), pick(r, genPlaces))
	if r.IntN(2) == 0 {
		title = pick(r, genWords) + " " + title
	}
	var desc strings.Builder
	fmt.Fprintf(&desc, "Anonymized %s %s from %s. ", cond, pick(r, genKinds), pick(r, genPlaces))
	for range 3 + r.IntN(4) {
		fmt.Fprintf(&desc, "Includes %s and %s data for %s patients with %s. ", pick(r, genWords), pick(r, genWords), pick(r, genWords), pick(r, genConditions))
	}
	tags := []string{cond, pick(r, genWords), pick(r, genKinds)}
	for range r.IntN(3) {
		tags = append(tags, pick(r, genWords))
	}
	ncol := 6 + r.IntN(14)
	cols := make([]marketplace.CardColumn, 0, ncol)
	seen := map[string]bool{}
	for len(cols) < ncol {
		n := pick(r, genColumns)
		if seen[n] {
			continue
		}
		seen[n] = true
		cols = append(cols, marketplace.CardColumn{Name: n, Type: pick(r, genTypes), Role: pick(r, genRoles)})
	}
	dts := []string{"patients"}
	for _, dt := range marketplace.DataTypes()[1:] {
		if r.IntN(4) == 0 {
			dts = append(dts, dt)
		}
	}
	return &marketplace.DatasetCard{
		Version: marketplace.CardVersion, Title: title, Description: desc.String(), Tags: tags,
		Publisher: pick(r, genPublishers),
		Columns:   cols, Rows: uint64(100 + r.IntN(1_000_000)), DataTypes: dts, Format: pick(r, marketplace.CardFormats()),
		Report: []byte(fmt.Sprintf(`{"k":%d,"reidentification_risk":%.3f}`, 2+r.IntN(9), r.Float64()/5)),
	}
}

// genListing returns listing id with a generated card, listed at block id (one per block).
func genListing(r *rand.Rand, id uint64) *marketplace.Listing {
	card := genCard(r)
	h, _ := card.Hash()
	price := new(big.Int).Mul(big.NewInt(int64(1+r.IntN(2000))), big.NewInt(1e15)) // 0.001 .. 2 ether
	return &marketplace.Listing{
		ID: id, Seller: pick(r, genSellers), ContentHash: common.BigToHash(new(big.Int).SetUint64(id<<8 | 1)),
		Price: price, Terms: marketplace.Terms{Use: pick(r, genDUO), DurationDays: uint32(r.IntN(3) * 365), Seats: uint16(r.IntN(5))},
		MetadataHash: h, Provider: fmt.Sprintf("https://node%d.example.org/", r.IntN(50)), Block: 100 + id, LogIndex: 0, TxHash: common.BigToHash(new(big.Int).SetUint64(id)),
		ListedAt: time.Unix(1_750_000_000+int64(id)*12, 0).UTC(), Active: true, Card: card, CardStatus: marketplace.CardVerified,
	}
}

func listedEvent(l *marketplace.Listing) marketplace.ListingEvent {
	return marketplace.ListingEvent{Kind: marketplace.EventListed, ListingID: l.ID, Block: l.Block, LogIndex: l.LogIndex, TxHash: l.TxHash, Listing: l}
}
