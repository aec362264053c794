package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// The casebook and the trial dashboard are pure functions of a trial's
// entries and its team replay (queries, locks, subjects' sites, design
// versions), so that they are tested without a chain or a node.

// EntrySignature is the signature manifestation of an entry (21 CFR
// 11.50): the printed name, the account, when and with what meaning.
type EntrySignature struct {
	Entry   uint64
	Name    string // the printed name; "" when the step carries none (the account is shown)
	Who     common.Address
	When    time.Time
	Meaning marketplace.SignatureMeaning
}

// Signer is the printed name, or the account when the entry has none.
func (s EntrySignature) Signer() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Who.Hex()
}

func signatureOf(s *marketplace.Step) EntrySignature {
	return EntrySignature{Entry: s.Index, Name: s.Name, Who: s.Who, When: s.When, Meaning: s.Meaning}
}

// QueryState is where a data query stands.
type QueryState string

const (
	QueryOpen     QueryState = "open"     // raised, not answered
	QueryAnswered QueryState = "answered" // the site answered; the monitor has not closed it
	QueryClosed   QueryState = "closed"
)

// QueryReply is an answer to a query or its closing.
type QueryReply struct {
	EntrySignature
	Text string
}

// CasebookQuery is a data query on a casebook entry or one item of it.
type CasebookQuery struct {
	Index    uint64 // the query's entry
	Entry    uint64 // the casebook entry it is about (the original, when it names a correction)
	Concerns uint64 // the entry the query names
	Item     string // the item, "" for the whole entry
	Label    string // the item's label, when the design has one
	Subject  string
	Site     string
	Text     string
	Raised   EntrySignature
	State    QueryState
	Answers  []QueryReply
	Closed   *QueryReply
}

// ValueVersion is one value an item held: the original, then each
// correction with who, when and why.
type ValueVersion struct {
	EntrySignature
	Value  string // for people
	Reason string // why it changed ("" for the original)
}

// CasebookValue is one item of an entry as it stands, with its history.
type CasebookValue struct {
	Item  string
	Label string               // the design's label, else the item key
	Def   *marketplace.ItemDef // the design's item, nil without a design
	Value string               // the value in force, for people
	// History is the original value first, then each correction that
	// changed it; more than one version means the value was corrected.
	History  []ValueVersion
	Queries  []CasebookQuery
	Verified *EntrySignature // the SDV mark in force on this item
}

// Corrected reports whether a correction changed the value.
func (v CasebookValue) Corrected() bool { return len(v.History) > 1 }

// Correction is an entry correcting a casebook entry.
type Correction struct {
	EntrySignature
	Reason string
}

// CasebookEntry is one entry of a subject's casebook (an original entry,
// with its corrections shown in place).
type CasebookEntry struct {
	Index       uint64
	Type        marketplace.StepType
	Design      int    // the design version of its form, 0 when entered without one
	Event       string // the design event's OID, "" when entered without a form
	EventName   string
	Form        string
	FormName    string
	Signed      EntrySignature
	Values      []CasebookValue
	Corrections []Correction
	Queries     []CasebookQuery // on the whole entry
	Verified    *EntrySignature // the SDV mark in force on the whole entry
	Documents   []marketplace.Document
}

// Title is what the entry records: the form's name, else the step type.
func (e CasebookEntry) Title() string {
	if e.FormName != "" {
		return e.FormName
	}
	return e.Type.Label()
}

// OpenQueries counts the entry's queries not yet closed.
func (e CasebookEntry) OpenQueries() int {
	n := countOpen(e.Queries)
	for _, v := range e.Values {
		n += countOpen(v.Queries)
	}
	return n
}

func countOpen(qs []CasebookQuery) int {
	n := 0
	for _, q := range qs {
		if q.State != QueryClosed {
			n++
		}
	}
	return n
}

// CasebookEvent is an event of the casebook (a design event, or the
// entries of one step type made without a form), entries in log order.
type CasebookEvent struct {
	Key     string
	Name    string
	Entries []CasebookEntry
}

// CasebookLock is a lock in force: its entry and reason.
type CasebookLock struct {
	EntrySignature
	Reason string
}

