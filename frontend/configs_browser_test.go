package frontend

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// In a browser: a Latin-1 file is refused at its byte with Latin-1
// pre-selected and read again from the kept upload; its report's settings
// are saved, chosen at step 1 for the next file (a column fewer: ignored
// with a note) and again at step 2, chosen at step 1 for a FHIR record
// (its release view, every table), and deleted on My data's saved
// settings.
func TestBrowser_savedSettingsAndEncoding(t *testing.T) {
	dir := t.TempDir()
	first, next := filepath.Join(dir, "clinic.csv"), filepath.Join(dir, "next.csv")
	if err := os.WriteFile(first, []byte("sex,condition,age,ward\nF,M\xc3\xa9ningite,34,A\nF,Fi\xe8vre,40,B\nM,Grippe,51,A\nM,Angine,55,B\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(next, []byte("sex,condition,age\nF,Asthma,31\nM,Flu,62\nF,Flu,33\nM,Asthma,64\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(dir, "record.ndjson")
	if err := os.WriteFile(record, []byte(twoTablesNDJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, problems := newBrowser(t)
	srv, a := newTestServerWith(t, Options{})
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	if _, err := a.CreateAccount(t.Context(), "alice", "alice-pass"); err != nil {
		t.Fatal(err)
	}
	browserSignIn(t, ctx, srv.URL, "alice", "/mydata/publish/")
	upload := func(file string) []browserStep {
		return []browserStep{
			{"step 1", chromedp.WaitVisible(`#wizard-file`)},
			{"file", chromedp.SetUploadFiles(`#wizard-file`, []string{file})},
			{"htmx", waitHTMX(`#wizard-upload form`)},
			{"upload", chromedp.Click(`#wizard-upload-button`)},
		}
	}
	runSteps(t, ctx, "Latin-1 file", append(upload(first),
		wantJS("the byte named", `!!document.querySelector('#wizard-encoding-step') && document.querySelector('#wizard-problem').textContent.includes("not UTF-8 at byte 45")`),
		wantJS("Latin-1 pre-selected", `document.querySelector('#wizard-encoding').value === "latin1"`),
		browserStep{"htmx", waitHTMX(`#wizard-encoding-form`)},
		browserStep{"read again", jsClick(`#wizard-reread`)},
		wantJS("decoded", `!!document.querySelector('#wizard-rows') && document.querySelector('#wizard-rows').textContent.includes("Fièvre")`),
	)...)
	runSteps(t, ctx, "save the settings",
		browserStep{"htmx", waitHTMX(`#wizard-run-form`)},
		browserStep{"ward sensitive", chooseOption(`select[name="role.ward"]`, "sensitive")},
		browserStep{"custom", jsClick(`#preset-custom`)},
		browserStep{"k", setField(`input[name=k]`, "2")},
		browserStep{"run", jsClick(`#wizard-run`)},
		browserStep{"report", chromedp.WaitVisible(`#wizard-save-config-form`)},
		browserStep{"htmx", waitHTMX(`#wizard-save-config-form`)},
		browserStep{"name", setField(`#config-name`, "Ward k2")},
		browserStep{"save", jsClick(`#config-save`)},
		wantJS("saved", `!!document.querySelector('#config-saved') && document.querySelector('#config-saved').textContent.includes("Ward k2")`),
		browserStep{"htmx", waitHTMX(`#wizard-discard-form`)},
		browserStep{"discard", jsClick(`#wizard-discard`)},
	)
	runSteps(t, ctx, "chosen at step 1 for the next file",
		browserStep{"step 1", chromedp.WaitVisible(`#wizard-file`)},
		wantJS("offered", `!!document.querySelector('#wizard-upload-saved-select option[value="Ward k2"]')`),
		browserStep{"choose", chooseOption(`#wizard-upload-saved-select`, "Ward k2")},
		browserStep{"file", chromedp.SetUploadFiles(`#wizard-file`, []string{next})},
		browserStep{"htmx", waitHTMX(`#wizard-upload form`)},
		browserStep{"upload", chromedp.Click(`#wizard-upload-button`)},
		wantJS("the note", `!!document.querySelector('#wizard-config-note') && document.querySelector('#wizard-config-note').textContent.includes("no such column: ward")`),
		wantJS("custom k = 2", `document.querySelector('#preset-custom').checked && document.querySelector('input[name=k]').value === "2"`),
	)
	runSteps(t, ctx, "and at step 2",
		browserStep{"htmx", waitHTMX(`#wizard-use-config-form`)},
		browserStep{"safe harbor", jsClick(`input[name=preset][value="safe-harbor"]`)},
		browserStep{"use", jsClick(`#wizard-use-config`)},
		wantJS("custom again", `!!document.querySelector('#wizard-config-note') && document.querySelector('#preset-custom').checked`),
		browserStep{"htmx", waitHTMX(`#wizard-discard-form`)},
		browserStep{"discard", jsClick(`#wizard-discard`)},
	)
	runSteps(t, ctx, "a FHIR record: on every table of its release",
		browserStep{"step 1", chromedp.WaitVisible(`#wizard-file`)},
		wantJS("offered", `!!document.querySelector('#wizard-upload-saved-select option[value="Ward k2"]')`),
		browserStep{"choose", chooseOption(`#wizard-upload-saved-select`, "Ward k2")},
		browserStep{"file", chromedp.SetUploadFiles(`#wizard-file`, []string{record})},
		browserStep{"htmx", waitHTMX(`#wizard-upload form`)},
		browserStep{"upload", chromedp.Click(`#wizard-upload-button`)},
		wantJS("the release, the note", `!!document.querySelector('#wizard-release') && !!document.querySelector('#wizard-config-note') && document.querySelector('#wizard-config-note').textContent.includes("applied to every table")`),
		wantJS("custom k = 2", `document.querySelector('#preset-custom').checked && document.querySelector('input[name=k]').value === "2"`),
	)
	runSteps(t, ctx, "delete them",
		browserStep{"page", chromedp.Navigate(srv.URL + "/mydata/configs/")},
		browserStep{"listed", chromedp.WaitVisible(`#configs-table`)},
		browserStep{"htmx", waitHTMX(`#configs-table form`)},
		browserStep{"delete", jsClick(`#configs-table form button`)},
		browserStep{"gone", chromedp.WaitVisible(`#no-configs`)},
	)
	for _, p := range problems() {
		t.Errorf("console: %s", p)
	}
}
