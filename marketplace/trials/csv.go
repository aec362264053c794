package trials

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// CSVRecorder reads one step per row of a CSV file with a header row.
//
// The config maps roles to column names; a role left out is found by its
// usual names (in brackets), and every column without a role goes into the
// step's data, keyed by its header (empty cells left out):
//
//	type      step type           [type, step, step_type, event]
//	subject   subject id          [subject, subject_id, participant, participant_id]
//	meaning   signature meaning   [meaning, signature_meaning]
//	protocol  protocol version    [protocol, protocol_version]
//	corrects  corrected entry     [corrects]
//	reason    reason for change   [reason, reason_for_change]
//	actor     who did it at site  [actor, user, user_id]
//	at        when it happened    [at, occurred_at, datetime, date_time]
//	key       record key          [key, record_key]
//	data      data columns, comma-separated (default: all the others)
//
// and default_type / default_meaning give values for rows without one.
// form (and event) name a form of the trial's study design: the data
// columns are then its items by OID, typed and checked (ApplyDesign).
// Errors name the row (the header is row 1) and the column.
type CSVRecorder struct{}

// Name implements Recorder.
func (CSVRecorder) Name() string { return "csv" }

var csvRoles = []struct {
	role  string
	names []string
}{
	{"type", []string{"type", "step", "step_type", "event"}},
	{"subject", []string{"subject", "subject_id", "participant", "participant_id"}},
	{"meaning", []string{"meaning", "signature_meaning"}},
	{"protocol", []string{"protocol", "protocol_version"}},
	{"corrects", []string{"corrects"}},
	{"reason", []string{"reason", "reason_for_change"}},
	{"actor", []string{"actor", "user", "user_id"}},
	{"at", []string{"at", "occurred_at", "datetime", "date_time"}},
	{"key", []string{"key", "record_key"}},
}

var csvConfigKeys = map[string]bool{"data": true, "default_type": true, "default_meaning": true, "delimiter": true,
	"form": true, "event": true}

// Parse implements Recorder.
func (CSVRecorder) Parse(ctx context.Context, r io.Reader, cfg RecorderConfig) ([]StepInput, error) {
	if err := checkCSVConfig(cfg); err != nil {
		return nil, err
	}
	cr, err := newCSVReader(r, cfg)
	if err != nil {
		return nil, err
	}
	l, err := readCSVLayout(cr, cfg)
	if err != nil {
		return nil, err
	}
	var out []StepInput
	var errs InputErrors
	for rowNo := 2; ; rowNo++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		in, ok, err := l.row(rowNo, rec, &errs)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, in)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, marketplace.Errorf(marketplace.EINVALID, "CSV: no rows below the header.")
	}
	return out, nil
}

// checkCSVConfig refuses mapping keys that are neither a role nor one of
// csvConfigKeys, so that a typo is not silently ignored.
func checkCSVConfig(cfg RecorderConfig) error {
	for k := range cfg {
		known := csvConfigKeys[k]
		for _, ro := range csvRoles {
			known = known || ro.role == k
		}
		if !known {
			return marketplace.Errorf(marketplace.EINVALID, "CSV mapping: unknown key %q.", k)
		}
	}
	return nil
}

// newCSVReader reads at most MaxImportSize of r, with the mapping's
// delimiter (`\t` or "tab" for a tab).
func newCSVReader(r io.Reader, cfg RecorderConfig) (*csv.Reader, error) {
	cr := csv.NewReader(io.LimitReader(r, MaxImportSize))
	cr.FieldsPerRecord = -1 // checked per row, to name the row
	cr.ReuseRecord = false
	if d := cfg["delimiter"]; d != "" {
		if d == `\t` || d == "tab" {
			d = "\t"
		}
		if len([]rune(d)) != 1 {
			return nil, marketplace.Errorf(marketplace.EINVALID, "CSV mapping: delimiter %q must be one character.", d)
		}
		cr.Comma = []rune(d)[0]
	}
	return cr, nil
}

