package marketplace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Trial is a clinical trial a sponsor registered on chain: its id and the
// hash of every protocol version are in the TrialRegistry contract; title and
// identifier are kept by the sponsor's node and carried in every export.
//
// Nobody edits a Trial: registration creates it, and each amendment adds a
// protocol version once its transaction is mined.
type Trial struct {
	// ID is the trial id registered on chain: TrialID(Sponsor, Identifier).
	// It is also the id of the trial's Merkle log.
	ID common.Hash `json:"id"`
	// Title is the trial's public title, as the sponsor typed it.
	Title string `json:"title"`
	// Identifier is the trial's registry number (ClinicalTrials.gov NCT
	// number, EudraCT/CTIS number, ISRCTN...), unique per sponsor.
	Identifier string `json:"identifier"`
	// Sponsor is the account that registered the trial; only it may amend
	// the protocol, sign steps and anchor checkpoints.
	Sponsor common.Address `json:"sponsor"`
	// Protocols are the registered protocol versions, version 1 first; the
	// last one is in force.
	Protocols []ProtocolVersion `json:"protocols"`
}

// ProtocolVersion is one protocol document registered on chain by its hash.
type ProtocolVersion struct {
	Version int         `json:"version"`        // 1 for the registration, then 2, 3... per amendment
	SHA256  common.Hash `json:"sha256"`         // SHA-256 of the document, as written on chain
	Name    string      `json:"name,omitempty"` // the document's file name, for people
	Size    int64       `json:"size,omitempty"` // its length in bytes
	TxHash  common.Hash `json:"tx_hash"`        // the register or amend transaction
	Block   uint64      `json:"block"`          // the block that holds it
	Time    time.Time   `json:"time"`           // that block's time
}

// trialIDDomain separates trial ids from any other keccak256 of the same bytes.
const trialIDDomain = "medmarket/trial/v1\x00"

// TrialID derives a trial's id from its sponsor and identifier:
// keccak256("medmarket/trial/v1" || 0x00 || sponsor (20 bytes) || identifier
// (UTF-8)). Two sponsors may register the same registry number without
// clashing, and a sponsor cannot register one identifier twice.
func TrialID(sponsor common.Address, identifier string) common.Hash {
	return crypto.Keccak256Hash([]byte(trialIDDomain), sponsor.Bytes(), []byte(identifier))
}

// Limits on a trial's fields.
const (
	MaxTrialTitleLen      = 300
	MaxTrialIdentifierLen = 64
)

var trialIdentifierRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]*$`)

// Validate checks the fields a sponsor gives at registration.
func (t Trial) Validate() error {
	if err := ValidateTrialTitle(t.Title); err != nil {
		return err
	}
	if err := ValidateTrialIdentifier(t.Identifier); err != nil {
		return err
	}
	if t.Sponsor == (common.Address{}) {
		return Errorf(EINVALID, "Trial %s: sponsor required.", t.Identifier)
	}
	if t.ID != TrialID(t.Sponsor, t.Identifier) {
		return Errorf(EINVALID, "Trial %s: id %s is not the id of this sponsor and identifier.", t.Identifier, t.ID.Hex())
	}
	for i, p := range t.Protocols {
		if p.Version != i+1 {
			return Errorf(EINVALID, "Trial %s: protocol version %d is listed as number %d.", t.Identifier, p.Version, i+1)
		}
		if p.SHA256 == (common.Hash{}) {
			return Errorf(EINVALID, "Trial %s: protocol version %d has no hash.", t.Identifier, p.Version)
		}
	}
	return nil
}

// Protocol returns protocol version v, or false.
func (t Trial) Protocol(v int) (ProtocolVersion, bool) {
	if v < 1 || v > len(t.Protocols) {
		return ProtocolVersion{}, false
	}
	return t.Protocols[v-1], true
}

// ProtocolByHash returns the protocol version with document hash h, or false.
func (t Trial) ProtocolByHash(h common.Hash) (ProtocolVersion, bool) {
	for _, p := range t.Protocols {
		if p.SHA256 == h {
			return p, true
		}
	}
	return ProtocolVersion{}, false
}

// CurrentProtocol returns the protocol version in force (the zero value
// before registration).
func (t Trial) CurrentProtocol() ProtocolVersion {
	if len(t.Protocols) == 0 {
		return ProtocolVersion{}
	}
	return t.Protocols[len(t.Protocols)-1]
}

// ValidateTrialTitle checks a trial title: 1 to MaxTrialTitleLen characters
// of printable text.
func ValidateTrialTitle(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return Errorf(EINVALID, "Trial title required.")
	case !utf8.ValidString(s):
		return Errorf(EINVALID, "Trial title: not valid UTF-8.")
	case utf8.RuneCountInString(s) > MaxTrialTitleLen:
		return Errorf(EINVALID, "Trial title: %d characters, at most %d allowed.", utf8.RuneCountInString(s), MaxTrialTitleLen)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return Errorf(EINVALID, "Trial title: control characters are not allowed.")
	}
	return nil
}

// ValidateTrialIdentifier checks a registry number such as NCT01234567 or
// 2021-001234-56: letters, digits and . _ : / -, starting with a letter or
// digit, at most MaxTrialIdentifierLen characters.
func ValidateTrialIdentifier(s string) error {
	switch {
	case s == "":
		return Errorf(EINVALID, "Trial identifier required (a registry number such as NCT01234567).")
	case len(s) > MaxTrialIdentifierLen:
		return Errorf(EINVALID, "Trial identifier %q: %d characters, at most %d allowed.", s, len(s), MaxTrialIdentifierLen)
	case !trialIdentifierRE.MatchString(s):
		return Errorf(EINVALID, "Trial identifier %q: use letters, digits, '.', '_', ':', '/' or '-'.", s)
	}
	return nil
}

// StepType is what a step of a trial records.
type StepType string

// The step types. StepRegistration and StepProtocolAmendment are written by
// the trial service itself when it registers a protocol hash on chain; the
// others are recorded by the sponsor.
const (
	StepRegistration        StepType = "registration"
	StepProtocolAmendment   StepType = "protocol_amendment"
	StepSiteActivation      StepType = "site_activation"
	StepConsent             StepType = "consent"
	StepReconsent           StepType = "reconsent"
	StepScreening           StepType = "screening"
	StepEnrolment           StepType = "enrolment"
	StepRandomization       StepType = "randomization"
	StepVisit               StepType = "visit"
	StepAdverseEvent        StepType = "adverse_event"
	StepSeriousAdverseEvent StepType = "serious_adverse_event"
	StepDeviation           StepType = "deviation"
	StepWithdrawal          StepType = "withdrawal"
	StepDatabaseLock        StepType = "database_lock"
	StepUnblinding          StepType = "unblinding"
	StepAnalysis            StepType = "analysis"

	// The trial team's steps (trialteam.go): the study design, staff
	// authorizations, data queries, source data verification and locks.
	StepStudyDesign        StepType = "study_design"
	StepStaffAuthorization StepType = "staff_authorization"
	StepStaffRevocation    StepType = "staff_revocation"
	StepQuery              StepType = "query"
	StepQueryAnswer        StepType = "query_answer"
	StepQueryClose         StepType = "query_close"
	StepSDV                StepType = "sdv"
	StepCasebookLock       StepType = "casebook_lock"
	StepCasebookUnlock     StepType = "casebook_unlock"
	StepDatabaseUnlock     StepType = "database_unlock"
)

// StepTypes lists every step type in the order of a trial's life (a fresh
// copy on each call).
func StepTypes() []StepType { return slices.Clone(stepTypes) }

var stepTypes = []StepType{
	StepRegistration, StepProtocolAmendment, StepSiteActivation, StepConsent, StepReconsent,
	StepScreening, StepEnrolment, StepRandomization, StepVisit, StepAdverseEvent,
	StepSeriousAdverseEvent, StepDeviation, StepWithdrawal, StepDatabaseLock, StepUnblinding, StepAnalysis,
	StepStudyDesign, StepStaffAuthorization, StepStaffRevocation, StepQuery, StepQueryAnswer, StepQueryClose,
	StepSDV, StepCasebookLock, StepCasebookUnlock, StepDatabaseUnlock,
}

var stepTypeLabels = map[StepType]string{
	StepRegistration: "Registration", StepProtocolAmendment: "Protocol amendment",
	StepSiteActivation: "Site activation", StepConsent: "Consent", StepReconsent: "Re-consent",
	StepScreening: "Screening", StepEnrolment: "Enrolment", StepRandomization: "Randomization",
	StepVisit: "Visit / CRF data", StepAdverseEvent: "Adverse event",
	StepSeriousAdverseEvent: "Serious adverse event", StepDeviation: "Protocol deviation",
	StepWithdrawal: "Withdrawal", StepDatabaseLock: "Database lock", StepUnblinding: "Unblinding",
	StepAnalysis:    "Analysis",
	StepStudyDesign: "Study design", StepStaffAuthorization: "Staff authorization",
	StepStaffRevocation: "Staff revocation", StepQuery: "Data query", StepQueryAnswer: "Query answer",
	StepQueryClose: "Query closed", StepSDV: "Source data verified", StepCasebookLock: "Casebook lock",
	StepCasebookUnlock: "Casebook unlock", StepDatabaseUnlock: "Database unlock",
}

// stepTypeAliases are other spellings users and source systems use.
var stepTypeAliases = map[string]StepType{
	"enrollment": StepEnrolment, "randomisation": StepRandomization, "re_consent": StepReconsent,
	"crf": StepVisit, "visit_data": StepVisit, "crf_data": StepVisit, "ae": StepAdverseEvent,
	"sae": StepSeriousAdverseEvent, "protocol_deviation": StepDeviation, "amendment": StepProtocolAmendment,
	"lock": StepDatabaseLock, "db_lock": StepDatabaseLock, "design": StepStudyDesign,
	"source_data_verification": StepSDV, "unlock": StepDatabaseUnlock, "db_unlock": StepDatabaseUnlock,
}

// Label is the step type's name for people.
func (t StepType) Label() string {
	if l, ok := stepTypeLabels[t]; ok {
		return l
	}
	return string(t)
}

// Validate refuses unknown step types.
func (t StepType) Validate() error {
	if _, ok := stepTypeLabels[t]; !ok {
		return Errorf(EINVALID, "Step type %q: not one of %s.", string(t), stepTypeList())
	}
	return nil
}

// Recordable reports whether users record this type (registration and
// amendments are recorded when the protocol hash is registered on chain).
func (t StepType) Recordable() bool {
	return t != StepRegistration && t != StepProtocolAmendment && t.Validate() == nil
}

// SubjectLevel reports whether a step of this type concerns one subject,
// who must then be named.
func (t StepType) SubjectLevel() bool {
	switch t {
	case StepConsent, StepReconsent, StepScreening, StepEnrolment, StepRandomization,
		StepAdverseEvent, StepSeriousAdverseEvent, StepWithdrawal, StepCasebookLock, StepCasebookUnlock:
		return true
	}
	return false
}

// ParseStepType reads a step type, accepting '-' or ' ' for '_', any case,
// and common spellings ("enrollment", "AE", "re-consent").
func ParseStepType(s string) (StepType, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer("-", "_", " ", "_", "/", "_").Replace(n)
	if t, ok := stepTypeAliases[n]; ok {
		return t, nil
	}
	t := StepType(n)
	if err := t.Validate(); err != nil {
		return "", Errorf(EINVALID, "Step type %q: not one of %s.", s, stepTypeList())
	}
	return t, nil
}

func stepTypeList() string {
	names := make([]string, len(stepTypes))
	for i, t := range stepTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// SignatureMeaning is what a signer states by signing a step (21 CFR
// 11.50(a)(3)).
type SignatureMeaning string

const (
	MeaningAuthored SignatureMeaning = "authored" // the signer made this record
	MeaningReviewed SignatureMeaning = "reviewed" // the signer checked it
	MeaningApproved SignatureMeaning = "approved" // the signer approves it
)

// SignatureMeanings lists the meanings (a fresh slice on each call).
func SignatureMeanings() []SignatureMeaning {
	return []SignatureMeaning{MeaningAuthored, MeaningReviewed, MeaningApproved}
}

// Validate refuses unknown meanings.
func (m SignatureMeaning) Validate() error {
	switch m {
	case MeaningAuthored, MeaningReviewed, MeaningApproved:
		return nil
	}
	return Errorf(EINVALID, "Signature meaning %q: use authored, reviewed or approved.", string(m))
}

// ParseSignatureMeaning reads a meaning in any case; "author", "review" and
// "approve" are accepted too.
func ParseSignatureMeaning(s string) (SignatureMeaning, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	switch n {
	case "author", "authorship", "authored", "created":
		return MeaningAuthored, nil
	case "review", "reviewed", "verified":
		return MeaningReviewed, nil
	case "approve", "approved", "approval":
		return MeaningApproved, nil
	}
	return "", Errorf(EINVALID, "Signature meaning %q: use authored, reviewed or approved.", s)
}

// StepFormat names the format of a Step's signed bytes.
const StepFormat = "medmarket-trial-step/v1"

// MaxStepDataLen bounds a step's structured payload; documents go in by hash.
const MaxStepDataLen = 64 << 10

// Step is one entry of a trial's audit trail: what happened (type, subject,
// data), who signed it and with what meaning, when the node recorded it, and,
// for a correction, which earlier entry it corrects and why. The sponsor's
// key signs its canonical JSON (EIP-191), and the signed step is appended to
// the trial's Merkle log. Nothing edits a Step: a correction is a new step
// that references the old one, which stays.
type Step struct {
	Format string      `json:"format"` // StepFormat
	Trial  common.Hash `json:"trial"`  // the trial id
	// Index is the step's position in the trial's log, fixed before signing,
	// so a signature cannot be moved to another position.
	Index uint64   `json:"index"`
	Type  StepType `json:"type"`
	// Subject is the subject's pseudonym ("S-" and 32 hex digits: a keyed
	// HMAC of the subject id under the sponsor node's secret), never a direct
	// identifier; empty for steps about the trial or a site.
	Subject string `json:"subject,omitempty"`
	// Site is the site the step was recorded at (a subject's site is fixed
	// by the subject's first entry); staff authorized for one site sign only
	// its steps.
	Site string `json:"site,omitempty"`
	// Protocol is the protocol version the step is recorded under: the one in
	// force, or, for consent and re-consent, the version consented to, which
	// must be registered on chain.
	Protocol       int         `json:"protocol"`
	ProtocolSHA256 common.Hash `json:"protocol_sha256"`
	// Data is the step's structured payload, a JSON object in canonical form
	// (keys sorted, no insignificant space).
	Data json.RawMessage `json:"data,omitempty"`
	// Documents are files the step refers to, by hash.
	Documents []Document `json:"documents,omitempty"`
	// Who is the account that signed the step: the sponsor's, or a staff
	// member's the sponsor authorized earlier in the log.
	Who common.Address `json:"who"`
	// Name is the signer's printed name (21 CFR 11.50(a)(1)): the name the
	// sponsor authorized the account under.
	Name string `json:"name,omitempty"`
	// When is when the node recorded the step, in UTC; never earlier than
	// the step before it.
	When    time.Time        `json:"when"`
	Meaning SignatureMeaning `json:"meaning"`
	// Corrects is the index of an earlier step this one corrects, with the
	// Reason for the change (ICH E6(R3)).
	Corrects *uint64 `json:"corrects,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	// Concerns is the earlier entry a query, answer, closing, or SDV mark is
	// about (for an answer or a closing: the query), and Item the form item
	// of it, when the step is about one value.
	Concerns *uint64 `json:"concerns,omitempty"`
	Item     string  `json:"item,omitempty"`
	// Source says where a recorder found the step.
	Source *StepSource `json:"source,omitempty"`
}

