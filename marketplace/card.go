package marketplace

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// DatasetCard is the off-chain, human-readable description of a listed dataset. The publisher
// writes it once, before listing: its hash (Hash) goes on chain as the listing's metadataHash, so
// any node that fetches the card can check it is the one listed. A card is never edited; a new
// card means a new listing.
type DatasetCard struct {
	// Version is the card format's version; CardVersion for cards written by this code.
	Version int `json:"version"`
	// Title is a one-line name for the dataset (required, at most 200 characters).
	Title string `json:"title"`
	// Description says what the data is, where it comes from and how it was anonymized.
	Description string `json:"description"`
	// Tags are short keywords for search ("diabetes", "synthea").
	Tags []string `json:"tags"`
	// Publisher names who publishes (a patient, clinic or patient group); a catalog filter.
	Publisher string `json:"publisher"`
	// Columns is the schema of the published table.
	Columns []CardColumn `json:"columns"`
	// Rows is the number of data rows published.
	Rows uint64 `json:"rows"`
	// DataTypes says which kinds of health records the dataset holds (see DataTypes()).
	DataTypes []string `json:"data_types"`
	// Format is the file format a buyer downloads: "csv" or "parquet"; of
	// each table inside the package when Package is set.
	Format string `json:"format"`
	// Package is "zip" for a release of several tables (Tables): the buyer
	// downloads a ZIP holding one file per table in Format plus a
	// manifest.json; "" for one file.
	Package string `json:"package,omitempty"`
	// Tables describes each table of a release package (Package "zip"):
	// its name, rows, schema and what was done to each column. Columns and
	// Rows then describe the patient table (Rows: the patients).
	Tables []CardTable `json:"tables,omitempty"`
	// TermsDetail holds the human-readable part of the DUO terms, keyed by code shorthand: the
	// disease for DS, the region for GS, the approval needed for IRB...
	TermsDetail map[string]string `json:"terms_detail,omitempty"`
	// Report is the anonymization report summary (risk figures, per-column treatment), kept as
	// opaque JSON: the anonymize package owns its format.
	Report json.RawMessage `json:"report,omitempty"`
	// RiskAccepted records that the publisher explicitly accepted a highest re-identification
	// risk above the anonymization policy's threshold (who, when, the figure, the threshold, in
	// their words); nil when the release passed the gate without an acceptance.
	RiskAccepted *CardRiskAcceptance `json:"risk_accepted,omitempty"`
	// Statistics are what a researcher sees of the data before buying,
	// released at publishing with differential privacy under one ε the
	// publisher sets, kept as opaque JSON: the anonymize/dp package owns
	// its format. Absent on cards written before statistics existed.
	Statistics json.RawMessage `json:"statistics,omitempty"`
	// Questions says the listing's provider answers aggregate questions
	// before buying, under differential privacy, and with which budget;
	// nil: it answers none.
	Questions *CardQuestions `json:"questions,omitempty"`
	// Pool says the listing is a version of a patient pool's cohort; nil
	// for a listing of one publisher's own data.
	Pool *CardPool `json:"pool,omitempty"`
	// Signature is the seller's EIP-191 signature of CardSignatureMessage: the card (without this
	// field), bound to the chain, the contract and the listing's content hash. Indexing nodes
	// check it recovers to the listing's seller on chain, so a listing that copies another
	// seller's content hash and card is not shown (see catalog). Set by the publisher after
	// encrypting (the content hash is known then); part of the encoding the metadata hash covers.
	Signature hexutil.Bytes `json:"signature,omitempty"`
}

// CardSignatureMessage returns the text a seller signs (EIP-191 personal message) to vouch for
// a card: readable, so a wallet shows what it signs. unsignedCard is DatasetCard.UnsignedHash.
func CardSignatureMessage(chainID uint64, contract common.Address, content, unsignedCard common.Hash) []byte {
	return fmt.Appendf(nil, "medmarket dataset card\nchain: %d\ncontract: %s\ncontent: %s\ncard: %s\n",
		chainID, contract.Hex(), content.Hex(), unsignedCard.Hex())
}

// UnsignedHash returns the hash of the card's canonical encoding without its signature: what the
// seller signs.
func (c *DatasetCard) UnsignedHash() (common.Hash, error) {
	cc := *c
	cc.Signature = nil
	return cc.Hash()
}