// csvLayout is where a CSV file keeps each role and the step's data, read
// from its header and the mapping.
type csvLayout struct {
	header   []string
	roles    map[string]int // role -> column index
	dataCols []int
	cfg      RecorderConfig
}

// readCSVLayout reads the header row and maps the roles and data columns.
func readCSVLayout(cr *csv.Reader, cfg RecorderConfig) (*csvLayout, error) {
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, marketplace.Errorf(marketplace.EINVALID, "CSV: the file is empty; it needs a header row.")
	}
	if err != nil {
		return nil, csvError(err)
	}
	col, err := csvColumns(header)
	if err != nil {
		return nil, err
	}
	roles, used, err := csvRoleColumns(cfg, header, col)
	if err != nil {
		return nil, err
	}
	if _, ok := roles["type"]; !ok && cfg["default_type"] == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "CSV: no step type column (type, step, step_type or event) and no default_type in the mapping.")
	}
	dataCols, err := csvDataColumns(cfg, header, col, used)
	if err != nil {
		return nil, err
	}
	return &csvLayout{header: header, roles: roles, dataCols: dataCols, cfg: cfg}, nil
}

// csvColumns trims the header's names (and a byte order mark) in place and
// indexes them by lower-cased name; empty and repeated names are errors.
func csvColumns(header []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[i] = h
		if h == "" {
			return nil, marketplace.Errorf(marketplace.EINVALID, "CSV row 1, column %d: empty header.", i+1)
		}
		if _, dup := col[strings.ToLower(h)]; dup {
			return nil, marketplace.Errorf(marketplace.EINVALID, "CSV row 1, column %d: header %q appears twice.", i+1, h)
		}
		col[strings.ToLower(h)] = i
	}
	return col, nil
}

// csvRoleColumns finds each role's column: the one the mapping names, or
// else the first of its usual names not taken by an earlier role.
func csvRoleColumns(cfg RecorderConfig, header []string, col map[string]int) (roles map[string]int, used map[int]bool, err error) {
	roles, used = map[string]int{}, map[int]bool{}
	for _, ro := range csvRoles {
		if name, ok := cfg[ro.role]; ok {
			i, found := col[strings.ToLower(strings.TrimSpace(name))]
			if !found {
				return nil, nil, marketplace.Errorf(marketplace.EINVALID, "CSV mapping: %s column %q is not in the header (%s).", ro.role, name, strings.Join(header, ", "))
			}
			roles[ro.role], used[i] = i, true
			continue
		}
		for _, n := range ro.names {
			if i, found := col[n]; found && !used[i] {
				roles[ro.role], used[i] = i, true
				break
			}
		}
	}
	return roles, used, nil
}

// csvDataColumns returns the columns the mapping's data key names, or else
// every column without a role.
func csvDataColumns(cfg RecorderConfig, header []string, col map[string]int, used map[int]bool) ([]int, error) {
	var dataCols []int
	d, ok := cfg["data"]
	if !ok {
		for i := range header {
			if !used[i] {
				dataCols = append(dataCols, i)
			}
		}
		return dataCols, nil
	}
	for _, name := range strings.Split(d, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		i, found := col[strings.ToLower(name)]
		if !found {
			return nil, marketplace.Errorf(marketplace.EINVALID, "CSV mapping: data column %q is not in the header (%s).", name, strings.Join(header, ", "))
		}
		dataCols = append(dataCols, i)
	}
	return dataCols, nil
}