// Document is a file a step refers to by its SHA-256.
type Document struct {
	Name   string      `json:"name"`
	SHA256 common.Hash `json:"sha256"`
	Size   int64       `json:"size"`
}

// StepSource is where a recorder took a step from.
type StepSource struct {
	Recorder string `json:"recorder"`      // "form", "csv", "odm" or a plugin's name
	Ref      string `json:"ref,omitempty"` // where in the input: "row 4", an ODM element path
	// Key identifies the record in the source system (for ODM: subject,
	// study event, form and repeat keys); a later update of the same record
	// corrects the step that recorded it.
	Key string `json:"key,omitempty"`
	// Actor is the person the source system names (ODM AuditRecord UserRef).
	Actor string `json:"actor,omitempty"`
	// At is when the source system says it happened (ODM DateTimeStamp).
	At *time.Time `json:"at,omitempty"`
}

var subjectPseudonymRE = regexp.MustCompile(`^S-[0-9a-f]{32}$`)

// IsSubjectPseudonym reports whether s has the form of a subject pseudonym.
func IsSubjectPseudonym(s string) bool { return subjectPseudonymRE.MatchString(s) }

// Validate checks a step before it is signed and after it is read back.
func (s Step) Validate() error {
	at := fmt.Sprintf("Step %d", s.Index)
	for _, check := range []func(at string) error{s.validateWhat, s.validatePayload, s.validateSignature} {
		if err := check(at); err != nil {
			return err
		}
	}
	return nil
}

