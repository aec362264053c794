package trials

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/ledger"
)

// Verdict is a verification said in plain words for a trial team or an
// inspector: passed or not, in one headline, and each problem as a sentence
// that names the entry or checkpoint and what it means ("Entry 4 was
// changed after it was signed: its signature does not match its content").
// The report's findings remain the details.
type Verdict struct {
	OK       bool
	Headline string
	// Problems are the failures, most telling first (entries before the
	// checkpoints and anchors their change also breaks), each said once.
	Problems []string
	// Warnings do not fail the verification but must be read: entries not
	// anchored on chain yet.
	Warnings []string
}

// Verdict says the report in plain words. Findings of a kind it does not
// know are said as "Subject: detail.".
func (r *Report) Verdict() Verdict {
	p := newSigners(r)
	var v Verdict
	fails := r.Failures()
	ranked := make([][]string, rankStore+1)
	for _, f := range fails {
		rank, sentence := p.problem(f)
		ranked[rank] = append(ranked[rank], sentence)
	}
	seen := map[string]bool{}
	for _, group := range ranked {
		for _, s := range group {
			if !seen[s] {
				seen[s] = true
				v.Problems = append(v.Problems, s)
			}
		}
	}
	for _, f := range r.Warnings() {
		v.Warnings = append(v.Warnings, warningSentence(f))
	}
	v.OK = len(fails) == 0
	if !v.OK {
		v.Headline = fmt.Sprintf("Not verified: %s found in this audit trail; do not rely on it as it stands", plural(len(v.Problems), "problem", "problems"))
		return v
	}
	v.Headline = r.passHeadline()
	return v
}

// passHeadline says what a passing verification proved.
func (r *Report) passHeadline() string {
	all := "all " + plural(r.Entries, "entry is", "entries are")
	if r.Entries == 1 {
		all = "the one entry is"
	}
	for _, f := range r.Findings {
		if f.Subject != "log" {
			continue
		}
		if m := chainAnchorRE.FindStringSubmatch(f.Detail); m != nil && !f.Warning {
			size, _ := strconv.ParseUint(m[1], 10, 64)
			return fmt.Sprintf("Verified: %s signed, in order, and match the chain's anchor at entry %d", all, size-1)
		}
		if strings.HasPrefix(f.Detail, "nothing of this log is anchored on chain") {
			return fmt.Sprintf("Verified: %s signed and in order; nothing is anchored on chain yet", all)
		}
	}
	return fmt.Sprintf("Verified offline: %s signed, in order, and match the checkpoint of %s signed with the trial's log key; the chain was not asked",
		all, plural(int(r.TreeSize), "entry", "entries"))
}

var (
	chainAnchorRE = regexp.MustCompile(`root of the chain's latest anchor \(size (\d+)`)
	addressRE     = regexp.MustCompile(`0x[0-9a-fA-F]{40}`)
	rangeRE       = regexp.MustCompile(`entries \d+-\d+ are|entry \d+ is`)
	firstNumberRE = regexp.MustCompile(`\d+`)
	chainSizeRE   = regexp.MustCompile(`an anchor of size (\d+)`)
	base64HashRE  = regexp.MustCompile(`[A-Za-z0-9+/]{42,}[A-Za-z0-9+/=]{2}`)
	hexHashRE     = regexp.MustCompile(`(0x)?[0-9a-f]{64}`)
)

// The order problems are said in.
const (
	rankEntry = iota
	rankTrial
	rankKey
	rankLog
	rankCheckpoint
	rankAnchor
	rankOther
	rankStore
)

// signers says who an account is to the trial: its sponsor, a staff
// member the log authorized, or an account the sponsor never authorized.
type signers struct {
	sponsor common.Address
	staff   map[common.Address]marketplace.StaffGrant
	steps   map[uint64]*marketplace.Step // by the index each step was signed for
}

func newSigners(r *Report) signers {
	p := signers{sponsor: r.Trial.Sponsor, staff: map[common.Address]marketplace.StaffGrant{}, steps: map[uint64]*marketplace.Step{}}
	for i := range r.Steps {
		s := &r.Steps[i]
		p.steps[s.Index] = s
		if s.Type == marketplace.StepStaffAuthorization {
			if g, err := marketplace.ParseStaffGrant(s.Data); err == nil {
				p.staff[g.Account] = g
			}
		}
	}
	return p
}