// row turns record rec (row rowNo) into a step input. Problems of the row go
// to errs, naming its row and column; a blank row or one with the wrong
// number of fields gives no input (ok false).
func (l *csvLayout) row(rowNo int, rec []string, errs *InputErrors) (in StepInput, ok bool, err error) {
	ref := fmt.Sprintf("row %d", rowNo)
	if len(rec) != len(l.header) {
		*errs = append(*errs, InputError{ref, fmt.Sprintf("%d fields, the header has %d", len(rec), len(l.header))})
		return StepInput{}, false, nil
	}
	if blankRecord(rec) {
		return StepInput{}, false, nil
	}
	r := csvRow{l: l, rec: rec, ref: ref, errs: errs}
	in = StepInput{Ref: ref, Type: r.get("type"), Subject: r.get("subject"), Protocol: r.get("protocol"),
		Meaning: r.get("meaning"), Reason: r.get("reason"),
		Source: marketplace.StepSource{Recorder: "csv", Ref: ref, Actor: r.get("actor"), Key: r.get("key")}}
	if in.Type == "" {
		in.Type = l.cfg["default_type"]
	}
	if in.Meaning == "" {
		in.Meaning = l.cfg["default_meaning"]
	}
	r.checkTypeAndMeaning(in.Type, in.Meaning)
	in.Corrects = r.corrects()
	in.Source.At = r.at()
	if in.Data, err = l.data(rec); err != nil {
		return StepInput{}, false, fmt.Errorf("encode row %d: %w", rowNo, err)
	}
	return in, true, nil
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// data encodes the row's non-empty data cells as a JSON object keyed by
// header; nil when there are none.
func (l *csvLayout) data(rec []string) (json.RawMessage, error) {
	data := map[string]string{}
	for _, i := range l.dataCols {
		if v := strings.TrimSpace(rec[i]); v != "" {
			data[l.header[i]] = v
		}
	}
	if len(data) == 0 {
		return nil, nil
	}
	return json.Marshal(data)
}

// csvRow reads the role cells of one record and collects their problems.
type csvRow struct {
	l    *csvLayout
	rec  []string
	ref  string
	errs *InputErrors
}

func (r csvRow) get(role string) string {
	if i, ok := r.l.roles[role]; ok {
		return strings.TrimSpace(r.rec[i])
	}
	return ""
}

// bad records a problem in role's column.
func (r csvRow) bad(role, format string, args ...any) {
	*r.errs = append(*r.errs, InputError{fmt.Sprintf("%s, column %q", r.ref, r.l.header[r.l.roles[role]]), fmt.Sprintf(format, args...)})
}

// badValue records err against role's column, or against the row when the
// value came from the mapping's default.
func (r csvRow) badValue(role string, err error) {
	if _, ok := r.l.roles[role]; ok {
		r.bad(role, "%s", marketplace.ErrorMessage(err))
		return
	}
	*r.errs = append(*r.errs, InputError{r.ref, marketplace.ErrorMessage(err)})
}

func (r csvRow) checkTypeAndMeaning(typ, meaning string) {
	if _, err := marketplace.ParseStepType(typ); err != nil {
		r.badValue("type", err)
	}
	if meaning == "" {
		return
	}
	if _, err := marketplace.ParseSignatureMeaning(meaning); err != nil {
		r.badValue("meaning", err)
	}
}

func (r csvRow) corrects() *uint64 {
	c := r.get("corrects")
	if c == "" {
		return nil
	}
	n, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		r.bad("corrects", "%q is not an entry index", c)
		return nil
	}
	return &n
}

func (r csvRow) at() *time.Time {
	a := r.get("at")
	if a == "" {
		return nil
	}
	t, err := parseSourceTime(a)
	if err != nil {
		r.bad("at", "%q is not a date or time (ISO 8601)", a)
		return nil
	}
	return &t
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return marketplace.Errorf(marketplace.EINVALID, "CSV row %d, column %d: %v", pe.StartLine, pe.Column, pe.Err)
	}
	return marketplace.Wrap(marketplace.EINVALID, err, "CSV cannot be read")
}

// parseSourceTime reads an ISO 8601 date or date-time as source systems
// write it; without a zone it is taken as UTC.
func parseSourceTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not ISO 8601: %q", s)
}