// validateWhat checks what the step records: its format, trial, type,
// subject and protocol version.
func (s Step) validateWhat(at string) error {
	if s.Format != StepFormat {
		return Errorf(EINVALID, "%s: format %q is not %q.", at, s.Format, StepFormat)
	}
	if s.Trial == (common.Hash{}) {
		return Errorf(EINVALID, "%s: trial id required.", at)
	}
	if err := s.Type.Validate(); err != nil {
		return Errorf(EINVALID, "%s: %s", at, ErrorMessage(err))
	}
	if s.Subject != "" && !IsSubjectPseudonym(s.Subject) {
		return Errorf(EINVALID, "%s: subject %q is not a pseudonym.", at, s.Subject)
	}
	if s.Subject == "" && s.Type.SubjectLevel() {
		return Errorf(EINVALID, "%s: %s steps need a subject.", at, s.Type.Label())
	}
	if s.Protocol < 1 || s.ProtocolSHA256 == (common.Hash{}) {
		return Errorf(EINVALID, "%s: protocol version required.", at)
	}
	return nil
}

// validatePayload checks the step's data and documents.
func (s Step) validatePayload(at string) error {
	if len(s.Data) > 0 {
		if len(s.Data) > MaxStepDataLen {
			return Errorf(EINVALID, "%s: data is %d bytes, at most %d allowed (refer to documents by hash).", at, len(s.Data), MaxStepDataLen)
		}
		if t := bytes.TrimSpace(s.Data); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
			return Errorf(EINVALID, "%s: data must be a JSON object.", at)
		}
	}
	for _, d := range s.Documents {
		if d.SHA256 == (common.Hash{}) || d.Name == "" {
			return Errorf(EINVALID, "%s: a document needs a name and a hash.", at)
		}
	}
	return nil
}

