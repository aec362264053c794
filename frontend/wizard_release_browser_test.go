package frontend

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A patient chooses every Synthea bundle at once in the browser's file
// dialog: the wizard keeps them as one upload and step 2 lists the files
// and reads them as one release (a Patient row from each bundle).
func TestBrowser_publishWizardRecordSet(t *testing.T) {
	var files []string
	for _, f := range syntheaBundles(t) {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, abs)
	}
	if len(files) < 2 {
		t.Fatalf("want several Synthea bundles in the shared data, found %d", len(files))
	}
	ctx, problems := newBrowser(t)
	srv, a := newTestServerWith(t, Options{})
	ctx, cancel := context.WithTimeout(ctx, 180*time.Second)
	defer cancel()
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.CreateAccount(t.Context(), n, n+"-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Fund(t.Context(), n, mustEther(t, "10")); err != nil {
			t.Fatal(err)
		}
	}
	browserSignIn(t, ctx, srv.URL, "alice", "/mydata/publish/")
	runSteps(t, ctx, "upload the record set",
		browserStep{"step 1", chromedp.WaitVisible(`#wizard-file`)},
		wantJS("the file input takes several files", `document.querySelector('#wizard-file').multiple`),
		browserStep{"files", chromedp.SetUploadFiles(`#wizard-file`, files)},
		browserStep{"htmx", waitHTMX(`#wizard-upload form`)},
		browserStep{"upload", chromedp.Click(`#wizard-upload-button`)},
		browserStep{"step 2", chromedp.WaitVisible(`#wizard-preview`)},
		wantJS("every file listed", fmt.Sprintf(`document.querySelectorAll('#wizard-files li').length === %d`, len(files))),
		wantJS("one Patient row per bundle", fmt.Sprintf(`document.querySelectorAll('#wizard-rows tbody tr').length === %d`, len(files))),
	)
	if got := transientFiles(t, a); len(got) != 1 {
		t.Errorf("data dir tmp/ holds %v, want the one upload", got)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors:\n%v", p)
	}
}
