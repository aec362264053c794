package anonymizetest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FHIR Bundles at scale: WriteBundles writes a clinic's export of n
// patients, one FHIR R4 transaction Bundle per patient, by varying real
// Bundles (the Synthea ones in ../shared/data): every patient gets new
// resource ids, a new name, address, phone and identifiers, its own date
// offset, and jittered measured values; each Bundle repeats the
// template's clinical history a few times (each copy with its own ids and
// dates further back), so that a patient has about 240 observations and
// 1 MB of JSON, as the 10,000-patient clinic has. The template is
// compiled once into literal text and holes, so writing is mostly copying:
// a set of 10,000 patients is written in about a minute on two cores.

// BundleSet says what WriteBundles wrote.
type BundleSet struct {
	Dir          string
	Patients     int
	Bytes        int64
	Observations int // Observation resources in all Bundles
	Resources    int // resources in all Bundles
}

// WriteBundles writes n patients' Bundles (p00000.json, p00001.json...)
// into dir, each varied from one of templates (FHIR R4 Bundles holding one
// Patient each, as Synthea writes them) in turn. The output is the same
// for the same templates, n and seed. It uses workers goroutines (at least
// one).
func WriteBundles(dir string, templates [][]byte, n int, seed uint64, workers int) (BundleSet, error) {
	set := BundleSet{Dir: dir, Patients: n}
	if len(templates) == 0 {
		return set, errors.New("anonymizetest: no template Bundles")
	}
	tpls := make([]*bundleTemplate, len(templates))
	for i, b := range templates {
		t, err := compileBundle(b)
		if err != nil {
			return set, fmt.Errorf("anonymizetest: template %d: %w", i, err)
		}
		tpls[i] = t
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return set, err
	}
	workers = max(workers, 1)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			var bytes int64
			obs, res := 0, 0
			for p := w; p < n; p += workers {
				t := tpls[p%len(tpls)]
				copies := 4
				if p%3 == 0 {
					copies = 5
				}
				buf = t.render(buf[:0], newPatientVariant(seed, uint64(p)), copies)
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("p%05d.json", p)), buf, 0o644); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					return
				}
				bytes += int64(len(buf))
				obs += copies * t.observations
				res += 1 + copies*t.resources
			}
			mu.Lock()
			set.Bytes += bytes
			set.Observations += obs
			set.Resources += res
			mu.Unlock()
		}()
	}
	wg.Wait()
	return set, firstErr
}

// holeKind says what a hole of a template becomes for one patient.
type holeKind int

const (
	holeUUID    holeKind = iota // a resource id: new per patient and copy
	holeDate                    // a date or datetime: shifted by the patient's (and copy's) days
	holeNumber                  // a measured value: jittered
	holeNote                    // base64 text of a note: its own template, re-encoded
	holeLiteral                 // one of the patient's names, numbers or places
)

type hole struct {
	kind    holeKind
	index   int       // holeUUID: which id; holeLiteral: which literal
	date    time.Time // holeDate
	layout  string    // holeDate
	number  float64   // holeNumber
	decimal int       // holeNumber: digits after the point, -1 for exponent form
	note    *segments // holeNote
}

// segments is text with holes: lit[i] precedes holes[i]; lit has one more
// element than holes.
type segments struct {
	lit   [][]byte
	holes []hole
}

type bundleTemplate struct {
	patient, rest *segments
	ids           int      // distinct ids
	patientID     int      // the Patient's id among them
	literals      []string // the patient's own strings, replaced per patient
	literalKinds  []literalKind
	observations  int // Observations in rest
	resources     int // resources in rest
}

type literalKind int

const (
	litGiven literalKind = iota
	litFamily
	litCity
	litDigits // SSN, phone, ZIP, licence, passport, street number: digits scrambled
)