// validateSignature checks who signed, when, with what meaning, and what a
// correction corrects and why.
func (s Step) validateSignature(at string) error {
	if s.Who == (common.Address{}) {
		return Errorf(EINVALID, "%s: signer required.", at)
	}
	if s.When.IsZero() || s.When.Location() != time.UTC {
		return Errorf(EINVALID, "%s: time must be set, in UTC.", at)
	}
	if err := s.Meaning.Validate(); err != nil {
		return Errorf(EINVALID, "%s: %s", at, ErrorMessage(err))
	}
	if s.Corrects != nil {
		if *s.Corrects >= s.Index {
			return Errorf(EINVALID, "%s: corrects step %d, which is not an earlier step.", at, *s.Corrects)
		}
		if strings.TrimSpace(s.Reason) == "" {
			return Errorf(EINVALID, "%s: a correction needs a reason for the change.", at)
		}
	}
	if len(s.Reason) > 2000 {
		return Errorf(EINVALID, "%s: reason is longer than 2000 bytes.", at)
	}
	if s.Concerns != nil && *s.Concerns >= s.Index {
		return Errorf(EINVALID, "%s: concerns entry %d, which is not an earlier entry.", at, *s.Concerns)
	}
	for _, f := range []struct{ name, v string }{{"site", s.Site}, {"name", s.Name}, {"item", s.Item}} {
		if len(f.v) > 200 || strings.IndexFunc(f.v, unicode.IsControl) >= 0 {
			return Errorf(EINVALID, "%s: %s must be at most 200 bytes of printable text.", at, f.name)
		}
	}
	return nil
}
