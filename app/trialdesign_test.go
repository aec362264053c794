package app

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
)

const studyODMFile = "../marketplace/trials/testdata/cdisc_odm132_study.xml"

// A sponsor imports the study design from ODM metadata, reads it back as
// the version in force, and then imports the study's ClinicalData and a
// CSV onto its items: typed FormData, all or nothing.
func TestTrialDesign_importThenRecordOntoItsItems(t *testing.T) {
	ctx := t.Context()
	a, c := sponsorApp(t, t.TempDir())
	defer closeApp(t, a)
	if _, err := a.RegisterTrial(ctx, c, "HTN-ASA", "NCT05550001", "protocol.pdf", strings.NewReader("%PDF protocol")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.TrialDesign(ctx, "NCT05550001"); marketplace.ErrorCode(err) != marketplace.ENOTFOUND || !strings.Contains(err.Error(), "no study design yet") {
		t.Errorf("before any design: %v", err)
	}
	src, err := os.ReadFile(studyODMFile)
	if err != nil {
		t.Fatal(err)
	}
	d, n, err := a.ImportTrialDesign(ctx, c, "NCT05550001", strings.NewReader(string(src)))
	if err != nil || n != 1 || len(d.Forms) != 3 || d.OID != "MDV.HTN-ASA.2" {
		t.Fatalf("import design: %d %+v, %v", n, d, err)
	}
	got, n, err := a.TrialDesign(ctx, "NCT05550001")
	if err != nil || n != 1 {
		t.Fatalf("design: %d, %v", n, err)
	}
	if a, b := mustJSON(t, got), mustJSON(t, d); a != b {
		t.Errorf("design read back:\n%s\nwant\n%s", a, b)
	}

	// ClinicalData onto the design: typed items, design version 1.
	es, err := a.ImportTrialSteps(ctx, c, "NCT05550001", "odm", strings.NewReader(string(src)), nil)
	if err != nil || len(es) != 8 {
		t.Fatalf("import data: %d entries, %v", len(es), err)
	}
	var fd marketplace.FormData
	if err := json.Unmarshal(es[1].Step.Data, &fd); err != nil || fd.Design != 1 || fd.Form != "F.VS" || fd.Event != "SE.SCREENING" ||
		string(fd.Items["VS.SYSBP"]) != "148" || string(fd.Items["VS.TEMP"]) != "36.7" {
		t.Errorf("entry %d data: %s, %v", es[1].Index, es[1].Step.Data, err)
	}
	if es[3].Step.Corrects == nil || *es[3].Step.Corrects != es[2].Index {
		t.Errorf("the Update does not correct the baseline vital signs: %+v", es[3].Step)
	}

	importOntoDesignRefusesBadValues(t, a, c, string(src))
}

// importOntoDesignRefusesBadValues: a value out of range refuses the whole
// ODM file, naming path and item; a CSV maps onto the vital signs form.
func importOntoDesignRefusesBadValues(t *testing.T, a *App, c Actor, src string) {
	t.Helper()
	ctx := t.Context()
	bad := strings.Replace(src, `<ItemData ItemOID="VS.SYSBP" Value="138"/>`, `<ItemData ItemOID="VS.SYSBP" Value="400"/>`, 1)
	before, _ := a.Trial(ctx, "NCT05550001")
	_, err := a.ImportTrialSteps(ctx, c, "NCT05550001", "odm", strings.NewReader(bad), nil)
	var ie trials.InputErrors
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "ItemData[@ItemOID=VS.SYSBP]: Systolic blood pressure: 400 mmHg is above the maximum 250 mmHg") {
		t.Errorf("out of range: %v", err)
	}
	if after, _ := a.Trial(ctx, "NCT05550001"); after.Log.Size != before.Log.Size {
		t.Errorf("log grew from %d to %d on a refused import", before.Log.Size, after.Log.Size)
	}

	ins, err := a.ParseTrialImportFor(ctx, "NCT05550001", "csv", strings.NewReader("subject,VS.SYSBP,VS.DIABP\nHA-0101,126,81\n"),
		trials.RecorderConfig{"form": "F.VS", "event": "SE.WEEK4", "default_type": "visit"})
	if err != nil || len(ins) != 1 || string(ins[0].Data) != `{"design":1,"event":"SE.WEEK4","form":"F.VS","items":{"VS.DIABP":81,"VS.SYSBP":126}}` {
		t.Errorf("csv onto the form: %+v, %v", ins, err)
	}
}

// A design saved by hand is validated and becomes the next version.
func TestTrialDesign_saveValidatesAndVersions(t *testing.T) {
	ctx := t.Context()
	a, c := sponsorApp(t, t.TempDir())
	defer closeApp(t, a)
	if _, err := a.RegisterTrial(ctx, c, "HTN-ASA", "NCT05550002", "protocol.pdf", strings.NewReader("%PDF protocol")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveTrialDesign(ctx, c, "NCT05550002", marketplace.StudyDesign{Name: "empty"}); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("invalid design: %v", err)
	}
	d := marketplace.StudyDesign{Name: "Pilot", Forms: []marketplace.FormDef{{OID: "F.W", Name: "Weight",
		Items: []marketplace.ItemDef{{OID: "W", Label: "Weight", Type: marketplace.ItemDecimal, Unit: "kg"}}}}}
	for want := 1; want <= 2; want++ {
		d.Name = "Pilot v" + string(rune('0'+want))
		n, err := a.SaveTrialDesign(ctx, c, "NCT05550002", d)
		if err != nil || n != want {
			t.Fatalf("save %d: %d, %v", want, n, err)
		}
	}
	got, n, err := a.TrialDesign(ctx, "NCT05550002")
	if err != nil || n != 2 || got.Name != "Pilot v2" {
		t.Errorf("latest: %d %+v, %v", n, got, err)
	}
	// A bad ODM design records nothing.
	if _, _, err := a.ImportTrialDesign(ctx, c, "NCT05550002", strings.NewReader(`<ODM ODMVersion="1.3.2"><Study OID="S"></Study></ODM>`)); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("no metadata: %v", err)
	}
	if _, n, _ := a.TrialDesign(ctx, "NCT05550002"); n != 2 {
		t.Errorf("version %d after a refused import", n)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