// CardPool describes a version of a patient pool's cohort: which pool,
// which version and configuration, how many patients, and exactly which
// contributions it holds (the Merkle root the pool's log records), so
// that a researcher knows what was bought and each contributor can check
// whether their record is in it.
type CardPool struct {
	// Contract is the pool's PoolPayouts contract: the listing's seller,
	// which shares each sale among the contributors.
	Contract common.Address `json:"contract"`
	Name     string         `json:"name"`
	// Hub is the provider URL of the pool's hub, which serves its log.
	Hub           string `json:"hub"`
	Version       int    `json:"version"`
	ConfigVersion int    `json:"config_version"`
	Patients      int    `json:"patients"`
	// Contributions is the Merkle root of the contributions the version
	// holds (pools.ContributionsRoot).
	Contributions common.Hash `json:"contributions"`
	// FeeBasisPoints is the operator's share of each sale.
	FeeBasisPoints uint16 `json:"fee_basis_points"`
	// K is the k-anonymity enforced over the version's patients.
	K int `json:"k"`
}

// Validate checks a pool section's fields.
func (p *CardPool) Validate() error {
	switch {
	case p.Contract == (common.Address{}):
		return Errorf(EINVALID, "Card pool: contract required.")
	case p.Version < 1 || p.ConfigVersion < 1:
		return Errorf(EINVALID, "Card pool: version %d, configuration %d: both start at 1.", p.Version, p.ConfigVersion)
	case p.Patients < 1:
		return Errorf(EINVALID, "Card pool: patients must be at least 1.")
	case p.Contributions == (common.Hash{}):
		return Errorf(EINVALID, "Card pool: the contributions' root is required.")
	case p.FeeBasisPoints > 10_000:
		return Errorf(EINVALID, "Card pool: fee %d basis points is above 10,000.", p.FeeBasisPoints)
	}
	if err := checkText("pool name", p.Name, maxTitleLen, true); err != nil {
		return err
	}
	return ValidateProviderURL(p.Hub)
}

// CardVersion is the version of the card format this code writes.
const CardVersion = 1

// CardColumn describes one column of the published table.
type CardColumn struct {
	// Name is the column header.
	Name string `json:"name"`
	// Type is a column type ("string", "integer", "date"...), as the anonymize engine names them.
	Type string `json:"type"`
	// Role is a column role ("quasi-identifier", "sensitive"...), as the anonymize engine names them.
	Role string `json:"role"`
}

// CardTable is one table of a release package.
type CardTable struct {
	Name    string       `json:"name"`
	Rows    uint64       `json:"rows"`
	Columns []CardColumn `json:"columns"`
	// Treatments says what the anonymization did to each column of the
	// table's input, dropped ones included.
	Treatments []CardTreatment `json:"treatments,omitempty"`
}

// CardTreatment is what was done to one input column ("kept", "dropped",
// "pseudonymized (patient key)"...) and the share of its information lost.
type CardTreatment struct {
	Column    string  `json:"column"`
	Treatment string  `json:"treatment"`
	Loss      float64 `json:"loss"`
}

// PackageZIP is DatasetCard.Package for a release of several tables.
const PackageZIP = "zip"

// The lists below are never written: DataTypes and CardFormats hand out copies, so no caller can
// change what Validate accepts.

// columnTypes are the column types a card may name, the anonymize engine's type names.
var columnTypes = []string{"string", "integer", "decimal", "date", "datetime", "boolean"}

// columnRoles are the column roles a card may name, the anonymize engine's role names.
var columnRoles = []string{"insensitive", "direct-identifier", "quasi-identifier", "sensitive"}

// DataTypes returns the kinds of health records a card may declare, after the FHIR R4 resources
// Synthea and EHR exports hold, plus "other". The catalog filters on them; the list is
// append-only (the catalog index stores each as a bit, by position).
func DataTypes() []string { return slices.Clone(dataTypes) }

// dataTypes is the list DataTypes copies.
var dataTypes = []string{
	"patients", "encounters", "observations", "conditions", "medications", "procedures",
	"immunizations", "allergies", "careplans", "imaging", "devices", "claims", "genomics",
	"questionnaires", "other",
}