// who names an account relative to the trial.
func (p signers) who(a common.Address) string {
	if a == p.sponsor {
		return "the sponsor " + ShortAddress(a)
	}
	if g, ok := p.staff[a]; ok {
		name := g.Name
		if name == "" {
			name = "staff member"
		}
		return fmt.Sprintf("%s (%s, %s)", name, strings.ToLower(g.Role.Label()), ShortAddress(a))
	}
	return ShortAddress(a) + ", an account the sponsor never authorized"
}

// ShortAddress is an address as people compare it: 0x12ab…cdef.
func ShortAddress(a common.Address) string {
	h := a.Hex()
	return h[:6] + "…" + h[len(h)-4:]
}

// problem says a failed finding as a sentence, with its rank.
func (p signers) problem(f ledger.Finding) (int, string) {
	// Entries and checkpoints join several problems with "; ": the first
	// is the telling one.
	subject, detail, first := f.Subject, f.Detail, firstProblem(f.Detail)
	switch {
	case strings.HasPrefix(subject, "store: "):
		_, s := p.problem(ledger.Finding{Subject: strings.TrimPrefix(subject, "store: "), Detail: f.Detail})
		return rankStore, "In this node's own store: " + lowerFirst(s)
	case strings.HasPrefix(subject, "entry ") || strings.HasPrefix(subject, "entries "):
		return rankEntry, p.entryProblem(subject, first)
	case strings.HasPrefix(subject, "checkpoint "):
		return rankCheckpoint, checkpointProblem(subject, first)
	case strings.HasPrefix(subject, "anchor "):
		return rankAnchor, anchorProblem(subject, detail)
	case subject == "log":
		return rankLog, logProblem(detail)
	case subject == "log key" || subject == "bundle":
		return rankKey, keyProblem(detail)
	case subject == "trial" || strings.HasPrefix(subject, "protocol "):
		return rankTrial, trialProblem(subject, detail)
	}
	return rankOther, fallback(subject, detail)
}

// firstProblem is the first of problems joined by "; " (a trial's check
// first, then the ledger's).
func firstProblem(detail string) string {
	first, _, _ := strings.Cut(detail, "; ")
	return first
}

// fallback says a finding of a kind Verdict does not know as its text,
// with hashes (base64 roots, hex hashes) cut to something people compare.
func fallback(subject, detail string) string {
	detail = hexHashRE.ReplaceAllStringFunc(detail, func(h string) string { return h[:8] + "…" })
	detail = base64HashRE.ReplaceAllString(detail, "(a hash)")
	return upperFirst(subject) + ": " + strings.TrimSuffix(detail, ".") + "."
}

// entryProblem says what is wrong with an entry.
func (p signers) entryProblem(subject, detail string) string {
	name := upperFirst(dashRange(subject))
	addrs := addressRE.FindAllString(detail, -1)
	switch {
	case strings.Contains(detail, "missing from the bundle"):
		if strings.HasPrefix(subject, "entries ") {
			return name + " are missing from the export"
		}
		return name + " is missing from the export"
	case strings.Contains(detail, "not a valid signed step"):
		return name + " is not a valid signed entry: it was damaged or replaced"
	case strings.HasPrefix(detail, "signed by ") && len(addrs) > 0:
		return p.signedByProblem(name, subject, common.HexToAddress(addrs[0]), detail)
	case strings.HasPrefix(detail, "its signature does not match its content"):
		return name + " was changed after it was signed: its signature does not match its content"
	case strings.HasPrefix(detail, "belongs to trial"):
		return name + " belongs to another trial: it was copied in from another log"
	case strings.HasPrefix(detail, "was signed for index "):
		return fmt.Sprintf("%s was moved: it was signed as entry %s", name, firstNumberRE.FindString(detail))
	case strings.Contains(detail, "earlier than the entry before"):
		return name + " is dated before the entry before it: entries were reordered or back-dated"
	case strings.HasPrefix(detail, "the first entry is a"):
		return name + " is not the trial's registration, which every log starts with"
	case detail == "a second registration":
		return name + " registers the trial a second time"
	case strings.HasPrefix(detail, "references protocol version"):
		return fmt.Sprintf("%s refers to protocol version %s, which the log had not registered for this trial", name, firstNumberRE.FindString(detail))
	case strings.HasPrefix(detail, "registers protocol version"):
		return name + " registers protocol versions out of order"
	case strings.HasPrefix(detail, "registers log key"):
		return name + " registers another log key than the one the checkpoints are signed with"
	}
	if teamProblem(detail) {
		// The team's checks (team.go) speak of the entry already.
		short := addressRE.ReplaceAllStringFunc(detail, func(a string) string { return ShortAddress(common.HexToAddress(a)) })
		return name + " " + strings.TrimSuffix(short, ".")
	}
	return entryCopyProblem(name, subject, detail)
}

