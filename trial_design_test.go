package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A sponsor imports the study design from a hand-written ODM 1.3.2 file,
// shows it (events, forms, items with type, unit, range, required), and
// the same file's ClinicalData then land on the design's items; a value
// out of range is refused naming its element and item.
func TestCLI_trialDesignImportShowAndMapping(t *testing.T) {
	env := cliEnv(t)
	mustRun := func(args ...string) string {
		t.Helper()
		out, stderr, err := runCmd(t, env, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		return out
	}
	study := "marketplace/trials/testdata/cdisc_odm132_study.xml"
	mustRun("account", "new", "--name", "carol")
	mustRun("chain", "fund", "carol", "10")
	mustRun("trial", "register", "--as", "carol", "--title", "HTN-ASA", "--id", "NCT05550003", "--protocol", study)

	_, _, err := runCmd(t, env, "trial", "design", "show", "--trial", "NCT05550003")
	if exitCode(err) != 4 || !strings.Contains(userMessage(err), "no study design yet") {
		t.Errorf("show before import: exit %d, %v", exitCode(err), err)
	}
	if out := mustRun("trial", "design", "import", "--trial", "NCT05550003", "--file", study, "--as", "carol"); out != "study design version 1: HTN-ASA: low-dose aspirin in treated hypertension, 3 events, 3 forms, 11 items\n" {
		t.Errorf("import: %q", out)
	}
	out := mustRun("trial", "design", "show", "--trial", "NCT05550003")
	for _, want := range []string{
		"(version 1, MDV.HTN-ASA.2)",
		"SE.SCREENING  Screening: F.DM, F.VS",
		"SE.WEEK4  Week 4: F.VS, F.AE",
		"Form F.AE  Adverse Event (Adverse event)",
		"VS.SYSBP     Systolic blood pressure        integer, mmHg, 60..250, required",
		"VS.TEMP      Body temperature               decimal, °C, 30..43.5\n",
		"AE.SEV       Severity                       choice, [1=Mild, 2=Moderate, 3=Severe], required",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	var j struct {
		Version int `json:"version"`
		Design  struct {
			Forms []struct {
				OID string `json:"oid"`
			} `json:"forms"`
		} `json:"design"`
	}
	if err := json.Unmarshal([]byte(mustRun("trial", "design", "show", "--trial", "NCT05550003", "--json")), &j); err != nil || j.Version != 1 || len(j.Design.Forms) != 3 {
		t.Errorf("show --json: %+v, %v", j, err)
	}

	src, err := os.ReadFile(study)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(src), `Value="138"`, `Value="400"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, env, "trial", "import", "NCT05550003", "--as", "carol", "--recorder", "odm", "--in", bad)
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "SubjectData[2]/StudyEventData[2]/FormData[1]/ItemGroupData[@ItemGroupOID=IG.VS]/ItemData[@ItemOID=VS.SYSBP]: Systolic blood pressure: 400 mmHg is above the maximum 250 mmHg") {
		t.Errorf("out of range: exit %d, %v", exitCode(err), err)
	}
	if out := mustRun("trial", "import", "NCT05550003", "--as", "carol", "--recorder", "odm", "--in", study); out != "recorded 8 steps: entries 2-9\n" {
		t.Errorf("import: %q", out)
	}
	shown := mustRun("trial", "show", "NCT05550003", "--type", "adverse_event", "--json")
	if !strings.Contains(shown, `"AE.SEV":"1"`) && !strings.Contains(shown, `"AE.SEV": "1"`) {
		t.Errorf("the adverse event is not on the design's items:\n%s", shown)
	}
}