// cardFormats are the file formats a buyer may receive.
var cardFormats = []string{"csv", "parquet"}

// CardFormats returns the file formats a buyer may receive.
func CardFormats() []string { return slices.Clone(cardFormats) }

// Limits on a card, so that a hostile card cannot bloat every node's catalog.
const (
	MaxCardBytes      = 1 << 20
	maxTitleLen       = 200
	maxDescriptionLen = 20000
	maxTags           = 32
	maxTagLen         = 64
	maxColumns        = 1000
	maxColumnNameLen  = 128
	maxPublisherLen   = 200
	maxURLLen         = 2000
	maxTermsDetailLen = 1000
)

// ErrCardTooLarge is wrapped by the error of a card source that was sent a card of more than
// MaxCardBytes: the card is refused for good, not fetched again.
const ErrCardTooLarge cardError = "dataset card larger than MaxCardBytes"

// cardError is the type of ErrCardTooLarge: a constant rather than a variable, so no code can
// reassign what errors.Is compares with.
type cardError string

func (e cardError) Error() string { return string(e) }

// MaxCardReportBytes bounds the anonymization report a card carries (its
// JSON): publishing refuses a larger one, naming both sizes, and a card with
// one is invalid everywhere (DatasetCard.Validate).
const MaxCardReportBytes = 512 << 10

// Validate reports whether the card is complete and within limits, as an EINVALID error naming the
// first bad field.
func (c *DatasetCard) Validate() error {
	if c == nil {
		return Errorf(EINVALID, "Dataset card required.")
	}
	if c.Version != CardVersion {
		return Errorf(EINVALID, "Card version %d unsupported (want %d).", c.Version, CardVersion)
	}
	if err := checkText("title", c.Title, maxTitleLen, true); err != nil {
		return err
	}
	if err := checkText("description", c.Description, maxDescriptionLen, false); err != nil {
		return err
	}
	if len(c.Tags) > maxTags {
		return Errorf(EINVALID, "Card tags: %d given, at most %d allowed.", len(c.Tags), maxTags)
	}
	for i, t := range c.Tags {
		if err := checkText(fmt.Sprintf("tags[%d]", i), t, maxTagLen, true); err != nil {
			return err
		}
	}
	if err := checkText("publisher", c.Publisher, maxPublisherLen, false); err != nil {
		return err
	}
	if err := validateColumns(c.Columns); err != nil {
		return err
	}
	if c.Rows == 0 {
		return Errorf(EINVALID, "Card rows must be at least 1.")
	}
	for i, dt := range c.DataTypes {
		if !slices.Contains(dataTypes, dt) {
			return Errorf(EINVALID, "Card data_types[%d] %q unknown (want one of %s).", i, dt, strings.Join(dataTypes, ", "))
		}
	}
	if !slices.Contains(cardFormats, c.Format) {
		return Errorf(EINVALID, "Card format %q unknown (want one of %s).", c.Format, strings.Join(cardFormats, ", "))
	}
	if err := validateTermsDetail(c.TermsDetail); err != nil {
		return err
	}
	if c.Pool != nil {
		if err := c.Pool.Validate(); err != nil {
			return err
		}
	}
	if err := c.validateTables(); err != nil {
		return err
	}
	if err := c.RiskAccepted.validate(); err != nil {
		return err
	}
	if len(c.Signature) != 0 && len(c.Signature) != 65 {
		return Errorf(EINVALID, "Card signature has %d bytes, want 65.", len(c.Signature))
	}
	if len(c.Statistics) > MaxCardStatisticsBytes {
		return Errorf(EINVALID, "Card statistics are %d bytes, more than the %d bytes allowed.", len(c.Statistics), MaxCardStatisticsBytes)
	}
	if len(c.Statistics) > 0 && !json.Valid(c.Statistics) {
		return Errorf(EINVALID, "Card statistics are not valid JSON.")
	}
	if err := c.Questions.Validate(); err != nil {
		return err
	}
	return validateReport(c.Report)
}

