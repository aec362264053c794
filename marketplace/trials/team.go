package trials

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// Team is a trial's log replayed in order: who held which role at which
// site, the study design versions, each subject's site, the locks and the
// queries. The same replay decides, when a step is recorded, whether its
// signer may sign it, and, when an export is verified, whether every
// entry's signer held a role allowing that step at that point of the log.
// A Team is not safe for concurrent use.
type Team struct {
	trial   marketplace.Trial
	grants  map[common.Address][]grant // in force
	changes []GrantChange
	designs []marketplace.StudyDesign
	entries []entryFacts      // by index
	sites   map[string]string // subject pseudonym -> site
	locks   map[string]uint64 // subject pseudonym -> the lock entry
	dbLock  *uint64           // the database lock in force
	queries map[uint64]*Query // by the query's entry
	undo    []func()          // what Apply changed since Commit, latest last
	journal bool              // record undo steps
	// checked is the form of the entry Check accepted last, for Apply.
	checked struct {
		index uint64
		form  string
	}
}

// grant is an authorization in force since an entry.
type grant struct {
	marketplace.StaffGrant
	since uint64
}

// GrantChange is an authorization or a revocation, in log order: the staff
// and their roles over time.
type GrantChange struct {
	Index   uint64
	When    time.Time
	Grant   marketplace.StaffGrant
	Revoked bool
	Reason  string
}

// Query is a data query and what became of it.
type Query struct {
	Index    uint64   // the query's entry
	Concerns uint64   // the entry it is about
	Item     string   // the item of it, if one
	Answers  []uint64 // the answers' entries
	Closed   *uint64  // the closing entry
}

// entryFacts is what later entries need of an earlier one.
type entryFacts struct {
	typ     marketplace.StepType
	subject string
	site    string
	form    string // the FormData form, for item-level queries
	ok      bool   // the entry passed the checks (a refused one changes nothing)
}

// NewTeam returns the team of trial t before its first entry: the sponsor
// alone.
func NewTeam(t marketplace.Trial) *Team {
	return &Team{trial: t, grants: map[common.Address][]grant{}, sites: map[string]string{},
		locks: map[string]uint64{}, queries: map[uint64]*Query{}}
}

// Size is the number of entries replayed.
func (tm *Team) Size() uint64 { return uint64(len(tm.entries)) }

// Design returns design version v (1 for the first), or false.
func (tm *Team) Design(v int) (marketplace.StudyDesign, bool) {
	if v < 1 || v > len(tm.designs) {
		return marketplace.StudyDesign{}, false
	}
	return tm.designs[v-1], true
}

// Designs is the number of design versions.
func (tm *Team) Designs() int { return len(tm.designs) }

// Changes lists the authorizations and revocations in log order.
func (tm *Team) Changes() []GrantChange { return append([]GrantChange(nil), tm.changes...) }

// Grants returns the grants of account a in force now.
func (tm *Team) Grants(a common.Address) []marketplace.StaffGrant {
	out := make([]marketplace.StaffGrant, len(tm.grants[a]))
	for i, g := range tm.grants[a] {
		out[i] = g.StaffGrant
	}
	return out
}

// Roles returns what account a may do now: TrialSponsor for the sponsor,
// else its staff roles (with their sites).
func (tm *Team) Roles(a common.Address) []marketplace.StaffGrant {
	if a == tm.trial.Sponsor {
		return []marketplace.StaffGrant{{Account: a, Role: marketplace.TrialSponsor}}
	}
	return tm.Grants(a)
}

// Queries lists the queries, oldest first.
func (tm *Team) Queries() []Query {
	out := make([]Query, 0, len(tm.queries))
	for i := range tm.entries {
		if q, ok := tm.queries[uint64(i)]; ok {
			out = append(out, *q)
		}
	}
	return out
}

// SubjectSite returns the site of subject (a pseudonym), "" when unknown.
func (tm *Team) SubjectSite(subject string) string { return tm.sites[subject] }

