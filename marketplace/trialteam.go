package marketplace

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// TrialRole is what a member of a trial's team may sign. The sponsor (the
// account that registered the trial) holds TrialSponsor implicitly; others
// hold a role because the sponsor authorized them, per site, in the
// trial's log (StepStaffAuthorization), until it revokes them.
type TrialRole string

const (
	TrialSponsor     TrialRole = "sponsor"
	RoleInvestigator TrialRole = "investigator"
	RoleCoordinator  TrialRole = "coordinator"
	RoleMonitor      TrialRole = "monitor"
	RoleDataManager  TrialRole = "data_manager"
)

// StaffRoles lists the roles a sponsor may authorize (a fresh slice).
func StaffRoles() []TrialRole {
	return []TrialRole{RoleInvestigator, RoleCoordinator, RoleMonitor, RoleDataManager}
}

var roleLabels = map[TrialRole]string{
	TrialSponsor: "Sponsor", RoleInvestigator: "Investigator", RoleCoordinator: "Study coordinator",
	RoleMonitor: "Monitor", RoleDataManager: "Data manager",
}

// Label is the role's name for people.
func (r TrialRole) Label() string {
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return string(r)
}

// ParseTrialRole reads a staff role in any case, with '-' or ' ' for '_'
// ("data manager", "CRC" and "PI" are accepted too).
func ParseTrialRole(s string) (TrialRole, error) {
	n := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch n {
	case "pi", "principal_investigator", "sub_investigator":
		return RoleInvestigator, nil
	case "crc", "study_coordinator", "clinical_research_coordinator":
		return RoleCoordinator, nil
	case "cra", "clinical_research_associate":
		return RoleMonitor, nil
	case "dm", "datamanager":
		return RoleDataManager, nil
	}
	r := TrialRole(n)
	if slices.Contains(StaffRoles(), r) {
		return r, nil
	}
	return "", Errorf(EINVALID, "Role %q: use investigator, coordinator, monitor or data_manager.", s)
}

// siteSteps are what the people at a site record about their subjects.
var siteSteps = []StepType{
	StepConsent, StepReconsent, StepScreening, StepEnrolment, StepRandomization, StepVisit,
	StepAdverseEvent, StepSeriousAdverseEvent, StepDeviation, StepWithdrawal, StepQueryAnswer,
}

// roleSteps says which step types each role may sign. The sponsor may sign
// every step a user records (as before there were teams); the sponsor alone
// designs the study and authorizes staff.
var roleSteps = map[TrialRole][]StepType{
	RoleInvestigator: append(slices.Clone(siteSteps), StepUnblinding),
	RoleCoordinator:  siteSteps,
	RoleMonitor:      {StepQuery, StepQueryClose, StepSDV},
	RoleDataManager: {StepQuery, StepQueryClose, StepCasebookLock, StepCasebookUnlock,
		StepDatabaseLock, StepDatabaseUnlock},
}

// Allows reports whether the role may sign a step of type t with meaning
// m. Only investigators approve site data (the principal investigator's
// sign-off); a coordinator authors it.
func (r TrialRole) Allows(t StepType, m SignatureMeaning) bool {
	if r == TrialSponsor {
		return t.Recordable()
	}
	if r == RoleCoordinator && m == MeaningApproved {
		return false
	}
	return slices.Contains(roleSteps[r], t)
}

// SiteScoped reports whether a step of type t is about one site's
// subjects, so that staff authorized for a site sign it only for that site.
func (t StepType) SiteScoped() bool {
	return slices.Contains(siteSteps, t) || t == StepCasebookLock || t == StepCasebookUnlock ||
		t == StepQuery || t == StepQueryClose || t == StepSDV || t == StepUnblinding
}

// StaffGrant is the data of a staff authorization or revocation entry: an
// account authorized (or no longer) to sign as Role at Site ("" for every
// site), under the printed Name it signs with.
type StaffGrant struct {
	Account common.Address `json:"account"`
	Name    string         `json:"name,omitempty"`
	Role    TrialRole      `json:"role"`
	Site    string         `json:"site,omitempty"`
}

// Validate checks a grant as the sponsor writes it.
func (g StaffGrant) Validate() error {
	if g.Account == (common.Address{}) {
		return Errorf(EINVALID, "Staff: account required.")
	}
	if !slices.Contains(StaffRoles(), g.Role) {
		return Errorf(EINVALID, "Staff %s: role %q is not one of investigator, coordinator, monitor, data_manager.", g.Account.Hex(), g.Role)
	}
	if err := ValidateSite(g.Site); err != nil {
		return err
	}
	if n := strings.TrimSpace(g.Name); n == "" || len(n) > 200 || strings.ContainsAny(n, "\n\r\t") {
		return Errorf(EINVALID, "Staff %s: a printed name of 1 to 200 characters is required (it manifests on every signature).", g.Account.Hex())
	}
	return nil
}

// ValidateSite checks a site id: empty (every site) or up to 64 letters,
// digits and . _ -.
func ValidateSite(s string) error {
	if len(s) > 64 || !trialSiteOK(s) {
		return Errorf(EINVALID, "Site %q: use up to 64 letters, digits, '.', '_' or '-'.", s)
	}
	return nil
}

func trialSiteOK(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// ParseStaffGrant reads the data of a staff authorization or revocation.
func ParseStaffGrant(data json.RawMessage) (StaffGrant, error) {
	var g StaffGrant
	if err := json.Unmarshal(data, &g); err != nil {
		return g, Errorf(EINVALID, "Staff entry: data is not a staff grant: %v", err)
	}
	return g, nil
}

// QueryText is the data of a query, an answer or a closing: what the
// monitor asks or the site answers.
type QueryText struct {
	Text string `json:"text"`
}

// Manifestation is the signature as 21 CFR 11.50 has it shown with the
// record: the signer's printed name, the date and time of signing, and its
// meaning. ("Signed by Cora Coordinator (0x12…) on 2026-12-07 10:31:05 UTC,
// meaning: authored".)
func (s Step) Manifestation() string {
	who := s.Who.Hex()
	if s.Name != "" {
		who = s.Name + " (" + who + ")"
	}
	return "Signed by " + who + " on " + s.When.UTC().Format("2006-01-02 15:04:05") + " UTC, meaning: " + string(s.Meaning)
}
