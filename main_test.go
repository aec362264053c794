package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

// runCmd runs the program in process as a user would from a shell.
func runCmd(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb strings.Builder
	err = run(t.Context(), args, envMap(env), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

func TestRun_version(t *testing.T) {
	out, _, err := runCmd(t, nil, "version")
	if err != nil || !regexp.MustCompile(`^medmarket \S+\n$`).MatchString(out) {
		t.Fatalf("version: %q, %v", out, err)
	}
}

func TestRun_helpEverywhere(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"desktop", "--help"}, {"version", "--help"}} {
		out, _, err := runCmd(t, nil, args...)
		if err != nil || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
	out, _, _ := runCmd(t, nil, "serve", "--help")
	for _, flag := range []string{"--addr", "--data", "--log-level", envData} {
		if !strings.Contains(out, flag) {
			t.Errorf("serve --help does not mention %s", flag)
		}
	}
}

func TestRun_usageErrors(t *testing.T) {
	for _, args := range [][]string{{"serve", "--bogus"}, {"version", "extra"}, {"nosuchcommand"}} {
		_, _, err := runCmd(t, nil, args...)
		if err == nil {
			t.Errorf("%v: no error", args)
			continue
		}
		if code := exitCode(err); code != 2 && code != 1 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	_, _, err := runCmd(t, nil, "serve", "--bogus")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "unknown flag: --bogus") {
		t.Errorf("bad flag: exit %d, %v", exitCode(err), err)
	}
}

func TestRun_badLogLevel(t *testing.T) {
	_, _, err := runCmd(t, map[string]string{envData: t.TempDir()}, "serve", "--log-level", "loud")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "--log-level") {
		t.Fatalf("exit %d: %v", exitCode(err), err)
	}
}

func TestExitCodes(t *testing.T) {
	for code, want := range map[string]int{
		marketplace.EINVALID: 2, marketplace.ECONFLICT: 3, marketplace.ENOTFOUND: 4,
		marketplace.EFORBIDDEN: 5, marketplace.EUNAVAILABLE: 6, marketplace.EINTERNAL: 1,
	} {
		if got := exitCode(marketplace.Errorf(code, "x")); got != want {
			t.Errorf("%s: exit %d, want %d", code, got, want)
		}
	}
	if got := exitCode(fmt.Errorf("wrapped: %w", marketplace.Errorf(marketplace.ECONFLICT, "x"))); got != 3 {
		t.Errorf("wrapped conflict: exit %d", got)
	}
	if got := exitCode(errors.New("plain")); got != 1 {
		t.Errorf("plain error: exit %d", got)
	}
}

// lineWriter hands each line written to it to a channel, so a test can wait
// for the "serving" line of a server it started.
type lineWriter struct {
	mu    sync.Mutex
	buf   strings.Builder
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		s := w.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		select {
		case w.lines <- s[:i]:
		default:
		}
		w.buf.Reset()
		w.buf.WriteString(s[i+1:])
	}
	return len(p), nil
}

var servingLine = regexp.MustCompile(`^medmarket serving (http://\S+/) \(data dir (.+)\)$`)

func TestRun_serveInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	out := &lineWriter{lines: make(chan string, 8)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, envMap(map[string]string{envData: dir}), strings.NewReader(""), out, io.Discard)
	}()
	var url string
	select {
	case line := <-out.lines:
		m := servingLine.FindStringSubmatch(line)
		if m == nil || m[2] != dir {
			t.Fatalf("unexpected first line %q", line)
		}
		url = m[1]
	case err := <-done:
		t.Fatalf("serve exited: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no serving line")
	}
	res, err := http.Get(url + "status/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "Node status") || strings.Contains(string(body), dir) {
		t.Errorf("a visitor's status page: %d, or it shows the data dir", res.StatusCode)
	}

	// A second instance on the same data dir fails clearly while the first runs.
	_, _, err = runCmd(t, map[string]string{envData: dir}, "serve", "--addr", "127.0.0.1:0")
	if exitCode(err) != 3 || !strings.Contains(userMessage(err), "in use by another medmarket process") {
		t.Errorf("second instance: exit %d, %v", exitCode(err), err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after stop", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestRun_serveAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ln.Close(); err != nil {
			t.Error(err)
		}
	}()
	_, _, err = runCmd(t, map[string]string{envData: t.TempDir()}, "serve", "--addr", ln.Addr().String())
	if exitCode(err) != 6 || !strings.Contains(userMessage(err), "Cannot listen on "+ln.Addr().String()) {
		t.Fatalf("exit %d: %v", exitCode(err), err)
	}
}

func TestServeHTTP_inFlightRequestsFinish(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release // until the server has stopped listening
		if err := r.Context().Err(); err != nil {
			http.Error(w, "cancelled", 500)
			return
		}
		if _, err := io.WriteString(w, "finished"); err != nil {
			t.Errorf("answer: %v", err)
		}
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- serveHTTP(ctx, slog.New(slog.DiscardHandler), httpTimeouts{Idle: time.Minute, Grace: 5 * time.Second}, httpListener{"test", ln, slow})
	}()

	type result struct {
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		resc <- result{string(b), err}
	}()
	<-started
	cancel() // the stop signal arrives while the request is being handled
	waitFor(t, "the listener to close", time.Minute, func() bool {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	})
	close(release)
	r := <-resc
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q, %v", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serveHTTP: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

// readServingURL waits for the serving line on a process's stdout.
func readServingURL(t *testing.T, r io.Reader) string {
	t.Helper()
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		close(urlc)
	}()
	select {
	case u, ok := <-urlc:
		if !ok {
			t.Fatal("the server exited before it served")
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start within 30 s")
	}
	return ""
}