// Locked returns the lock entry of subject's casebook, or false.
func (tm *Team) Locked(subject string) (uint64, bool) {
	i, ok := tm.locks[subject]
	return i, ok
}

// DatabaseLocked returns the database lock in force, or false.
func (tm *Team) DatabaseLocked() (uint64, bool) {
	if tm.dbLock == nil {
		return 0, false
	}
	return *tm.dbLock, true
}

// Check says why s, signed by s.Who, may not be the next entry; nil when it
// may. Errors are EFORBIDDEN (the signer's role, a lock) or EINVALID (what
// the step refers to) and read as sentences about the step.
func (tm *Team) Check(s *marketplace.Step) error {
	if s.Index != tm.Size() {
		return marketplace.Errorf(marketplace.EINVALID, "is entry %d, but the log holds %d entries before it", s.Index, tm.Size())
	}
	if err := tm.checkRefs(s); err != nil {
		return err
	}
	if err := tm.checkLocks(s); err != nil {
		return err
	}
	if err := tm.checkSigner(s); err != nil {
		return err
	}
	return tm.checkData(s)
}

// checkRefs checks the entries a step refers to: what it corrects and what
// it concerns, and its subject's site.
func (tm *Team) checkRefs(s *marketplace.Step) error {
	if s.Corrects != nil {
		c := tm.entries[*s.Corrects]
		if c.subject != s.Subject {
			return marketplace.Errorf(marketplace.EINVALID, "corrects entry %d, which is about %s, not %s", *s.Corrects, orNone(c.subject), orNone(s.Subject))
		}
	}
	if site, ok := tm.sites[s.Subject]; ok && s.Subject != "" && site != s.Site {
		return marketplace.Errorf(marketplace.EINVALID, "names site %q, but subject %s is at site %q", s.Site, s.Subject, site)
	}
	need := s.Type == marketplace.StepQuery || s.Type == marketplace.StepQueryAnswer || s.Type == marketplace.StepQueryClose || s.Type == marketplace.StepSDV
	if !need {
		if s.Concerns != nil || s.Item != "" {
			return marketplace.Errorf(marketplace.EINVALID, "a %s concerns no other entry", s.Type.Label())
		}
		return nil
	}
	if s.Concerns == nil {
		return marketplace.Errorf(marketplace.EINVALID, "a %s must name the entry it concerns", s.Type.Label())
	}
	c := tm.entries[*s.Concerns]
	if c.site != s.Site {
		return marketplace.Errorf(marketplace.EINVALID, "names site %q, but entry %d is at site %q", s.Site, *s.Concerns, c.site)
	}
	switch s.Type {
	case marketplace.StepQuery, marketplace.StepSDV:
		if !dataEntry(c.typ) {
			return marketplace.Errorf(marketplace.EINVALID, "concerns entry %d, a %s, which holds no site data", *s.Concerns, c.typ.Label())
		}
		if s.Item != "" && c.form != "" && !tm.formHasItem(c.form, s.Item) {
			return marketplace.Errorf(marketplace.EINVALID, "concerns item %s, which form %s of entry %d does not have", s.Item, c.form, *s.Concerns)
		}
	default:
		q, ok := tm.queries[*s.Concerns]
		switch {
		case !ok:
			return marketplace.Errorf(marketplace.EINVALID, "answers or closes entry %d, which is not a query", *s.Concerns)
		case q.Closed != nil:
			return marketplace.Errorf(marketplace.EINVALID, "answers or closes query %d, which entry %d closed", *s.Concerns, *q.Closed)
		}
	}
	return nil
}

// dataEntry reports whether a step of type t holds site data a monitor
// checks.
func dataEntry(t marketplace.StepType) bool {
	return t != marketplace.StepQueryAnswer && marketplace.TrialSponsor.Allows(t, marketplace.MeaningAuthored) &&
		marketplace.RoleCoordinator.Allows(t, marketplace.MeaningAuthored)
}