// validateColumns checks a card's schema: at least one column, at most
// maxColumns, each named, with a known type and role.
func validateColumns(cols []CardColumn) error {
	if len(cols) == 0 {
		return Errorf(EINVALID, "Card columns required: describe the schema.")
	}
	if len(cols) > maxColumns {
		return Errorf(EINVALID, "Card columns: %d given, at most %d allowed.", len(cols), maxColumns)
	}
	for i, col := range cols {
		if err := checkText(fmt.Sprintf("columns[%d].name", i), col.Name, maxColumnNameLen, true); err != nil {
			return err
		}
		if !slices.Contains(columnTypes, col.Type) {
			return Errorf(EINVALID, "Card columns[%d].type %q unknown (want one of %s).", i, col.Type, strings.Join(columnTypes, ", "))
		}
		if !slices.Contains(columnRoles, col.Role) {
			return Errorf(EINVALID, "Card columns[%d].role %q unknown (want one of %s).", i, col.Role, strings.Join(columnRoles, ", "))
		}
	}
	return nil
}

// validateTermsDetail checks that each key is a DUO shorthand and each text
// within limits.
func validateTermsDetail(detail map[string]string) error {
	for code, text := range detail {
		if d, err := ParseDUO(code); err != nil || d.Short() != code {
			return Errorf(EINVALID, "Card terms_detail key %q is not a DUO code shorthand such as DS or GS.", code)
		}
		if err := checkText("terms_detail."+code, text, maxTermsDetailLen, true); err != nil {
			return err
		}
	}
	return nil
}

// validateReport checks the optional anonymization report: a JSON object
// of at most MaxCardReportBytes.
func validateReport(report json.RawMessage) error {
	if len(report) == 0 {
		return nil
	}
	if len(report) > MaxCardReportBytes {
		return Errorf(EINVALID, "Card report is %d bytes, more than the %d bytes allowed.", len(report), MaxCardReportBytes)
	}
	if !json.Valid(report) || bytes.TrimSpace(report)[0] != '{' {
		return Errorf(EINVALID, "Card report must be a JSON object.")
	}
	return nil
}

func checkText(field, s string, maxLen int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return Errorf(EINVALID, "Card %s required.", field)
	case len(s) > maxLen:
		return Errorf(EINVALID, "Card %s longer than %d bytes.", field, maxLen)
	case !utf8.ValidString(s):
		return Errorf(EINVALID, "Card %s is not valid UTF-8.", field)
	}
	return nil
}

