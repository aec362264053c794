package app

import (
	"maps"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

func TestParseRecorderConfig(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       RecorderConfig
		wantErr    string // in the message; "" for none
	}{
		{"empty", "", RecorderConfig{}, ""},
		{"JSON", ` {"type": "visit", "subject": "patient"} `, RecorderConfig{"type": "visit", "subject": "patient"}, ""},
		{"lines", "# the mapping\ntype = visit\n\n subject=patient \n", RecorderConfig{"type": "visit", "subject": "patient"}, ""},
		{"value with =", "data=a=b", RecorderConfig{"data": "a=b"}, ""},
		{"bad JSON", `{"type": 3}`, nil, "Mapping: not a JSON object of strings"},
		{"no =", "type=visit\nsubject", nil, "Mapping line 2: want key=value."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRecorderConfig(tc.text, "Mapping")
			if tc.wantErr != "" {
				if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), tc.wantErr) {
					t.Fatalf("error %v, want EINVALID with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !maps.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
