package marketplace

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// TestTrialID_matchesGoldenVectors pins TrialID to fixed ids, so a change of
// the derivation (which would orphan every registered trial) fails here. The
// vectors were computed once outside this package, with
// golang.org/x/crypto/sha3's NewLegacyKeccak256 over "medmarket/trial/v1",
// a zero byte, the sponsor's 20 bytes and the identifier's UTF-8 (that
// Keccak-256 of nothing gave the well-known c5d24601...5d85a470).
func TestTrialID_matchesGoldenVectors(t *testing.T) {
	for _, tt := range []struct {
		sponsor, identifier, want string
	}{
		{"0x01", "NCT01234567", "0x0015e0cc0ed811ae1354109e758535583e88697ad8859e2b6acb81fa10d22d6d"},
		{"0x02", "NCT01234567", "0x597b2d23e8764eb9048099e0d3e0ae056d266d624dfb62689b2d4b44dc553508"}, // another sponsor
		{"0x01", "NCT01234568", "0xa4ecc6982776a904688e40c3c77234b54f3329a271b08e669a3bbade13588440"}, // another identifier
	} {
		if got := TrialID(common.HexToAddress(tt.sponsor), tt.identifier); got != common.HexToHash(tt.want) {
			t.Errorf("TrialID(%s, %q) = %s, want %s", tt.sponsor, tt.identifier, got.Hex(), tt.want)
		}
	}
}

func TestTrial_Validate(t *testing.T) {
	sponsor := common.HexToAddress("0xabc")
	ok := Trial{ID: TrialID(sponsor, "NCT01234567"), Title: "Aspirin after stroke", Identifier: "NCT01234567", Sponsor: sponsor,
		Protocols: []ProtocolVersion{{Version: 1, SHA256: common.HexToHash("0x01")}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		edit func(*Trial)
		msg  string
	}{
		{"no title", func(t *Trial) { t.Title = " " }, "title required"},
		{"long title", func(t *Trial) { t.Title = strings.Repeat("x", 301) }, "at most 300"},
		{"control char", func(t *Trial) { t.Title = "a\x07b" }, "control"},
		{"no identifier", func(t *Trial) { t.Identifier = "" }, "identifier required"},
		{"spaces", func(t *Trial) { t.Identifier = "NCT 0123" }, "use letters"},
		{"wrong id", func(t *Trial) { t.ID = common.HexToHash("0x01") }, "not the id"},
		{"no sponsor", func(t *Trial) { t.Sponsor = common.Address{} }, "sponsor required"},
		{"protocol numbering", func(t *Trial) { t.Protocols[0].Version = 2 }, "number 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := ok
			tr.Protocols = append([]ProtocolVersion(nil), ok.Protocols...)
			tt.edit(&tr)
			err := tr.Validate()
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want EINVALID with %q", err, tt.msg)
			}
		})
	}
}

func TestParseStepType_acceptsSpellings(t *testing.T) {
	for in, want := range map[string]StepType{
		"enrolment": StepEnrolment, "Enrollment": StepEnrolment, "re-consent": StepReconsent,
		"AE": StepAdverseEvent, "serious adverse event": StepSeriousAdverseEvent, "database-lock": StepDatabaseLock,
		"visit": StepVisit, "CRF": StepVisit,
	} {
		got, err := ParseStepType(in)
		if err != nil || got != want {
			t.Errorf("ParseStepType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseStepType("lunch"); ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), "enrolment") {
		t.Errorf("unknown type: %v", err)
	}
	if StepRegistration.Recordable() || StepProtocolAmendment.Recordable() || !StepConsent.Recordable() {
		t.Error("Recordable")
	}
}

func TestParseSignatureMeaning(t *testing.T) {
	for in, want := range map[string]SignatureMeaning{"authored": MeaningAuthored, "Review": MeaningReviewed, "APPROVED": MeaningApproved} {
		if got, err := ParseSignatureMeaning(in); err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	if _, err := ParseSignatureMeaning("witnessed"); ErrorCode(err) != EINVALID {
		t.Errorf("witnessed: %v", err)
	}
}

func TestStep_Validate(t *testing.T) {
	two := uint64(2)
	five := uint64(5)
	ok := Step{Format: StepFormat, Trial: common.HexToHash("0x01"), Index: 3, Type: StepEnrolment,
		Subject: "S-0123456789abcdef0123456789abcdef", Protocol: 1, ProtocolSHA256: common.HexToHash("0x02"),
		Data: json.RawMessage(`{"arm":"A"}`), Who: common.HexToAddress("0x03"), When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Meaning: MeaningAuthored}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		edit func(*Step)
		msg  string
	}{
		{"format", func(s *Step) { s.Format = "x" }, "format"},
		{"type", func(s *Step) { s.Type = "lunch" }, "Step type"},
		{"raw subject", func(s *Step) { s.Subject = "S-001" }, "not a pseudonym"},
		{"no subject", func(s *Step) { s.Subject = "" }, "need a subject"},
		{"no protocol", func(s *Step) { s.Protocol = 0 }, "protocol"},
		{"data array", func(s *Step) { s.Data = json.RawMessage(`[1]`) }, "JSON object"},
		{"no signer", func(s *Step) { s.Who = common.Address{} }, "signer"},
		{"local time", func(s *Step) { s.When = s.When.In(time.FixedZone("x", 3600)) }, "UTC"},
		{"meaning", func(s *Step) { s.Meaning = "witnessed" }, "meaning"},
		{"corrects later", func(s *Step) { s.Corrects, s.Reason = &five, "typo" }, "not an earlier step"},
		{"correction without reason", func(s *Step) { s.Corrects = &two }, "needs a reason"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			err := s.Validate()
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want EINVALID with %q", err, tt.msg)
			}
		})
	}
	s := ok
	s.Type, s.Subject = StepSiteActivation, ""
	if err := s.Validate(); err != nil {
		t.Errorf("site activation without subject: %v", err)
	}
}
