package trials

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

func studyDesign(t *testing.T) marketplace.StudyDesign {
	t.Helper()
	d, err := ParseODMDesign(strings.NewReader(readStudyODM(t)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The ClinicalData of the hand-written study land in the design's
// FormData shape: typed values, IsNull left unanswered, the correction an
// Update of the same record, the ODM context kept beside.
func TestApplyDesign_odmFormsBecomeTypedFormData(t *testing.T) {
	src := readStudyODM(t)
	ins, err := ODMRecorder{}.Parse(ctx, strings.NewReader(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyDesign("odm", nil, ins, studyDesign(t), 3); err != nil {
		t.Fatal(err)
	}
	if len(ins) != 8 {
		t.Fatalf("%d inputs, want 8", len(ins))
	}
	want := []struct{ typ, data string }{
		{"screening", `{"design":3,"event":"SE.SCREENING","form":"F.DM","items":{"DM.AGE":61,"DM.SEX":"F"}}`},
		{"screening", `{"design":3,"event":"SE.SCREENING","form":"F.VS","items":{"VS.DIABP":92,"VS.SYSBP":148,"VS.TEMP":36.7}}`},
		{"visit", `{"design":3,"event":"SE.BASELINE","form":"F.VS","items":{"VS.COMMENT":"Second reading, seated","VS.DIABP":88,"VS.SYSBP":184}}`},
		{"visit", `{"design":3,"event":"SE.BASELINE","form":"F.VS","items":{"VS.DIABP":88,"VS.SYSBP":148}}`},
		{"screening", `{"design":3,"event":"SE.SCREENING","form":"F.DM","items":{"DM.AGE":47,"DM.SEX":"M"}}`},
		{"screening", `{"design":3,"event":"SE.SCREENING","form":"F.VS","items":{"VS.DIABP":95,"VS.SYSBP":152}}`},
		{"visit", `{"design":3,"event":"SE.WEEK4","form":"F.VS","items":{"VS.DIABP":86,"VS.SYSBP":138,"VS.TEMP":37.9}}`},
	}
	for i, in := range ins {
		var fd marketplace.FormData
		if err := json.Unmarshal(in.Data, &fd); err != nil {
			t.Fatalf("%s: %v", in.Ref, err)
		}
		items, _ := json.Marshal(fd.Items)
		got := `{"design":` + itoa(fd.Design) + `,"event":"` + fd.Event + `","form":"` + fd.Form + `","items":` + string(items) + `}`
		if i < len(want) && (got != want[i].data || in.Type != want[i].typ) {
			t.Errorf("%s: %s %s, want %s %s", in.Ref, in.Type, got, want[i].typ, want[i].data)
		}
	}
	// The AE form: its own step type, boolean and choice typed.
	ae := ins[len(ins)-1]
	var rest map[string]any
	if err := json.Unmarshal(ae.Data, &rest); err != nil {
		t.Fatal(err)
	}
	items, _ := json.Marshal(rest["items"])
	if ae.Type != "adverse_event" || string(items) != `{"AE.ACN":"NONE","AE.SER":false,"AE.SEV":"1","AE.STDAT":"2026-02-27","AE.TERM":"Epistaxis"}` ||
		rest["form_repeat"] != "1" || rest["site"] != "LOC.SITE01" || rest["study"] != "ST.HTN-ASA" || rest["study_event"] != nil {
		t.Errorf("AE: %s %s", ae.Type, ae.Data)
	}
	// The correction keeps what makes it one.
	if corr := ins[3]; corr.UpdateOf != ins[2].Source.Key || !strings.Contains(corr.Reason, "digits swapped") || !strings.Contains(string(corr.Data), `"transaction":"Update"`) {
		t.Errorf("correction: %+v", corr)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// A value out of range, of the wrong type, an item or form the design
// does not have, a missing required item: each named by its element path
// and item, and nothing changed.
func TestApplyDesign_odmRefusesValuesTheDesignDoesNotAllow(t *testing.T) {
	src := readStudyODM(t)
	for _, tt := range []struct{ name, from, to, want string }{
		{"above max", `<ItemData ItemOID="VS.SYSBP" Value="148"/>
            <ItemData ItemOID="VS.DIABP" Value="92"/>`, `<ItemData ItemOID="VS.SYSBP" Value="400"/>
            <ItemData ItemOID="VS.DIABP" Value="92"/>`,
			"ODM/ClinicalData[1]/SubjectData[1]/StudyEventData[1]/FormData[2]/ItemGroupData[@ItemGroupOID=IG.VS]/ItemData[@ItemOID=VS.SYSBP]: Systolic blood pressure: 400 mmHg is above the maximum 250 mmHg"},
		{"not a number", `Value="36.7"`, `Value="36,7x"`, `ItemData[@ItemOID=VS.TEMP]: Body temperature: "36,7x" is not a number`},
		{"not a code", `<ItemData ItemOID="DM.SEX" Value="F"/>`, `<ItemData ItemOID="DM.SEX" Value="W"/>`, `"W" is not one of the codes F, M`},
		{"unknown item", `<ItemData ItemOID="DM.AGE" Value="61"/>`, `<ItemData ItemOID="DM.AGE" Value="61"/><ItemData ItemOID="DM.RACE" Value="X"/>`,
			"ItemData[@ItemOID=DM.RACE]: form F.DM (Demographics) has no item DM.RACE"},
		{"unknown form", `<FormData FormOID="F.DM">
          <AuditRecord>
            <UserRef UserOID="USR.CRC01"/>
            <LocationRef LocationOID="LOC.SITE01"/>
            <DateTimeStamp>2026-02-03`, `<FormData FormOID="F.LAB">
          <AuditRecord>
            <UserRef UserOID="USR.CRC01"/>
            <LocationRef LocationOID="LOC.SITE01"/>
            <DateTimeStamp>2026-02-03`, "SubjectData[2]/StudyEventData[1]/FormData[1]: form F.LAB is not in study design version 2 (forms: F.DM, F.VS, F.AE)"},
		{"form not at event", `<StudyEventData StudyEventOID="SE.BASELINE">`, `<StudyEventData StudyEventOID="SE.BASELINE"><FormData FormOID="F.DM"><ItemGroupData ItemGroupOID="IG.DM"><ItemData ItemOID="DM.AGE" Value="50"/><ItemData ItemOID="DM.SEX" Value="M"/></ItemGroupData></FormData>`,
			"form F.DM is not collected at study event SE.BASELINE (Baseline)"},
		{"required", `<ItemData ItemOID="VS.DIABP" Value="95"/>`, ``, "SubjectData[2]/StudyEventData[1]/FormData[2]: Diastolic blood pressure (VS.DIABP) is required by form F.VS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := strings.Replace(src, tt.from, tt.to, 1)
			if s == src {
				t.Fatalf("%q not in the file", tt.from)
			}
			ins, err := ODMRecorder{}.Parse(ctx, strings.NewReader(s), nil)
			if err != nil {
				t.Fatal(err)
			}
			before, _ := json.Marshal(ins)
			err = ApplyDesign("odm", nil, ins, studyDesign(t), 2)
			var ie InputErrors
			if !errors.As(err, &ie) || marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if after, _ := json.Marshal(ins); string(after) != string(before) {
				t.Error("refused inputs were changed")
			}
		})
	}
}

// Without a design the odm recorder's data stay as they are.
func TestApplyDesign_noDesignLeavesODMAsRead(t *testing.T) {
	ins, err := ODMRecorder{}.Parse(ctx, strings.NewReader(readStudyODM(t)), nil)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(ins)
	if err := ApplyDesign("odm", nil, ins, marketplace.StudyDesign{}, 0); err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(ins); string(after) != string(before) {
		t.Error("inputs changed without a design")
	}
}

// A CSV mapped to a form: columns named by item OIDs become typed items;
// a bad cell names its row, column and item.
func TestApplyDesign_csvColumnsAreTheFormsItems(t *testing.T) {
	cfg := RecorderConfig{"form": "F.VS", "event": "SE.WEEK4", "default_type": "visit"}
	csv := "subject,vs.sysbp,VS.DIABP,VS.TEMP\nHA-0101,128,80,36.9\nHA-0102,131,79,\n"
	ins, err := CSVRecorder{}.Parse(ctx, strings.NewReader(csv), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyDesign("csv", cfg, ins, studyDesign(t), 1); err != nil {
		t.Fatal(err)
	}
	if string(ins[0].Data) != `{"design":1,"event":"SE.WEEK4","form":"F.VS","items":{"VS.DIABP":80,"VS.SYSBP":128,"VS.TEMP":36.9}}` ||
		string(ins[1].Data) != `{"design":1,"event":"SE.WEEK4","form":"F.VS","items":{"VS.DIABP":79,"VS.SYSBP":131}}` {
		t.Errorf("data: %s / %s", ins[0].Data, ins[1].Data)
	}

	for _, tt := range []struct {
		name, csv string
		cfg       RecorderConfig
		n         int
		want      string
	}{
		{"range", "subject,VS.SYSBP,VS.DIABP\nA,400,80\n", cfg, 1, `row 2, column "VS.SYSBP": Systolic blood pressure: 400 mmHg is above the maximum 250 mmHg`},
		{"required", "subject,VS.SYSBP,VS.DIABP\nA,120,\n", cfg, 1, `row 2: Diastolic blood pressure (VS.DIABP) is required by form F.VS`},
		{"unknown column", "subject,VS.SYSBP,VS.DIABP,site\nA,120,80,01\n", cfg, 1, `row 2, column "site": form F.VS has no item site`},
		{"unknown form", "subject,X\nA,1\n", RecorderConfig{"form": "F.LAB", "default_type": "visit"}, 1, "CSV mapping: form F.LAB is not in study design version 1"},
		{"form not at event", "subject,X\nA,1\n", RecorderConfig{"form": "F.DM", "event": "SE.WEEK4", "default_type": "visit"}, 1, "form F.DM is not collected at study event SE.WEEK4"},
		{"no design", "subject,X\nA,1\n", cfg, 0, "the trial has no study design yet"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ins, err := CSVRecorder{}.Parse(ctx, strings.NewReader(tt.csv), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			d := studyDesign(t)
			if tt.n == 0 {
				d = marketplace.StudyDesign{}
			}
			err = ApplyDesign("csv", tt.cfg, ins, d, tt.n)
			if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	if err := ApplyDesign("odm", RecorderConfig{"form": "F.VS"}, nil, studyDesign(t), 1); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("form mapping for odm: %v", err)
	}
}
