package main

import (
	"bytes"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A patient's raw upload to the publish wizard never outlives the server:
// after SIGTERM and after kill -9 (and the next start), neither the data
// dir nor the system's temp directory holds it.
func TestServe_wizardUploadDoesNotOutliveTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, "")
	const ssn = "123-45-6789"
	records := "name,ssn,birthdate,gender\nJane Roe," + ssn + ",1970-01-02,F\nJohn Doe,987-65-4321,1980-03-04,M\n"
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			n := &node{bin: bin, dir: t.TempDir()}
			n.env = []string{"HOME=" + t.TempDir(), "TMPDIR=" + tmp, envData + "=" + n.dir, envPassphrase + "=secret",
				envLightScrypt + "=1", envAddr + "=127.0.0.1:0"}
			n.must(t, "account", "new", "--name", "alice")
			s := n.serve(t)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, _ := http.NewRequest("POST", s.url+"signin", strings.NewReader(url.Values{"account": {"alice"}, "passphrase": {"secret"}, "next": {"/mydata/"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if len(res.Cookies()) == 0 {
				t.Fatalf("sign-in: %s, no cookie", res.Status)
			}
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			if err := mw.WriteField("format", "csv"); err != nil {
				t.Fatal(err)
			}
			fw, err := mw.CreateFormFile("file", "records.csv")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fw.Write([]byte(records)); err != nil {
				t.Fatal(err)
			}
			if err := mw.Close(); err != nil {
				t.Fatal(err)
			}
			req, _ = http.NewRequest("POST", s.url+"mydata/publish/upload", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("HX-Request", "true")
			for _, c := range res.Cookies() {
				req.AddCookie(c)
			}
			if res, err = client.Do(req); err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("upload: %s", res.Status)
			}
			holding := func(root string) []string {
				var found []string
				// The walk skips what it cannot read, and so never fails.
				_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
					if err == nil && d.Type().IsRegular() {
						if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(ssn)) {
							found = append(found, path)
						}
					}
					return nil
				})
				return found
			}
			if got := append(holding(n.dir), holding(tmp)...); len(got) != 1 {
				t.Fatalf("while serving, files with the SSN: %v, want the upload", got)
			}
			if sig == syscall.SIGTERM {
				s.stop(t, sig)
			} else {
				if err := s.cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				// Wait reports the kill.
				t.Logf("node after %v: %v", sig, <-s.done)
				n.must(t, "account", "list") // the next start
			}
			for _, root := range []string{n.dir, tmp} {
				if got := holding(root); len(got) != 0 {
					t.Errorf("after %v: files with the SSN: %v", sig, got)
				}
			}
		})
	}
}
