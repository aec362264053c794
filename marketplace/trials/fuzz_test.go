package trials

import (
	"context"
	"strings"
	"testing"
)

// The recorders read files from outside: whatever the bytes, they return
// inputs or an error, never panic.

func FuzzODM(f *testing.F) {
	f.Add(studyODM)
	f.Add(`<ODM ODMVersion="1.3.2"><ClinicalData StudyOID="S"><SubjectData SubjectKey="1"><StudyEventData StudyEventOID="E"><FormData FormOID="F"/></StudyEventData></SubjectData></ClinicalData></ODM>`)
	f.Add(`<ODM><ClinicalData/></ODM>`)
	f.Add(`<?xml version="1.0"?><ODM`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, src string) {
		ins, err := ODMRecorder{}.Parse(context.Background(), strings.NewReader(src), RecorderConfig{"type.F": "ae"})
		if err == nil {
			for _, in := range ins {
				if in.Ref == "" || !strings.HasPrefix(in.Ref, "ODM/") {
					t.Fatalf("input without a path: %+v", in)
				}
			}
		}
	})
}

func FuzzCSVRecorder(f *testing.F) {
	f.Add("type,subject,data\nenrolment,S-001,x\n", "")
	f.Add("event,participant,corrects,at\nvisit,S-1,2,2026-01-01\n", "event")
	f.Add("type\n\"unterminated\n", "")
	f.Add("a;b\n1;2\n", "a")
	f.Fuzz(func(t *testing.T, src, typeCol string) {
		cfg := RecorderConfig{}
		if typeCol != "" {
			cfg["type"] = typeCol
		}
		ins, err := CSVRecorder{}.Parse(context.Background(), strings.NewReader(src), cfg)
		if err == nil && len(ins) == 0 {
			t.Fatal("no error and no rows")
		}
	})
}