// teamProblem reports whether detail is one of the team's findings: who
// signed, under which role or lock, about what.
func teamProblem(detail string) bool {
	for _, p := range []string{"was signed by ", "is signed under ", "is a ", "was recorded ", "answers ", "holds ",
		"names ", "concerns ", "corrects ", "locks ", "unlocks ", "authorizes ", "revokes ", "a ", "is in ", "comes "} {
		if strings.HasPrefix(detail, p) {
			return true
		}
	}
	return false
}

// entryCopyProblem says what is wrong with what the export shows of an
// entry, or with its place in the tree.
func entryCopyProblem(name, subject, detail string) string {
	switch {
	case strings.HasPrefix(detail, "the signature shown beside the leaf"):
		return fmt.Sprintf("The export's copy of %s's signature differs from the signed entry", subject)
	case strings.HasPrefix(detail, "the step shown beside the leaf"):
		return fmt.Sprintf("The export's copy of %s differs from the signed entry", subject)
	case strings.HasPrefix(detail, "not included at index"):
		return name + " does not belong to the signed checkpoint: the entry or its proof was changed"
	case strings.HasPrefix(detail, "listed again or out of order"):
		return name + " appears twice or out of order in the export"
	case strings.HasPrefix(detail, "beyond the bundle's tree size"):
		return name + " lies beyond the export's signed checkpoint"
	case strings.HasPrefix(detail, "no checkpoint of size"):
		return name + " cannot be proved: the export has no valid checkpoint to prove it against"
	}
	return fallback(subject, detail)
}

// signedByProblem tells an entry changed after signing (its signature
// recovers to an account other than the one the step names) from one
// signed by an account that may not sign it.
func (p signers) signedByProblem(name, subject string, signer common.Address, detail string) string {
	var index uint64
	_, _ = fmt.Sscanf(subject, "entry %d", &index)
	if s, ok := p.steps[index]; !ok || s.Who != signer {
		return name + " was changed after it was signed: its signature does not match its content"
	}
	_, staff := p.staff[signer]
	switch {
	case signer != p.sponsor && !staff:
		return fmt.Sprintf("%s was signed by %s", name, p.who(signer))
	case strings.Contains(detail, "revoked"):
		return fmt.Sprintf("%s was signed by %s, whose authorization had been revoked", name, p.who(signer))
	}
	return fmt.Sprintf("%s was signed by %s, who was not authorized to sign it", name, p.who(signer))
}

func checkpointProblem(subject, detail string) string {
	name := upperFirst(subject)
	other := firstNumberRE.FindString(detail)
	switch {
	case strings.HasPrefix(detail, "not signed by the log key"), strings.HasPrefix(detail, "signature by "):
		return name + " is not signed with the trial's log key"
	case strings.HasPrefix(detail, "not consistent with checkpoint"):
		return fmt.Sprintf("%s contradicts checkpoint %s: the log was rewritten between them", name, other)
	case strings.HasPrefix(detail, "no consistency proof"):
		return fmt.Sprintf("%s cannot be shown to extend checkpoint %s: the proof between them is missing", name, other)
	case strings.HasPrefix(detail, "its root"):
		return name + " does not match the entries: they are not the entries it signed"
	case strings.HasPrefix(detail, "a second checkpoint of size"):
		return fmt.Sprintf("There are two different checkpoints of size %s: the log was forked", other)
	case strings.HasPrefix(detail, "out of order"):
		return name + " is out of order"
	case strings.HasPrefix(detail, "origin"):
		return name + " belongs to another log"
	case strings.HasPrefix(detail, "not a signed note"):
		return name + " is not a signed checkpoint"
	}
	return fallback(subject, detail)
}

func anchorProblem(subject, detail string) string {
	size := strings.TrimPrefix(subject, "anchor ")
	name := "The export's anchor of " + size + " entries"
	switch {
	case strings.HasPrefix(detail, "the chain has no anchor"):
		return name + " is not on the chain"
	case strings.HasPrefix(detail, "the chain records root"):
		return name + " differs from the chain's anchor of that size"
	case strings.HasPrefix(detail, "the chain records it in tx"):
		return name + " names another transaction than the chain's"
	case strings.HasPrefix(detail, "no valid checkpoint"):
		return name + " has no valid checkpoint in the export"
	case strings.HasPrefix(detail, "anchored root"):
		return name + " does not match the export's checkpoint of that size"
	case strings.HasPrefix(detail, "out of order"):
		return name + " is out of order"
	case strings.HasPrefix(detail, "could not be checked on chain"):
		return name + " could not be checked on chain"
	}
	return fallback(subject, detail)
}