// SubjectProgress is where a subject stands in the trial.
type SubjectProgress struct {
	Subject     string
	Site        string
	Entries     int      // casebook entries (originals)
	Enrolled    bool     // an enrolment or randomization was recorded
	Withdrawn   bool     // a withdrawal was recorded
	Done        []string // the events (or step types) with an entry, in order: "Visit 1", "Consent"
	DoneEvents  []string // the design events' OIDs among them
	OpenQueries int
	Verified    int // entries whose SDV mark on the whole entry is in force
	Locked      bool
	Last        time.Time
}

// TrialCasebook is one subject's casebook.
type TrialCasebook struct {
	Trial    marketplace.Trial
	Subject  string // the pseudonym
	Site     string
	Events   []CasebookEvent
	Lock     *CasebookLock // the casebook lock in force
	Database *CasebookLock // the database lock in force
	Progress SubjectProgress
}

// Entry returns the casebook entry with index i, or false.
func (c TrialCasebook) Entry(i uint64) (CasebookEntry, bool) {
	for _, ev := range c.Events {
		for _, e := range ev.Entries {
			if e.Index == i {
				return e, true
			}
		}
	}
	return CasebookEntry{}, false
}

// Queries lists every query of the casebook, oldest first.
func (c TrialCasebook) Queries() []CasebookQuery {
	var out []CasebookQuery
	for _, ev := range c.Events {
		for _, e := range ev.Entries {
			out = append(out, e.Queries...)
			for _, v := range e.Values {
				out = append(out, v.Queries...)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// SiteProgress is enrolment, visit progress and open queries at a site.
type SiteProgress struct {
	Site      string
	Subjects  int
	Enrolled  int
	Withdrawn int
	Locked    int
	// ByEvent is, per planned event (TrialDashboard.Events), how many of
	// the site's subjects have an entry for it.
	ByEvent     []int
	OpenQueries int
}

// AdverseEvent is an adverse event as the dashboard lists it.
type AdverseEvent struct {
	Entry     uint64
	Subject   string
	Site      string
	Serious   bool
	Signed    EntrySignature
	Values    []CasebookValue
	Corrected bool
}

// TrialAnchorState is how much of the log is anchored on chain.
type TrialAnchorState struct {
	Entries    uint64 // entries in the log
	Anchored   bool
	LastEntry  uint64 // the last entry the latest anchor covers
	Block      uint64
	Unanchored uint64
}

// String reads "last anchor: entry 300 at block 42; 12 entries not yet
// anchored".
func (a TrialAnchorState) String() string {
	if !a.Anchored {
		return fmt.Sprintf("no anchor yet; %s not yet anchored", cbPlural(a.Unanchored, "entry", "entries"))
	}
	return fmt.Sprintf("last anchor: entry %d at block %d; %s not yet anchored", a.LastEntry, a.Block, cbPlural(a.Unanchored, "entry", "entries"))
}

func cbPlural(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// TrialDashboard is the trial at a glance: progress per site and subject,
// open queries, adverse events, anchoring and the database lock.
type TrialDashboard struct {
	Trial         marketplace.Trial
	Events        []marketplace.EventDef // the planned events (latest design); none without a design
	Sites         []SiteProgress
	Subjects      []SubjectProgress
	OpenQueries   []CasebookQuery // not yet closed, oldest first
	AdverseEvents []AdverseEvent
	Anchoring     TrialAnchorState
	Database      *CasebookLock
}

// casebookTeam is what the views need of the team replay (TrialTeamState).
type casebookTeam interface {
	Size() uint64
	Design(v int) (marketplace.StudyDesign, bool)
	Designs() int
	Queries() []TrialQuery
	SubjectSite(subject string) string
	Locked(subject string) (uint64, bool)
	DatabaseLocked() (uint64, bool)
}

// casebookIndex is the log read once for the views.
type casebookIndex struct {
	trial    marketplace.Trial
	team     casebookTeam
	steps    map[uint64]*marketplace.Step
	root     map[uint64]uint64   // a correction -> the original it corrects (through chains)
	fixes    map[uint64][]uint64 // an original -> its corrections, in order
	sdv      map[uint64][]uint64 // an original -> the SDV marks on it
	subjects []string            // in order of first entry
	roots    map[string][]uint64 // subject -> its originals, in order
	queries  map[uint64][]CasebookQuery
}

// newCasebookIndex reads steps, the log as far as team replayed it.
func newCasebookIndex(t marketplace.Trial, steps []TrialEntry, team casebookTeam) *casebookIndex {
	x := &casebookIndex{trial: t, team: team, steps: make(map[uint64]*marketplace.Step, len(steps)),
		root: map[uint64]uint64{}, fixes: map[uint64][]uint64{}, sdv: map[uint64][]uint64{},
		roots: map[string][]uint64{}, queries: map[uint64][]CasebookQuery{}}
	for i := range steps {
		s := &steps[i].Step
		if s.Index >= team.Size() {
			continue // recorded after the replay: the next view shows it
		}
		x.steps[s.Index] = s
		x.add(s)
	}
	for _, q := range team.Queries() {
		cq := x.query(q)
		x.queries[cq.Entry] = append(x.queries[cq.Entry], cq)
	}
	return x
}

func (x *casebookIndex) add(s *marketplace.Step) {
	switch {
	case s.Corrects != nil:
		r := x.rootOf(*s.Corrects)
		x.root[s.Index] = r
		x.fixes[r] = append(x.fixes[r], s.Index)
	case s.Type == marketplace.StepSDV && s.Concerns != nil:
		r := x.rootOf(*s.Concerns)
		x.sdv[r] = append(x.sdv[r], s.Index)
	case s.Subject != "" && casebookEntry(s.Type):
		if _, seen := x.roots[s.Subject]; !seen {
			x.subjects = append(x.subjects, s.Subject)
		}
		x.roots[s.Subject] = append(x.roots[s.Subject], s.Index)
	}
}

// casebookEntry reports whether a step of type t is data of a casebook
// (not a lock, a query or an SDV mark, which show as their effect).
func casebookEntry(t marketplace.StepType) bool {
	switch t {
	case marketplace.StepCasebookLock, marketplace.StepCasebookUnlock, marketplace.StepQuery,
		marketplace.StepQueryAnswer, marketplace.StepQueryClose, marketplace.StepSDV:
		return false
	}
	return true
}

func (x *casebookIndex) rootOf(i uint64) uint64 {
	if r, ok := x.root[i]; ok {
		return r
	}
	return i
}

// query is q with its texts and signatures.
func (x *casebookIndex) query(q TrialQuery) CasebookQuery {
	cq := CasebookQuery{Index: q.Index, Concerns: q.Concerns, Entry: x.rootOf(q.Concerns), Item: q.Item, Label: q.Item, State: QueryOpen}
	if s, ok := x.steps[q.Index]; ok {
		cq.Text, cq.Raised, cq.Site = queryTextOf(s), signatureOf(s), s.Site
	}
	if s, ok := x.steps[cq.Entry]; ok {
		cq.Subject = s.Subject
	}
	for _, a := range q.Answers {
		if s, ok := x.steps[a]; ok {
			cq.Answers = append(cq.Answers, QueryReply{EntrySignature: signatureOf(s), Text: queryTextOf(s)})
		}
		cq.State = QueryAnswered
	}
	if q.Closed != nil {
		cq.State = QueryClosed
		if s, ok := x.steps[*q.Closed]; ok {
			cq.Closed = &QueryReply{EntrySignature: signatureOf(s), Text: queryTextOf(s)}
		}
	}
	return cq
}

func queryTextOf(s *marketplace.Step) string {
	var q marketplace.QueryText
	if len(s.Data) > 0 && json.Unmarshal(s.Data, &q) == nil {
		return q.Text
	}
	return ""
}

// entryData is an entry's data decoded: its form (when entered through
// one) and its items.
type entryData struct {
	form  *marketplace.FormData
	def   *marketplace.FormDef
	event string // the event's name
	items map[string]json.RawMessage
}

func (x *casebookIndex) decode(s *marketplace.Step) entryData {
	var d entryData
	if len(s.Data) == 0 {
		return d
	}
	var fd marketplace.FormData
	if bytes.Contains(s.Data, []byte(`"form":`)) && json.Unmarshal(s.Data, &fd) == nil && fd.Form != "" && fd.Design > 0 {
		d.form, d.items = &fd, fd.Items
		if design, ok := x.team.Design(fd.Design); ok {
			if f, ok := design.Form(fd.Form); ok {
				d.def = &f
			}
			if ev, ok := design.Event(fd.Event); ok {
				d.event = ev.Name
			}
		}
		return d
	}
	_ = json.Unmarshal(s.Data, &d.items) // Step.Validate: data is an object
	return d
}

// entry builds the casebook entry of original i.
func (x *casebookIndex) entry(i uint64) CasebookEntry {
	s := x.steps[i]
	d := x.decode(s)
	e := CasebookEntry{Index: i, Type: s.Type, Signed: signatureOf(s), Documents: s.Documents}
	if d.form != nil {
		e.Design, e.Event, e.EventName, e.Form, e.FormName = d.form.Design, d.form.Event, d.event, d.form.Form, d.form.Form
		if d.def != nil && d.def.Name != "" {
			e.FormName = d.def.Name
		}
		if e.EventName == "" {
			e.EventName = e.Event
		}
	}
	vals, changed := x.values(s, d)
	e.Values = vals
	for _, c := range x.fixes[i] {
		e.Corrections = append(e.Corrections, Correction{EntrySignature: signatureOf(x.steps[c]), Reason: x.steps[c].Reason})
	}
	x.attachQueries(&e)
	x.attachSDV(&e, changed)
	return e
}

// values are the items of original s with each correction in place, and,
// per correction, the items it changed (nil: it changed the entry as a
// whole).
func (x *casebookIndex) values(s *marketplace.Step, d entryData) ([]CasebookValue, map[uint64]map[string]bool) {
	order := itemOrder(d)
	byItem := map[string]*CasebookValue{}
	var out []*CasebookValue
	put := func(item string, v json.RawMessage, ver ValueVersion, def *marketplace.FormDef) bool {
		shown := displayValue(def, item, v)
		cv, ok := byItem[item]
		if !ok {
			cv = &CasebookValue{Item: item, Label: itemLabel(def, item), Def: itemDef(def, item)}
			byItem[item] = cv
			out = append(out, cv)
		} else if cv.Value == shown {
			return false
		}
		ver.Value, cv.Value = shown, shown
		cv.History = append(cv.History, ver)
		return true
	}
	for _, item := range order {
		put(item, d.items[item], ValueVersion{EntrySignature: signatureOf(s)}, d.def)
	}
	changed := map[uint64]map[string]bool{}
	for _, ci := range x.fixes[s.Index] {
		c := x.steps[ci]
		cd := x.decode(c)
		if cd.def == nil {
			cd.def = d.def
		}
		if len(cd.items) == 0 {
			changed[ci] = nil // changed the entry, not an item
			continue
		}
		changed[ci] = map[string]bool{}
		for _, item := range itemOrder(cd) {
			if put(item, cd.items[item], ValueVersion{EntrySignature: signatureOf(c), Reason: c.Reason}, cd.def) {
				changed[ci][item] = true
			}
		}
	}
	vals := make([]CasebookValue, len(out))
	for i, v := range out {
		vals[i] = *v
	}
	return vals, changed
}

// itemOrder is the order of d's items: the form's, else the keys sorted.
func itemOrder(d entryData) []string {
	var order []string
	seen := map[string]bool{}
	if d.def != nil {
		for _, it := range d.def.Items {
			if _, ok := d.items[it.OID]; ok {
				order, seen[it.OID] = append(order, it.OID), true
			}
		}
	}
	var rest []string
	for k := range d.items {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(order, rest...)
}

func itemDef(def *marketplace.FormDef, item string) *marketplace.ItemDef {
	if def != nil {
		if it, ok := def.Item(item); ok {
			return &it
		}
	}
	return nil
}

func itemLabel(def *marketplace.FormDef, item string) string {
	if def != nil {
		if it, ok := def.Item(item); ok && it.Label != "" {
			return it.Label
		}
	}
	return strings.ReplaceAll(item, "_", " ")
}

// displayValue is an item's value for people: through the design's item
// when there is one; else text as text, and objects and lists as
// "key: value" lines, never raw JSON.
func displayValue(def *marketplace.FormDef, item string, v json.RawMessage) string {
	if def != nil {
		if it, ok := def.Item(item); ok {
			return it.Display(v)
		}
	}
	return plainJSON(v)
}

func plainJSON(v json.RawMessage) string {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return string(v)
	}
	return plainValue(x)
}

func plainValue(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		if t {
			return "Yes"
		}
		return "No"
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = plainValue(e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strings.ReplaceAll(k, "_", " ") + ": " + plainValue(t[k])
		}
		return strings.Join(parts, "; ")
	}
	return fmt.Sprint(x)
}

// attachQueries puts the queries on e's items, or on e when they name no
// item it has.
func (x *casebookIndex) attachQueries(e *CasebookEntry) {
	for _, q := range x.queries[e.Index] {
		placed := false
		for vi := range e.Values {
			if q.Item != "" && e.Values[vi].Item == q.Item {
				q.Label = e.Values[vi].Label
				e.Values[vi].Queries = append(e.Values[vi].Queries, q)
				placed = true
			}
		}
		if !placed {
			e.Queries = append(e.Queries, q)
		}
	}
}

// attachSDV puts the SDV marks still in force on e and its items: a later
// correction clears a mark on the whole entry, and a mark on an item when
// it changed that item (or the entry as a whole).
func (x *casebookIndex) attachSDV(e *CasebookEntry, changed map[uint64]map[string]bool) {
	cleared := func(mark uint64, item string) bool {
		for _, c := range x.fixes[e.Index] {
			if c < mark {
				continue
			}
			items, ok := changed[c]
			if item == "" || !ok || items == nil || items[item] {
				return true
			}
		}
		return false
	}
	for _, m := range x.sdv[e.Index] {
		s := x.steps[m]
		if cleared(m, s.Item) {
			continue
		}
		sig := signatureOf(s)
		if s.Item == "" {
			e.Verified = &sig
			continue
		}
		for vi := range e.Values {
			if e.Values[vi].Item == s.Item {
				e.Values[vi].Verified = &sig
			}
		}
	}
}

// lock is the lock entry i as a CasebookLock.
func (x *casebookIndex) lock(i uint64, ok bool) *CasebookLock {
	if !ok {
		return nil
	}
	l := &CasebookLock{EntrySignature: EntrySignature{Entry: i}}
	if s, found := x.steps[i]; found {
		l.EntrySignature, l.Reason = signatureOf(s), s.Reason
	}
	return l
}

// casebook builds subject's casebook.
func (x *casebookIndex) casebook(subject string) TrialCasebook {
	c := TrialCasebook{Trial: x.trial, Subject: subject, Site: x.site(subject)}
	c.Lock = x.lock(x.team.Locked(subject))
	c.Database = x.lock(x.team.DatabaseLocked())
	at := map[string]int{}
	for _, i := range x.roots[subject] {
		e := x.entry(i)
		key, name := "type:"+string(e.Type), e.Type.Label()
		if e.Event != "" {
			key, name = "event:"+e.Event, e.EventName
		}
		k, ok := at[key]
		if !ok {
			k = len(c.Events)
			at[key] = k
			c.Events = append(c.Events, CasebookEvent{Key: key, Name: name})
		}
		c.Events[k].Entries = append(c.Events[k].Entries, e)
	}
	c.Progress = progressOf(c)
	return c
}

func (x *casebookIndex) site(subject string) string {
	if site := x.team.SubjectSite(subject); site != "" {
		return site
	}
	if rs := x.roots[subject]; len(rs) > 0 {
		return x.steps[rs[0]].Site
	}
	return ""
}

// progressOf sums up a casebook.
func progressOf(c TrialCasebook) SubjectProgress {
	p := SubjectProgress{Subject: c.Subject, Site: c.Site, Locked: c.Lock != nil}
	for _, ev := range c.Events {
		p.Done = append(p.Done, ev.Name)
		if after, ok := strings.CutPrefix(ev.Key, "event:"); ok {
			p.DoneEvents = append(p.DoneEvents, after)
		}
		for _, e := range ev.Entries {
			p.Entries++
			p.OpenQueries += e.OpenQueries()
			switch e.Type {
			case marketplace.StepEnrolment, marketplace.StepRandomization:
				p.Enrolled = true
			case marketplace.StepWithdrawal:
				p.Withdrawn = true
			}
			if e.Verified != nil {
				p.Verified++
			}
			if e.Signed.When.After(p.Last) {
				p.Last = e.Signed.When
			}
		}
	}
	return p
}

// BuildCasebook is subject's casebook (subject: its pseudonym) from the
// trial's entries and its team replay. Entries beyond the replay are left
// out, so that the two agree.
func BuildCasebook(t marketplace.Trial, steps []TrialEntry, team *TrialTeamState, subject string) TrialCasebook {
	return newCasebookIndex(t, steps, team).casebook(subject)
}

// BuildTrialDashboard is the trial's dashboard from its summary (the log's
// anchoring), entries and team replay. Planned events are those of the
// latest design version.
func BuildTrialDashboard(t TrialSummary, steps []TrialEntry, team *TrialTeamState) TrialDashboard {
	return newCasebookIndex(t.Trial, steps, team).dashboard(t)
}

func (x *casebookIndex) dashboard(t TrialSummary) TrialDashboard {
	d := TrialDashboard{Trial: t.Trial, Anchoring: anchoringOf(t)}
	if design, ok := x.team.Design(x.team.Designs()); ok {
		d.Events = design.Events
	}
	d.Database = x.lock(x.team.DatabaseLocked())
	sites := map[string]*SiteProgress{}
	var order []string
	for _, subject := range x.subjects {
		c := x.casebook(subject)
		d.Subjects = append(d.Subjects, c.Progress)
		sp, ok := sites[c.Site]
		if !ok {
			sp = &SiteProgress{Site: c.Site, ByEvent: make([]int, len(d.Events))}
			sites[c.Site], order = sp, append(order, c.Site)
		}
		sp.add(c.Progress, d.Events)
		for _, q := range c.Queries() {
			if q.State != QueryClosed {
				d.OpenQueries = append(d.OpenQueries, q)
			}
		}
		d.AdverseEvents = append(d.AdverseEvents, adverseEvents(c)...)
	}
	sort.Strings(order)
	for _, s := range order {
		d.Sites = append(d.Sites, *sites[s])
	}
	sort.Slice(d.OpenQueries, func(i, j int) bool { return d.OpenQueries[i].Index < d.OpenQueries[j].Index })
	sort.Slice(d.AdverseEvents, func(i, j int) bool { return d.AdverseEvents[i].Entry < d.AdverseEvents[j].Entry })
	return d
}

func (sp *SiteProgress) add(p SubjectProgress, events []marketplace.EventDef) {
	sp.Subjects++
	sp.OpenQueries += p.OpenQueries
	if p.Enrolled {
		sp.Enrolled++
	}
	if p.Withdrawn {
		sp.Withdrawn++
	}
	if p.Locked {
		sp.Locked++
	}
	for i, ev := range events {
		if slices.Contains(p.DoneEvents, ev.OID) {
			sp.ByEvent[i]++
		}
	}
}

func adverseEvents(c TrialCasebook) []AdverseEvent {
	var out []AdverseEvent
	for _, ev := range c.Events {
		for _, e := range ev.Entries {
			serious := e.Type == marketplace.StepSeriousAdverseEvent
			if !serious && e.Type != marketplace.StepAdverseEvent {
				continue
			}
			out = append(out, AdverseEvent{Entry: e.Index, Subject: c.Subject, Site: c.Site, Serious: serious,
				Signed: e.Signed, Values: e.Values, Corrected: len(e.Corrections) > 0})
		}
	}
	return out
}

func anchoringOf(t TrialSummary) TrialAnchorState {
	a := TrialAnchorState{Entries: t.Log.Size, Unanchored: t.Log.Unanchored}
	if t.Log.Anchor != nil && t.Log.Anchor.TreeSize > 0 {
		a.Anchored, a.LastEntry, a.Block = true, t.Log.Anchor.TreeSize-1, t.Log.Anchor.Block
	} else {
		a.Unanchored = t.Log.Size
	}
	return a
}