func (tm *Team) formHasItem(form, item string) bool {
	for i := len(tm.designs) - 1; i >= 0; i-- {
		if f, ok := tm.designs[i].Form(form); ok {
			_, has := f.Item(item)
			return has
		}
	}
	return true
}

// subjectOf is the subject a step is about: its own, or that of the entry
// it concerns.
func (tm *Team) subjectOf(s *marketplace.Step) string {
	if s.Subject == "" && s.Concerns != nil {
		return tm.entries[*s.Concerns].subject
	}
	return s.Subject
}

// checkLocks refuses steps a lock forbids, and locks and unlocks that
// change nothing.
func (tm *Team) checkLocks(s *marketplace.Step) error {
	subject := tm.subjectOf(s)
	lock, locked := tm.locks[subject]
	switch s.Type {
	case marketplace.StepDatabaseLock:
		if tm.dbLock != nil {
			return marketplace.Errorf(marketplace.EINVALID, "locks the database, which entry %d already locked", *tm.dbLock)
		}
	case marketplace.StepDatabaseUnlock:
		if tm.dbLock == nil {
			return marketplace.Errorf(marketplace.EINVALID, "unlocks the database, which is not locked")
		}
	case marketplace.StepCasebookUnlock:
		if !locked {
			return marketplace.Errorf(marketplace.EINVALID, "unlocks the casebook of %s, which is not locked", subject)
		}
		return tm.needReason(s)
	case marketplace.StepCasebookLock:
		if locked {
			return marketplace.Errorf(marketplace.EINVALID, "locks the casebook of %s, which entry %d already locked", subject, lock)
		}
	}
	if tm.dbLock != nil && !allowedWhenLocked(s.Type) {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "comes while the database is locked (entry %d): only an unlock, unblinding, analysis or staff change may follow", *tm.dbLock)
	}
	if locked && subject != "" && s.Type != marketplace.StepCasebookUnlock {
		return marketplace.Errorf(marketplace.EFORBIDDEN, "is in the casebook of %s, which entry %d locked", subject, lock)
	}
	switch s.Type {
	case marketplace.StepCasebookLock, marketplace.StepDatabaseLock, marketplace.StepDatabaseUnlock, marketplace.StepStaffRevocation:
		return tm.needReason(s)
	}
	return nil
}

func (tm *Team) needReason(s *marketplace.Step) error {
	if strings.TrimSpace(s.Reason) == "" {
		return marketplace.Errorf(marketplace.EINVALID, "a %s needs a reason", s.Type.Label())
	}
	return nil
}

func allowedWhenLocked(t marketplace.StepType) bool {
	switch t {
	case marketplace.StepDatabaseUnlock, marketplace.StepUnblinding, marketplace.StepAnalysis,
		marketplace.StepStaffAuthorization, marketplace.StepStaffRevocation, marketplace.StepStudyDesign,
		marketplace.StepProtocolAmendment:
		return true
	}
	return false
}

// siteOf is the site a step is recorded for: its subject's, else the site
// of the entry it concerns, else its own.
func (tm *Team) siteOf(s *marketplace.Step) string {
	if site, ok := tm.sites[s.Subject]; ok && s.Subject != "" {
		return site
	}
	if s.Concerns != nil {
		return tm.entries[*s.Concerns].site
	}
	return s.Site
}

