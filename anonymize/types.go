package anonymize

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Type is the kind of value a column holds. Values are always stored as
// strings; the type says how transforms and metrics read them (a date can be
// shifted, an integer can be put into intervals).
type Type uint8

const (
	TypeString   Type = iota // free text or a code
	TypeInteger              // whole numbers, such as an age
	TypeDecimal              // numbers with a fraction, such as a cost or a latitude
	TypeDate                 // a calendar date, YYYY-MM-DD
	TypeDateTime             // an instant, RFC 3339
	TypeBoolean              // true or false
)

var typeNames = [...]string{"string", "integer", "decimal", "date", "datetime", "boolean"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// MarshalText writes the type's name, so configs and reports read "date".
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a type name.
func (t *Type) UnmarshalText(b []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	for i, n := range typeNames {
		if s == n {
			*t = Type(i)
			return nil
		}
	}
	switch s {
	case "int", "number":
		*t = TypeInteger
	case "float", "double", "numeric":
		*t = TypeDecimal
	case "timestamp", "date-time":
		*t = TypeDateTime
	case "bool":
		*t = TypeBoolean
	case "", "text", "str":
		*t = TypeString
	default:
		return invalidf("unknown column type %q (want one of %s)", s, strings.Join(typeNames[:], ", "))
	}
	return nil
}

// Numeric reports whether values of the type are numbers.
func (t Type) Numeric() bool { return t == TypeInteger || t == TypeDecimal }

// InferType returns the narrowest type that every non-empty value fits:
// integer, decimal, date, datetime, boolean, else string. Numbers with a
// leading zero (ZIP codes, record numbers) stay strings, since they are
// codes, not quantities.
func InferType(values []string) Type {
	var kinds [6]int
	n := 0
	for _, v := range values {
		if v == "" {
			continue
		}
		n++
		k := valueKind(v)
		if k == TypeString {
			return TypeString
		}
		kinds[k]++
	}
	switch {
	case n == 0:
		return TypeString
	case kinds[TypeInteger] == n:
		return TypeInteger
	case kinds[TypeInteger]+kinds[TypeDecimal] == n:
		return TypeDecimal
	case kinds[TypeDate] == n:
		return TypeDate
	case kinds[TypeDate]+kinds[TypeDateTime] == n:
		return TypeDateTime
	case kinds[TypeBoolean] == n:
		return TypeBoolean
	}
	return TypeString
}

// valueKind classifies one value.
func valueKind(v string) Type {
	if v == "" {
		return TypeString
	}
	if isInteger(v) {
		return TypeInteger
	}
	if isDecimal(v) {
		return TypeDecimal
	}
	if _, ok := parseDate(v); ok {
		if len(v) == 10 {
			return TypeDate
		}
		return TypeDateTime
	}
	switch strings.ToLower(v) {
	case "true", "false":
		return TypeBoolean
	}
	return TypeString
}

func isInteger(v string) bool {
	s := strings.TrimPrefix(v, "-")
	if s == "" || len(s) > 15 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isDecimal(v string) bool {
	s := strings.TrimPrefix(v, "-")
	dot := strings.IndexByte(s, '.')
	if dot <= 0 || dot == len(s)-1 || (dot > 1 && s[0] == '0') {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case i == dot:
		case c == 'e' || c == 'E' || c == '+' || c == '-':
			if i <= dot {
				return false
			}
		default:
			return false
		}
	}
	_, err := strconv.ParseFloat(v, 64)
	return digits > 0 && err == nil
}

// dateLayouts are the date and time formats the engine reads, most common first.
var dateLayouts = []string{
	"2006-01-02",
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05.000-07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"01/02/2006",
	"2006/01/02",
}

// parseDate reads a date or timestamp; the layout index lets formatting keep
// the input's shape.
func parseDate(v string) (time.Time, bool) {
	t, _, ok := parseDateLayout(v)
	return t, ok
}

func parseDateLayout(v string) (time.Time, string, bool) {
	if len(v) < 8 || len(v) > 40 {
		return time.Time{}, "", false
	}
	c := v[0]
	if c < '0' || c > '9' {
		return time.Time{}, "", false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, l, true
		}
	}
	return time.Time{}, "", false
}

// parseNumber reads an integer or decimal value.
func parseNumber(v string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}
