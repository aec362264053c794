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

var csvConfigKeys = map[string]bool{"data": true, "default_type": true, "default_meaning": true, "delimiter": true}

// Parse implements Recorder.
func (CSVRecorder) Parse(ctx context.Context, r io.Reader, cfg RecorderConfig) ([]StepInput, error) {
	for k := range cfg {
		known := csvConfigKeys[k]
		for _, ro := range csvRoles {
			known = known || ro.role == k
		}
		if !known {
			return nil, marketplace.Errorf(marketplace.EINVALID, "CSV mapping: unknown key %q.", k)
		}
	}
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
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, marketplace.Errorf(marketplace.EINVALID, "CSV: the file is empty; it needs a header row.")
	}
	if err != nil {
		return nil, csvError(err)
	}
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
	roles := map[string]int{} // role -> column index
	used := map[int]bool{}
	for _, ro := range csvRoles {
		if name, ok := cfg[ro.role]; ok {
			i, found := col[strings.ToLower(strings.TrimSpace(name))]
			if !found {
				return nil, marketplace.Errorf(marketplace.EINVALID, "CSV mapping: %s column %q is not in the header (%s).", ro.role, name, strings.Join(header, ", "))
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
	if _, ok := roles["type"]; !ok && cfg["default_type"] == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "CSV: no step type column (type, step, step_type or event) and no default_type in the mapping.")
	}
	var dataCols []int
	if d, ok := cfg["data"]; ok {
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
	} else {
		for i := range header {
			if !used[i] {
				dataCols = append(dataCols, i)
			}
		}
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
		if len(rec) != len(header) {
			errs = append(errs, InputError{fmt.Sprintf("row %d", rowNo), fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		blank := true
		for _, f := range rec {
			blank = blank && strings.TrimSpace(f) == ""
		}
		if blank {
			continue
		}
		ref := fmt.Sprintf("row %d", rowNo)
		get := func(role string) string {
			if i, ok := roles[role]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		bad := func(role, format string, args ...any) {
			errs = append(errs, InputError{fmt.Sprintf("%s, column %q", ref, header[roles[role]]), fmt.Sprintf(format, args...)})
		}
		in := StepInput{Ref: ref, Type: get("type"), Subject: get("subject"), Protocol: get("protocol"),
			Meaning: get("meaning"), Reason: get("reason"),
			Source: marketplace.StepSource{Recorder: "csv", Ref: ref, Actor: get("actor"), Key: get("key")}}
		if in.Type == "" {
			in.Type = cfg["default_type"]
		}
		if in.Meaning == "" {
			in.Meaning = cfg["default_meaning"]
		}
		if _, err := marketplace.ParseStepType(in.Type); err != nil {
			if _, ok := roles["type"]; ok {
				bad("type", "%s", marketplace.ErrorMessage(err))
			} else {
				errs = append(errs, InputError{ref, marketplace.ErrorMessage(err)})
			}
		}
		if in.Meaning != "" {
			if _, err := marketplace.ParseSignatureMeaning(in.Meaning); err != nil {
				if _, ok := roles["meaning"]; ok {
					bad("meaning", "%s", marketplace.ErrorMessage(err))
				} else {
					errs = append(errs, InputError{ref, marketplace.ErrorMessage(err)})
				}
			}
		}
		if c := get("corrects"); c != "" {
			n, err := strconv.ParseUint(c, 10, 64)
			if err != nil {
				bad("corrects", "%q is not an entry index", c)
			} else {
				in.Corrects = &n
			}
		}
		if a := get("at"); a != "" {
			t, err := parseSourceTime(a)
			if err != nil {
				bad("at", "%q is not a date or time (ISO 8601)", a)
			} else {
				in.Source.At = &t
			}
		}
		data := map[string]string{}
		for _, i := range dataCols {
			if v := strings.TrimSpace(rec[i]); v != "" {
				data[header[i]] = v
			}
		}
		if len(data) > 0 {
			b, err := json.Marshal(data)
			if err != nil {
				return nil, fmt.Errorf("encode row %d: %w", rowNo, err)
			}
			in.Data = b
		}
		out = append(out, in)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, marketplace.Errorf(marketplace.EINVALID, "CSV: no rows below the header.")
	}
	return out, nil
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