// checkSigner checks that s.Who held, at this point of the log, a role
// that allows this step at its site, and signed under its authorized name.
func (tm *Team) checkSigner(s *marketplace.Step) error {
	who := s.Who
	switch s.Type {
	case marketplace.StepRegistration, marketplace.StepProtocolAmendment, marketplace.StepStudyDesign,
		marketplace.StepStaffAuthorization, marketplace.StepStaffRevocation, marketplace.StepSiteActivation:
		if who != tm.trial.Sponsor {
			return marketplace.Errorf(marketplace.EFORBIDDEN, "is a %s signed by %s; only the sponsor %s signs those", s.Type.Label(), tm.describe(who), tm.trial.Sponsor.Hex())
		}
		return nil
	}
	if who == tm.trial.Sponsor {
		return nil
	}
	gs := tm.grants[who]
	if len(gs) == 0 {
		if last, ok := tm.lastChange(who); ok && last.Revoked {
			return marketplace.Errorf(marketplace.EFORBIDDEN, "was signed by %s (%s), whose authorization as %s was revoked at entry %d", who.Hex(), last.Grant.Name, last.Grant.Role.Label(), last.Index)
		}
		return marketplace.Errorf(marketplace.EFORBIDDEN, "was signed by %s, an account the sponsor never authorized", who.Hex())
	}
	site := tm.siteOf(s)
	var roles []string
	for _, g := range gs {
		if g.Role.Allows(s.Type, s.Meaning) && (g.Site == "" || g.Site == site) {
			if s.Name != g.Name {
				return marketplace.Errorf(marketplace.EFORBIDDEN, "is signed under the name %q, but the sponsor authorized %s as %q", s.Name, who.Hex(), g.Name)
			}
			return nil
		}
		roles = append(roles, describeGrant(g.StaffGrant))
	}
	what := s.Type.Label()
	if s.Meaning != marketplace.MeaningAuthored {
		what += " (" + string(s.Meaning) + ")"
	}
	where := ""
	if site != "" {
		where = " at site " + site
	}
	return marketplace.Errorf(marketplace.EFORBIDDEN, "was signed by %s (%s), %s, who may not sign a %s%s", who.Hex(), gs[0].Name, strings.Join(roles, " and "), what, where)
}

func describeGrant(g marketplace.StaffGrant) string {
	if g.Site == "" {
		return g.Role.Label() + " for every site"
	}
	return g.Role.Label() + " at site " + g.Site
}

// describe names an account as the trial knows it.
func (tm *Team) describe(a common.Address) string {
	if a == tm.trial.Sponsor {
		return "the sponsor " + a.Hex()
	}
	if gs := tm.grants[a]; len(gs) > 0 {
		return fmt.Sprintf("%s (%s, %s)", a.Hex(), gs[0].Name, gs[0].Role.Label())
	}
	return a.Hex()
}

func (tm *Team) lastChange(a common.Address) (GrantChange, bool) {
	for i := len(tm.changes) - 1; i >= 0; i-- {
		if tm.changes[i].Grant.Account == a {
			return tm.changes[i], true
		}
	}
	return GrantChange{}, false
}

// checkData checks the data of the steps whose data has a defined form:
// designs, staff grants, and entries made through a designed form.
func (tm *Team) checkData(s *marketplace.Step) error {
	switch s.Type {
	case marketplace.StepStudyDesign:
		var d marketplace.StudyDesign
		if err := strictJSON(s.Data, &d); err != nil {
			return marketplace.Errorf(marketplace.EINVALID, "holds no study design: %v", err)
		}
		if err := d.Validate(); err != nil {
			return marketplace.Errorf(marketplace.EINVALID, "holds a design that is not valid: %s", marketplace.ErrorMessage(err))
		}
	case marketplace.StepStaffAuthorization, marketplace.StepStaffRevocation:
		return tm.checkGrant(s)
	default:
		fd, err := tm.formOf(s)
		if err != nil {
			return err
		}
		tm.checked.index, tm.checked.form = s.Index, ""
		if fd != nil {
			tm.checked.form = fd.Form
		}
	}
	return nil
}

