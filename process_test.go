package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds medmarket with the given tags and the test hooks
// (testhooks.go) into a temp dir. The Go build cache makes repeated builds a
// link step.
func buildBinary(t *testing.T, tags string, env ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "medmarket")
	args := []string{"build", "-o", bin, "-tags", strings.Trim(testHooksTag+","+tags, ",")}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", tags, err, out)
	}
	return bin
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
}

func startServe(t *testing.T, bin, dir string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = []string{"HOME=" + t.TempDir(), envData + "=" + dir}
	return startServer(t, cmd)
}

// startServer starts cmd, a `medmarket serve`, and waits until it says
// where it serves; its log is kept for the test, and it is killed at the
// end if the test did not stop it.
func startServer(t *testing.T, cmd *exec.Cmd) *server {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	// Only if the test did not stop it: a kill of a finished process fails.
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	s.url = readServingURL(t, stdout)
	return s
}

// stop sends sig and expects a clean exit.
func (s *server) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after %v: %v\n%s", sig, err, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit within 20 s of %v", sig)
	}
	if !strings.Contains(s.stderr.String(), `msg=stopped`) {
		t.Errorf("no clean stop in the log:\n%s", s.stderr)
	}
}

// httpGet GETs u with header name-value pairs and returns the body of a 200.
func httpGet(t *testing.T, u string, header ...string) string {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, res.StatusCode)
	}
	return string(b)
}

// signIn signs account in on the UI at base and returns the Cookie header
// value of its session.
func signIn(t *testing.T, base, account, passphrase string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"signin", strings.NewReader(url.Values{"account": {account}, "passphrase": {passphrase}, "next": {"/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "medmarket_session" && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("sign-in as %s: %d, no session cookie", account, res.StatusCode)
	return ""
}

func TestServe_restartKeepsState(t *testing.T) {
	bin := buildBinary(t, "")
	dir := t.TempDir()

	acct := exec.Command(bin, "account", "new", "--name", "owner", "--data", dir)
	acct.Env = []string{"HOME=" + t.TempDir(), envPassphrase + "=owner-pass", envLightScrypt + "=1"}
	if out, err := acct.CombinedOutput(); err != nil {
		t.Fatalf("account new: %v\n%s", err, out)
	}
	s := startServe(t, bin, dir)
	cookie := signIn(t, s.url, "owner", "owner-pass")
	req, _ := http.NewRequest("POST", s.url+"status/node", strings.NewReader(url.Values{"name": {"Restart-proof clinic"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Cookie", cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("rename: %v %v", res, err)
	}
	res.Body.Close()
	startsBefore := startsOf(t, httpGet(t, s.url+"status/", "Cookie", cookie))

	// A second process on the same data dir is refused without touching it.
	second := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir)
	second.Env = []string{"HOME=" + t.TempDir()}
	out, err := second.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !strings.Contains(string(out), "in use by another medmarket process") {
		t.Errorf("second instance: %v\n%s", err, out)
	}

	s.stop(t, syscall.SIGTERM)

	// The embedded chain with its deployed contracts stays small on disk.
	if n := diskUsage(t, dir); n > 64<<20 {
		t.Errorf("data dir takes %d MB on disk after a start, want <= 64 MB", n>>20)
	} else {
		t.Logf("data dir on disk: %.1f MB", float64(n)/(1<<20))
	}

	s = startServe(t, bin, dir)
	page := httpGet(t, s.url+"status/", "Cookie", signIn(t, s.url, "owner", "owner-pass"))
	if !strings.Contains(page, "Restart-proof clinic") {
		t.Error("the node name did not survive the restart")
	}
	if starts := startsOf(t, page); starts != startsBefore+1 {
		t.Error("the start count did not continue")
	}
	s.stop(t, syscall.SIGINT)
}

// startsOf reads the node's start count off its status page.
func startsOf(t *testing.T, page string) int {
	t.Helper()
	m := regexp.MustCompile(`id="status-starts">(\d+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the status page shows no start count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// diskUsage sums the blocks allocated to the files under dir, as du does
// (preallocated write-ahead files count in full).
func diskUsage(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		} else {
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