var (
	uuidRe   = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	dateRe   = `"\d{4}-\d\d-\d\d(?:T[0-9:.]+(?:Z|[+-]\d\d:\d\d))?"`
	numberRe = `"value(?:Decimal|Integer)?"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)`
	dataRe   = `"data"\s*:\s*"([A-Za-z0-9+/=]+)"`
	// noteDateRe finds dates in a note's text.
	noteDateRe = regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`)
)

// compileBundle splits a Bundle into its Patient entry and the other
// entries, each compiled into literal text and holes.
func compileBundle(data []byte) (*bundleTemplate, error) {
	var b struct {
		ResourceType string            `json:"resourceType"`
		Entry        []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, err
	}
	if b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("resourceType %q, want Bundle", b.ResourceType)
	}
	t := &bundleTemplate{patientID: -1}
	var patient []byte
	var rest [][]byte
	var pat patientFacts
	for _, e := range b.Entry {
		var head struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
			} `json:"resource"`
		}
		if err := json.Unmarshal(e, &head); err != nil {
			return nil, err
		}
		switch head.Resource.ResourceType {
		case "Patient":
			if patient != nil {
				return nil, errors.New("more than one Patient")
			}
			patient = e
			if err := json.Unmarshal(e, &pat); err != nil {
				return nil, err
			}
		case "Observation":
			t.observations++
		}
		if head.Resource.ResourceType != "Patient" {
			rest = append(rest, e)
			t.resources++
		}
	}
	if patient == nil {
		return nil, errors.New("no Patient")
	}
	t.literals, t.literalKinds = pat.literals()
	c := &compiler{ids: map[string]int{}, t: t}
	c.re = regexp.MustCompile(uuidRe + "|" + dateRe + "|" + numberRe + "|" + dataRe + literalPattern(t.literals))
	var err error
	if t.patient, err = c.compile(patient); err != nil {
		return nil, err
	}
	t.patientID = c.ids[pat.Resource.ID]
	if t.rest, err = c.compile(bytes.Join(rest, []byte(",\n"))); err != nil {
		return nil, err
	}
	t.ids = len(c.ids)
	return t, nil
}

// literalPattern is the alternation matching the patient's own strings
// as whole words.
func literalPattern(lits []string) string {
	if len(lits) == 0 {
		return ""
	}
	q := make([]string, len(lits))
	for i, l := range lits {
		q[i] = regexp.QuoteMeta(l)
	}
	return `|\b(?:` + strings.Join(q, "|") + `)\b`
}

type patientFacts struct {
	Resource struct {
		ID         string `json:"id"`
		Identifier []struct {
			Value string `json:"value"`
		} `json:"identifier"`
		Name []struct {
			Family string   `json:"family"`
			Given  []string `json:"given"`
		} `json:"name"`
		Telecom []struct {
			Value string `json:"value"`
		} `json:"telecom"`
		Address []struct {
			Line       []string `json:"line"`
			City       string   `json:"city"`
			PostalCode string   `json:"postalCode"`
		} `json:"address"`
		Extension []struct {
			ValueString string `json:"valueString"`
		} `json:"extension"`
	} `json:"resource"`
}

// literals returns the patient's names, places and numbers to vary (ids
// are holes of their own), longest first so that the alternation prefers
// them.
func (p *patientFacts) literals() ([]string, []literalKind) {
	kinds := map[string]literalKind{}
	add := func(v string, k literalKind) {
		if v = strings.TrimSpace(v); len(v) >= 3 && !regexp.MustCompile(`^`+uuidRe+`$`).MatchString(v) {
			if _, ok := kinds[v]; !ok {
				kinds[v] = k
			}
		}
	}
	r := &p.Resource
	for _, n := range r.Name {
		add(n.Family, litFamily)
		for _, g := range n.Given {
			add(g, litGiven)
		}
	}
	for _, e := range r.Extension { // the mother's maiden name
		if f := strings.Fields(e.ValueString); len(f) == 2 && strings.ContainsAny(f[0], "0123456789") {
			add(f[0], litGiven)
			add(f[1], litFamily)
		}
	}
	for _, id := range r.Identifier {
		add(id.Value, litDigits)
	}
	for _, t := range r.Telecom {
		add(t.Value, litDigits)
	}
	for _, a := range r.Address {
		for _, l := range a.Line {
			add(l, litDigits)
		}
		add(a.City, litCity)
		add(a.PostalCode, litDigits)
	}
	var lits []string
	for v, k := range kinds {
		if k == litDigits && !strings.ContainsAny(v, "0123456789") {
			continue
		}
		lits = append(lits, v)
	}
	sortLongestFirst(lits)
	out := make([]literalKind, len(lits))
	for i, l := range lits {
		out[i] = kinds[l]
	}
	return lits, out
}

func sortLongestFirst(s []string) {
	for i := 1; i < len(s); i++ { // a handful of strings
		for j := i; j > 0 && (len(s[j]) > len(s[j-1]) || len(s[j]) == len(s[j-1]) && s[j] < s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

type compiler struct {
	re  *regexp.Regexp
	ids map[string]int
	t   *bundleTemplate
}

// compile splits text at the template's holes.
func (c *compiler) compile(text []byte) (*segments, error) {
	s := &segments{}
	last := 0
	for _, m := range c.re.FindAllSubmatchIndex(text, -1) {
		lo, hi := m[0], m[1]
		h, start, end, err := c.hole(text, m)
		if err != nil {
			return nil, err
		}
		if start >= 0 {
			lo, hi = start, end
		}
		s.lit = append(s.lit, text[last:lo])
		s.holes = append(s.holes, h)
		last = hi
	}
	s.lit = append(s.lit, text[last:])
	return s, nil
}

// hole returns the hole a match is, and the span it replaces when that is
// a submatch (start -1: the whole match).
func (c *compiler) hole(text []byte, m []int) (hole, int, int, error) {
	match := string(text[m[0]:m[1]])
	switch {
	case m[2] >= 0: // a number value
		v := string(text[m[2]:m[3]])
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return hole{}, 0, 0, err
		}
		dec := 0
		if strings.ContainsAny(v, "eE") {
			dec = -1
		} else if i := strings.IndexByte(v, '.'); i >= 0 {
			dec = len(v) - i - 1
		}
		return hole{kind: holeNumber, number: f, decimal: dec}, m[2], m[3], nil
	case m[4] >= 0: // a note's base64 text
		raw, err := base64.StdEncoding.DecodeString(string(text[m[4]:m[5]]))
		if err != nil {
			return hole{}, 0, 0, err
		}
		note, err := c.compileNote(raw)
		return hole{kind: holeNote, note: note}, m[4], m[5], err
	case match[0] == '"':
		v := match[1 : len(match)-1]
		layout := dateLayout(v)
		d, err := time.Parse(layout, v)
		if err != nil {
			return hole{}, 0, 0, err
		}
		return hole{kind: holeDate, date: d, layout: layout}, m[0] + 1, m[1] - 1, nil
	case len(match) == 36 && regexp.MustCompile(`^`+uuidRe+`$`).MatchString(match):
		i, ok := c.ids[match]
		if !ok {
			i = len(c.ids)
			c.ids[match] = i
		}
		return hole{kind: holeUUID, index: i}, -1, 0, nil
	}
	for i, l := range c.t.literals {
		if l == match {
			return hole{kind: holeLiteral, index: i}, -1, 0, nil
		}
	}
	return hole{}, 0, 0, fmt.Errorf("unexpected match %q", match)
}

// compileNote splits a note's text at the patient's strings and dates.
func (c *compiler) compileNote(text []byte) (*segments, error) {
	s := &segments{}
	last := 0
	re := regexp.MustCompile(noteDateRe.String() + literalPattern(c.t.literals))
	for _, m := range re.FindAllIndex(text, -1) {
		match := string(text[m[0]:m[1]])
		h := hole{kind: holeLiteral, index: -1}
		if d, err := time.Parse("2006-01-02", match); err == nil {
			h = hole{kind: holeDate, date: d, layout: "2006-01-02"}
		} else {
			for i, l := range c.t.literals {
				if l == match {
					h.index = i
				}
			}
		}
		if h.kind == holeLiteral && h.index < 0 {
			continue
		}
		s.lit = append(s.lit, text[last:m[0]])
		s.holes = append(s.holes, h)
		last = m[1]
	}
	s.lit = append(s.lit, text[last:])
	return s, nil
}

// dateLayout is the layout of a FHIR date or dateTime as Synthea writes it.
func dateLayout(v string) string {
	if len(v) == 10 {
		return "2006-01-02"
	}
	layout := "2006-01-02T15:04:05"
	if i := strings.IndexByte(v, '.'); i >= 0 {
		j := i + 1
		for j < len(v) && v[j] >= '0' && v[j] <= '9' {
			j++
		}
		layout += "." + strings.Repeat("0", j-i-1)
	}
	if strings.HasSuffix(v, "Z") {
		return layout + "Z"
	}
	return layout + "-07:00"
}

// patientVariant is what one generated patient changes.
type patientVariant struct {
	seed     uint64
	days     int      // the patient's date offset
	literals []string // filled per template
}

func newPatientVariant(seed, patient uint64) *patientVariant {
	s := mix(seed ^ mix(patient+1))
	return &patientVariant{seed: s, days: int(s%7300) - 3650}
}

// mix is splitmix64's finalizer: a cheap, well-spread hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var cities = []string{"Springfield", "Worcester", "Lowell", "Cambridge", "New Bedford", "Brockton", "Quincy", "Lynn", "Fall River", "Newton",
	"Lawrence", "Somerville", "Framingham", "Haverhill", "Waltham", "Malden", "Medford", "Taunton", "Chicopee", "Weymouth"}

// literal returns the patient's value of the template's i-th literal.
func (v *patientVariant) literal(t *bundleTemplate, i int) string {
	if v.literals == nil {
		v.literals = make([]string, len(t.literals))
		for j, l := range t.literals {
			h := mix(v.seed ^ uint64(j+1)*0x632be59bd9b4e019)
			switch t.literalKinds[j] {
			case litGiven:
				v.literals[j] = firstNames[h%uint64(len(firstNames))] + strconv.Itoa(int(h>>32)%1000)
			case litFamily:
				v.literals[j] = lastNames[h%uint64(len(lastNames))] + strconv.Itoa(int(h>>32)%1000)
			case litCity:
				v.literals[j] = cities[h%uint64(len(cities))]
			default:
				b := []byte(l)
				for k := range b {
					if b[k] >= '0' && b[k] <= '9' {
						h = mix(h)
						b[k] = '0' + byte(h%10)
					}
				}
				v.literals[j] = string(b)
			}
		}
	}
	return v.literals[i]
}

// render appends the Bundle of one patient: the Patient entry and copies
// of the clinical history.
func (t *bundleTemplate) render(buf []byte, v *patientVariant, copies int) []byte {
	buf = append(buf, `{"resourceType":"Bundle","type":"transaction","entry":[`...)
	buf = t.renderSegments(buf, t.patient, v, 0)
	for c := range copies {
		buf = append(buf, ",\n"...)
		buf = t.renderSegments(buf, t.rest, v, c)
	}
	return append(buf, "]}\n"...)
}

// renderSegments appends s for patient v's copy c of the history: copy c
// happened c*400 days earlier than copy 0, with ids of its own.
func (t *bundleTemplate) renderSegments(buf []byte, s *segments, v *patientVariant, c int) []byte {
	for i, h := range s.holes {
		buf = append(buf, s.lit[i]...)
		switch h.kind {
		case holeUUID:
			copyKey := uint64(c + 1)
			if h.index == t.patientID {
				copyKey = 0
			}
			buf = appendUUID(buf, mix(v.seed^uint64(h.index+1)*0xd6e8feb86659fd93^copyKey*0xa0761d6478bd642f))
		case holeDate:
			buf = h.date.AddDate(0, 0, v.days-400*c).AppendFormat(buf, h.layout)
		case holeNumber:
			j := 1 + (float64(mix(v.seed^uint64(i)*0x9e3779b97f4a7c15^uint64(c))%2001)-1000)/10000 // ±10 %
			x := h.number * j
			if h.decimal == 0 {
				buf = strconv.AppendInt(buf, int64(math.Round(x)), 10)
			} else {
				buf = strconv.AppendFloat(buf, x, 'f', max(h.decimal, 1), 64)
			}
		case holeNote:
			text := t.renderSegments(nil, h.note, v, c)
			n := len(buf)
			buf = append(buf, make([]byte, base64.StdEncoding.EncodedLen(len(text)))...)
			base64.StdEncoding.Encode(buf[n:], text)
		case holeLiteral:
			buf = append(buf, v.literal(t, h.index)...)
		}
	}
	return append(buf, s.lit[len(s.lit)-1]...)
}

func appendUUID(buf []byte, x uint64) []byte {
	y := mix(x)
	var b [16]byte
	for i := range 8 {
		b[i], b[8+i] = byte(x>>(8*i)), byte(y>>(8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf = append(buf, '-')
		}
		buf = append(buf, hexd[c>>4], hexd[c&15])
	}
	return buf
}