func (tm *Team) checkGrant(s *marketplace.Step) error {
	g, err := marketplace.ParseStaffGrant(s.Data)
	if err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	if g.Account == tm.trial.Sponsor {
		return marketplace.Errorf(marketplace.EINVALID, "names the sponsor, who holds every role already")
	}
	in := tm.findGrant(g)
	switch {
	case s.Type == marketplace.StepStaffAuthorization && in >= 0:
		return marketplace.Errorf(marketplace.EINVALID, "authorizes %s as %s, which it already is", g.Account.Hex(), describeGrant(g))
	case s.Type == marketplace.StepStaffAuthorization:
		for _, other := range tm.grants[g.Account] {
			if other.Name != g.Name {
				return marketplace.Errorf(marketplace.EINVALID, "authorizes %s as %q, but it signs as %q: one account, one printed name", g.Account.Hex(), g.Name, other.Name)
			}
		}
	case in < 0:
		return marketplace.Errorf(marketplace.EINVALID, "revokes %s as %s, which it is not", g.Account.Hex(), describeGrant(g))
	}
	return nil
}

// findGrant is the position of g (account, role, site) among the grants
// in force, -1 when absent.
func (tm *Team) findGrant(g marketplace.StaffGrant) int {
	for i, x := range tm.grants[g.Account] {
		if x.Role == g.Role && x.Site == g.Site {
			return i
		}
	}
	return -1
}

// formOf decodes the data of an entry made through a designed form (nil
// when the step's data is not FormData) and checks every value against the
// design version it names.
func (tm *Team) formOf(s *marketplace.Step) (*marketplace.FormData, error) {
	if len(s.Data) == 0 || !bytes.Contains(s.Data, []byte(`"form":`)) || !bytes.Contains(s.Data, []byte(`"design":`)) {
		return nil, nil
	}
	var fd marketplace.FormData
	if json.Unmarshal(s.Data, &fd) != nil || fd.Form == "" || fd.Design == 0 {
		return nil, nil
	}
	d, ok := tm.Design(fd.Design)
	if !ok {
		return nil, marketplace.Errorf(marketplace.EINVALID, "names design version %d, but the log holds %d", fd.Design, len(tm.designs))
	}
	f, ok := d.Form(fd.Form)
	if !ok {
		return nil, marketplace.Errorf(marketplace.EINVALID, "names form %s, which design version %d does not have", fd.Form, fd.Design)
	}
	if fd.Event != "" {
		if _, ok := d.Event(fd.Event); !ok {
			return nil, marketplace.Errorf(marketplace.EINVALID, "names event %s, which design version %d does not have", fd.Event, fd.Design)
		}
	}
	values := make(map[string]string, len(fd.Items))
	for k, v := range fd.Items {
		values[k] = rawText(v)
	}
	if _, errs := f.Check(values); len(errs) > 0 && s.Corrects == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "holds values form %s does not accept: %s", fd.Form, errs.Error())
	} else if len(errs) > 0 {
		// A correction may leave items out (it changes some); what it
		// gives must still be valid.
		for _, e := range errs {
			if e.Msg != "required" {
				return nil, marketplace.Errorf(marketplace.EINVALID, "holds values form %s does not accept: %s", fd.Form, errs.Error())
			}
		}
	}
	return &fd, nil
}

// rawText is a JSON value as a user would have typed it.
func rawText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func orNone(s string) string {
	if s == "" {
		return "no subject"
	}
	return s
}

// Apply replays s, which Check accepted, into the team; a step Check
// refused is replayed with ok false and changes nothing else.
func (tm *Team) Apply(s *marketplace.Step, ok bool) {
	facts := entryFacts{typ: s.Type, subject: s.Subject, site: s.Site, ok: ok}
	if ok {
		// Check made sure what the step refers to is in the log.
		facts.subject, facts.site = tm.subjectOf(s), tm.siteOf(s)
		if tm.checked.index == s.Index {
			facts.form = tm.checked.form
		}
	}
	tm.entries = append(tm.entries, facts)
	tm.onUndo(func() { tm.entries = tm.entries[:len(tm.entries)-1] })
	if !ok {
		return
	}
	if s.Subject != "" {
		if _, known := tm.sites[s.Subject]; !known {
			tm.sites[s.Subject] = s.Site
			tm.onUndo(func() { delete(tm.sites, s.Subject) })
		}
	}
	tm.applyEffect(s, facts.subject)
}