func logProblem(detail string) string {
	switch {
	case strings.Contains(detail, "missing") && chainSizeRE.MatchString(detail):
		missing := upperFirst(dashRange(rangeRE.FindString(detail)))
		missing = strings.TrimSuffix(strings.TrimSuffix(missing, " are"), " is")
		verb := " are missing"
		if strings.HasPrefix(missing, "Entry ") {
			verb = " is missing"
		}
		return fmt.Sprintf("%s%s: the chain holds an anchor of size %s", missing, verb, chainSizeRE.FindStringSubmatch(detail)[1])
	case strings.HasPrefix(detail, "the chain has no log"):
		return "The chain has no record of this trial's log"
	case strings.Contains(detail, "could not be read"):
		return "The chain could not be asked for the trial's latest anchor"
	case strings.Contains(detail, "cannot be compared"):
		return "The export cannot be compared with the chain's latest anchor: entries before it are missing or out of order"
	case strings.Contains(detail, "has root"):
		return "The export's entries do not give the root the chain anchored: the log was changed after it was anchored"
	}
	return fallback("log", detail)
}

func keyProblem(detail string) string {
	switch {
	case strings.HasPrefix(detail, "not pinned"):
		return "The trial's log key was not given: offline, nothing proves the checkpoints are the trial's (give the key from the trial's registration on chain)"
	case strings.HasPrefix(detail, "the key given"):
		return "The log key given is not the key the chain registered with the trial"
	case strings.HasPrefix(detail, "Trial ") && strings.Contains(detail, "not registered"):
		return "The trial is not registered on this node's chain"
	case strings.HasPrefix(detail, "format"):
		return "The file is not a trial audit trail in a known format"
	case strings.HasPrefix(detail, "origin"):
		return "The export's log name does not match its trial"
	case strings.Contains(detail, "no valid checkpoint of tree size"):
		return "The export has no valid checkpoint covering its entries"
	case strings.HasPrefix(detail, "it carries log key"):
		return "The export is signed with another log key than the trusted one"
	case strings.HasPrefix(detail, "it carries no verifier_key"):
		return "The export carries no log key: its checkpoint signatures could not be checked"
	}
	return fallback("log key", detail)
}

func trialProblem(subject, detail string) string {
	if strings.HasPrefix(subject, "protocol ") {
		name := "Protocol version " + strings.TrimPrefix(subject, "protocol ")
		switch {
		case strings.HasSuffix(detail, "is not registered on chain"):
			return name + " of the export is not registered on chain"
		case strings.HasPrefix(detail, "the chain registered"):
			return name + " of the export differs from the one registered on chain"
		case strings.HasPrefix(detail, "registered on chain by tx"):
			return name + " of the export names another transaction than the chain's"
		case strings.HasSuffix(detail, "missing from the export"):
			return name + " is registered on chain but missing from the export"
		}
		return fallback(subject, detail)
	}
	switch {
	case strings.HasPrefix(detail, "the chain records sponsor"):
		return "The export names another sponsor than the one the chain registered"
	case strings.HasPrefix(detail, "export format"):
		return "The file is not a trial audit trail in a known format"
	case strings.Contains(detail, "is not the trial's log"):
		return "The export's log is not its trial's log"
	case detail == "no protocol version":
		return "The export lists no protocol version"
	}
	return "The trial's details are wrong: " + strings.TrimSuffix(detail, ".")
}

// warningSentence says a warning: entries not anchored yet.
func warningSentence(f ledger.Finding) string {
	if r := rangeRE.FindString(f.Detail); r != "" && strings.Contains(f.Detail, "not anchored yet") {
		s := upperFirst(dashRange(r)) + " not anchored on chain yet: signed and in the log, but no anchor covers them"
		if strings.Contains(f.Detail, "offline") {
			s += " in the export (the chain was not asked)"
		}
		return s
	}
	return fallback(f.Subject, f.Detail)
}

// dashRange writes "entries 100-299" as "entries 100–299".
func dashRange(s string) string {
	if strings.HasPrefix(s, "entries ") {
		return strings.Replace(s, "-", "–", 1)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func upperFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

func lowerFirst(s string) string {
	if strings.HasPrefix(s, "The ") || strings.HasPrefix(s, "There ") {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}