// Encode returns the card's canonical encoding, the bytes whose hash goes on chain: the JSON of
// the struct with fields in declaration order, no insignificant white space (the report compacted),
// map keys sorted, and no HTML escaping. Publishers serve exactly these bytes.
func (c *DatasetCard) Encode() ([]byte, error) {
	cc := *c
	if len(c.Report) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, c.Report); err != nil {
			return nil, Wrap(EINVALID, err, "Card report is not valid JSON")
		}
		cc.Report = buf.Bytes()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&cc); err != nil {
		return nil, Wrap(EINVALID, err, "Cannot encode the dataset card")
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Hash returns the card's metadata hash: SHA-256 of its canonical encoding (Encode). SHA-256, like
// the content hash, so anyone can check a card with standard tools (sha256sum card.json).
func (c *DatasetCard) Hash() (common.Hash, error) {
	b, err := c.Encode()
	if err != nil {
		return common.Hash{}, err
	}
	return CardHash(b), nil
}

// CardHash returns the metadata hash of a card's bytes as served.
func CardHash(encoded []byte) common.Hash { return sha256.Sum256(encoded) }

// DecodeCard checks that the card bytes hash to metadataHash, decodes them and validates the card.
// A mismatch or an invalid card is an EINVALID error: the card is not the one listed.
func DecodeCard(encoded []byte, metadataHash common.Hash) (*DatasetCard, error) {
	if len(encoded) > MaxCardBytes {
		return nil, Errorf(EINVALID, "Dataset card larger than %d bytes.", MaxCardBytes)
	}
	if got := CardHash(encoded); got != metadataHash {
		return nil, Errorf(EINVALID, "Dataset card hash %s does not match the listing's metadata hash %s.", got.Hex(), metadataHash.Hex())
	}
	var c DatasetCard
	dec := json.NewDecoder(bytes.NewReader(encoded))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, Wrap(EINVALID, err, "Dataset card is not valid card JSON")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// maxTables bounds the tables of a release package a card describes.
const maxTables = 100

// validateTables checks a release package's tables: only with Package
// "zip" (which needs them), at most maxTables, each named once, with a
// valid schema and at most one treatment per column.
func (c *DatasetCard) validateTables() error {
	switch {
	case c.Package != "" && c.Package != PackageZIP:
		return Errorf(EINVALID, "Card package %q unknown (want %s or none).", c.Package, PackageZIP)
	case c.Package == PackageZIP && len(c.Tables) == 0:
		return Errorf(EINVALID, "Card tables required: a ZIP package describes each of its tables.")
	case c.Package == "" && len(c.Tables) > 0:
		return Errorf(EINVALID, "Card tables given for a single file: set package %q.", PackageZIP)
	case len(c.Tables) > maxTables:
		return Errorf(EINVALID, "Card tables: %d given, at most %d allowed.", len(c.Tables), maxTables)
	}
	seen := map[string]bool{}
	for i, t := range c.Tables {
		if err := checkText(fmt.Sprintf("tables[%d].name", i), t.Name, maxColumnNameLen, true); err != nil {
			return err
		}
		if seen[t.Name] {
			return Errorf(EINVALID, "Card tables[%d]: table %q listed twice.", i, t.Name)
		}
		seen[t.Name] = true
		if err := validateColumns(t.Columns); err != nil {
			return Errorf(EINVALID, "Card table %q: %s", t.Name, ErrorMessage(err))
		}
		if len(t.Treatments) > maxColumns {
			return Errorf(EINVALID, "Card table %q: %d treatments, at most %d allowed.", t.Name, len(t.Treatments), maxColumns)
		}
		for j, tr := range t.Treatments {
			if err := checkText(fmt.Sprintf("tables[%d].treatments[%d].column", i, j), tr.Column, maxColumnNameLen, true); err != nil {
				return err
			}
			if err := checkText(fmt.Sprintf("tables[%d].treatments[%d].treatment", i, j), tr.Treatment, maxTermsDetailLen, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// CardRiskAcceptance is a publisher's recorded acceptance of a highest re-identification risk
// above the policy's threshold (DatasetCard.RiskAccepted).
type CardRiskAcceptance struct {
	// By is the publisher's account (address) that accepted.
	By string `json:"by"`
	// At is when, RFC 3339 in UTC, by the publishing node's clock.
	At string `json:"at"`
	// Risk is the release's highest re-identification risk accepted, Threshold the policy's bound
	// it exceeds: shares, 1 = 100 %.
	Risk      float64 `json:"risk"`
	Threshold float64 `json:"threshold"`
	// Words are the publisher's own words.
	Words string `json:"words,omitempty"`
}

// maxAcceptanceWordsLen bounds CardRiskAcceptance.Words.
const maxAcceptanceWordsLen = 2000

func (a *CardRiskAcceptance) validate() error {
	if a == nil {
		return nil
	}
	if strings.TrimSpace(a.By) == "" {
		return Errorf(EINVALID, "Card risk_accepted.by required: who accepted the risk.")
	}
	if _, err := time.Parse(time.RFC3339, a.At); err != nil {
		return Errorf(EINVALID, "Card risk_accepted.at %q is not an RFC 3339 time.", a.At)
	}
	if !(a.Risk > a.Threshold && a.Risk <= 1 && a.Threshold > 0) {
		return Errorf(EINVALID, "Card risk_accepted: risk %v must be above the threshold %v, at most 1.", a.Risk, a.Threshold)
	}
	return checkText("risk_accepted.words", a.Words, maxAcceptanceWordsLen, false)
}

// Date is the acceptance's day, "2026-12-07" (At as it is when it does not parse).
func (a *CardRiskAcceptance) Date() string {
	t, err := time.Parse(time.RFC3339, a.At)
	if err != nil {
		return a.At
	}
	return t.UTC().Format("2006-01-02")
}

// String says in plain words what was accepted: "The publisher accepted a highest
// re-identification risk of 100 % (threshold 20 %) on 2026-12-07."
func (a *CardRiskAcceptance) String() string {
	return fmt.Sprintf("The publisher accepted a highest re-identification risk of %s (threshold %s) on %s.",
		cardPercent(a.Risk), cardPercent(a.Threshold), a.Date())
}

func cardPercent(f float64) string {
	return strconv.FormatFloat(100*f, 'g', 3, 64) + " %"
}