// applyEffect makes the state changes of a design, a staff change, a
// query or a lock.
func (tm *Team) applyEffect(s *marketplace.Step, subject string) {
	switch s.Type {
	case marketplace.StepStudyDesign:
		var d marketplace.StudyDesign
		_ = json.Unmarshal(s.Data, &d) // Check decoded it
		tm.designs = append(tm.designs, d)
		tm.onUndo(func() { tm.designs = tm.designs[:len(tm.designs)-1] })
	case marketplace.StepStaffAuthorization, marketplace.StepStaffRevocation:
		tm.applyGrant(s)
	case marketplace.StepQuery:
		tm.queries[s.Index] = &Query{Index: s.Index, Concerns: *s.Concerns, Item: s.Item}
		tm.onUndo(func() { delete(tm.queries, s.Index) })
	case marketplace.StepQueryAnswer:
		q := tm.queries[*s.Concerns]
		q.Answers = append(q.Answers, s.Index)
		tm.onUndo(func() { q.Answers = q.Answers[:len(q.Answers)-1] })
	case marketplace.StepQueryClose:
		q := tm.queries[*s.Concerns]
		i := s.Index
		q.Closed = &i
		tm.onUndo(func() { q.Closed = nil })
	case marketplace.StepCasebookLock:
		tm.locks[subject] = s.Index
		tm.onUndo(func() { delete(tm.locks, subject) })
	case marketplace.StepCasebookUnlock:
		was := tm.locks[subject]
		delete(tm.locks, subject)
		tm.onUndo(func() { tm.locks[subject] = was })
	case marketplace.StepDatabaseLock:
		i := s.Index
		tm.dbLock = &i
		tm.onUndo(func() { tm.dbLock = nil })
	case marketplace.StepDatabaseUnlock:
		was := tm.dbLock
		tm.dbLock = nil
		tm.onUndo(func() { tm.dbLock = was })
	}
}

func (tm *Team) applyGrant(s *marketplace.Step) {
	g, _ := marketplace.ParseStaffGrant(s.Data) // Check parsed it
	revoked := s.Type == marketplace.StepStaffRevocation
	tm.changes = append(tm.changes, GrantChange{Index: s.Index, When: s.When, Grant: g, Revoked: revoked, Reason: s.Reason})
	tm.onUndo(func() { tm.changes = tm.changes[:len(tm.changes)-1] })
	before := tm.grants[g.Account]
	if revoked {
		i := tm.findGrant(g)
		after := append(append([]grant(nil), before[:i]...), before[i+1:]...)
		if len(after) == 0 {
			delete(tm.grants, g.Account)
		} else {
			tm.grants[g.Account] = after
		}
	} else {
		tm.grants[g.Account] = append(append([]grant(nil), before...), grant{StaffGrant: g, since: s.Index})
	}
	tm.onUndo(func() {
		if before == nil {
			delete(tm.grants, g.Account)
		} else {
			tm.grants[g.Account] = before
		}
	})
}

func (tm *Team) onUndo(f func()) {
	if tm.journal {
		tm.undo = append(tm.undo, f)
	}
}

// begin starts recording what Apply changes, so that a refused or failed
// batch can be rolled back.
func (tm *Team) begin() { tm.journal, tm.undo = true, tm.undo[:0] }

// rollback undoes every Apply since begin.
func (tm *Team) rollback() {
	for i := len(tm.undo) - 1; i >= 0; i-- {
		tm.undo[i]()
	}
	tm.journal, tm.undo = false, tm.undo[:0]
}

// commit keeps every Apply since begin.
func (tm *Team) commit() { tm.journal, tm.undo = false, tm.undo[:0] }
