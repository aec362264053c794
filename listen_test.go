package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/medmarket/medmarket/app"
)

var providerLine = regexp.MustCompile(`^provider API on (\S+), announced as (\S+)$`)

// servedNode is `serve` running in process: its UI and provider URLs and
// every line it printed.
type servedNode struct {
	ui, provider, announced string
	lines                   []string
}

// serveInProcess runs `serve` with args until the test ends and waits for
// its start-up lines.
func serveInProcess(t *testing.T, env map[string]string, args ...string) servedNode {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &lineWriter{lines: make(chan string, 16)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), envMap(env), strings.NewReader(""), out, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v after stop", err)
		}
	})
	var n servedNode
	timeout := time.After(30 * time.Second)
	for n.provider == "" {
		select {
		case line := <-out.lines:
			n.lines = append(n.lines, line)
			if m := servingLine.FindStringSubmatch(line); m != nil {
				n.ui = m[1]
			}
			if m := providerLine.FindStringSubmatch(line); m != nil {
				n.provider, n.announced = "http://"+m[1]+"/", m[2]
			}
		case err := <-done:
			t.Fatalf("serve exited: %v", err)
		case <-timeout:
			t.Fatal("serve did not start within 30 s")
		}
	}
	return n
}

func status(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServe_uiAndProviderListenApart: the UI is on loopback; the provider
// API on its own address, announced as the node's provider URL; the public
// listener serves the provider API and /healthz only (no sign-in page, no
// status, no accounts), and the UI no longer serves the provider API.
func TestServe_uiAndProviderListenApart(t *testing.T) {
	n := serveInProcess(t, map[string]string{envData: t.TempDir()}, "--addr", "127.0.0.1:0")
	if !strings.HasPrefix(n.ui, "http://127.0.0.1:") || n.provider == n.ui || n.announced != n.provider {
		t.Fatalf("ui %s, provider %s announced as %s", n.ui, n.provider, n.announced)
	}
	if code, body := status(t, n.provider+"provider/v1/key"); code != 200 || !strings.Contains(body, "0x") {
		t.Errorf("provider key on the public listener: %d %s", code, body)
	}
	if code, _ := status(t, n.provider+"healthz"); code != 200 {
		t.Errorf("healthz on the public listener: %d", code)
	}
	for _, path := range []string{"", "signin/", "status/", "mydata/", "catalog/", "static/app.js"} {
		if code, body := status(t, n.provider+path); code != 404 || strings.Contains(body, "<html") {
			t.Errorf("public listener serves /%s: %d", path, code)
		}
	}
	if code, _ := status(t, n.ui+"provider/v1/key"); code != 404 {
		t.Errorf("the UI serves the provider API: %d", code)
	}
	if code, _ := status(t, n.ui+"catalog/"); code != 200 {
		t.Errorf("the UI's catalog: %d", code)
	}
}

// TestServe_uiBeyondLoopbackIsAskedFor: --addr beyond loopback is refused
// without --ui-public, and said at start-up with it; a wildcard public
// address needs --public-url.
func TestServe_uiBeyondLoopbackIsAskedFor(t *testing.T) {
	dir := t.TempDir()
	_, _, err := runCmd(t, map[string]string{envData: dir}, "serve", "--addr", "0.0.0.0:0")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "--ui-public") {
		t.Fatalf("UI on 0.0.0.0 without --ui-public: exit %d, %v", exitCode(err), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refused serve touched the data dir: %d entries", len(entries))
	}
	_, _, err = runCmd(t, map[string]string{envData: t.TempDir()}, "serve", "--addr", "127.0.0.1:0", "--public-addr", "0.0.0.0:0")
	if exitCode(err) != 2 || !strings.Contains(userMessage(err), "--public-url") {
		t.Fatalf("provider on 0.0.0.0 without --public-url: exit %d, %v", exitCode(err), err)
	}

	n := serveInProcess(t, map[string]string{envData: t.TempDir()}, "--addr", "0.0.0.0:0", "--ui-public", "--public-addr", "127.0.0.1:0")
	if !strings.Contains(strings.Join(n.lines, "\n"), "WARNING: the UI on ") {
		t.Errorf("no warning at start-up:\n%s", strings.Join(n.lines, "\n"))
	}
	// On a wildcard address the UI answers to this machine's addresses as
	// typed (IP literals), still not to other names.
	port := n.ui[strings.LastIndex(n.ui, ":")+1 : len(n.ui)-1]
	hosts := map[string]int{"evil.example:" + port: 421}
	if addrs, _ := net.InterfaceAddrs(); len(addrs) > 0 {
		for _, ia := range addrs {
			if ipn, ok := ia.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
				hosts[net.JoinHostPort(ipn.IP.String(), port)] = 200
			}
		}
	}
	for host, want := range hosts {
		if got := statusWithHost(t, "http://127.0.0.1:"+port+"/", host); got != want {
			t.Errorf("UI on 0.0.0.0, Host %s: %d, want %d", host, got, want)
		}
	}
	n = serveInProcess(t, map[string]string{envData: t.TempDir()}, "--addr", "127.0.0.1:0", "--public-addr", "0.0.0.0:0", "--public-url", "https://node.example/")
	if n.announced != "https://node.example/" || strings.Contains(strings.Join(n.lines, "\n"), "WARNING") {
		t.Errorf("announced %s, lines:\n%s", n.announced, strings.Join(n.lines, "\n"))
	}
}

func TestDefaultPublicAddr(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1:8080": "127.0.0.1:8081", "127.0.0.1:0": "127.0.0.1:0", "[::1]:9000": "[::1]:9001", "localhost:65535": "localhost:0"} {
		if got := defaultPublicAddr(in); got != want {
			t.Errorf("defaultPublicAddr(%s) = %s, want %s", in, got, want)
		}
	}
}

// The idle-timeout test's figures: an idle timeout of 1 s, and transfers
// of 25 chunks at 100 ms, 2.5 s, well past it.
const (
	idleTimeout = time.Second
	idlePace    = 100 * time.Millisecond
	idleChunk   = 1 << 10
	idleChunks  = 25
)

// TestServeHTTP_idleNotTotalTimeouts: with an idle timeout of 1 s, an
// upload and a download that each take 2.5 s but move a chunk every 100 ms
// complete; an upload that stops sending and a download whose
// client stops reading are cut.
func TestServeHTTP_idleNotTotalTimeouts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &idleServer{base: "http://" + ln.Addr().String(), addr: ln.Addr().String(), handlerErr: make(chan error, 4)}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- serveHTTP(ctx, slog.New(slog.DiscardHandler), httpTimeouts{Idle: idleTimeout, Grace: time.Second}, httpListener{"test", ln, s.mux()})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveHTTP: %v", err)
		}
	})
	t.Run("slow upload completes", s.slowUploadCompletes)
	t.Run("slow download completes", s.slowDownloadCompletes)
	t.Run("stalled upload is cut", s.stalledUploadIsCut)
	t.Run("stalled download is cut", s.stalledDownloadIsCut)
}

// idleServer is the idle-timeout test's server: its handlers report how
// each transfer ended on handlerErr.
type idleServer struct {
	base, addr string
	handlerErr chan error
}

// mux serves POST /up (reads all), GET /down (slow but steady) and
// GET /big (more than a client that reads nothing can take).
func (s *idleServer) mux() *http.ServeMux {
	handlerErr := s.handlerErr
	mux := http.NewServeMux()
	mux.HandleFunc("POST /up", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		handlerErr <- err
		if err != nil {
			return
		}
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("GET /down", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for range idleChunks {
			if _, err := w.Write(bytes.Repeat([]byte("d"), idleChunk)); err != nil {
				handlerErr <- err
				return
			}
			if err := rc.Flush(); err != nil {
				handlerErr <- err
				return
			}
			time.Sleep(idlePace) // the server's pace: slow but steady
		}
		handlerErr <- nil
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		buf := bytes.Repeat([]byte("b"), 1<<20)
		for range 512 { // far more than the socket buffers hold
			if _, err := w.Write(buf); err != nil {
				handlerErr <- err
				return
			}
		}
		handlerErr <- errors.New("the whole body was written to a client that reads nothing")
	})
	return mux
}

func (s *idleServer) slowUploadCompletes(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		tick := time.NewTicker(idlePace)
		defer tick.Stop()
		for range idleChunks {
			<-tick.C
			if _, err := pw.Write(bytes.Repeat([]byte("u"), idleChunk)); err != nil {
				return
			}
		}
		pw.Close()
	}()
	start := time.Now()
	res, err := http.Post(s.base+"/up", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := <-s.handlerErr; err != nil || res.StatusCode != 200 {
		t.Fatalf("slow upload: %d, %v", res.StatusCode, err)
	}
	if d := time.Since(start); d < 2*idleTimeout {
		t.Fatalf("the upload took %v, not longer than the idle timeout", d)
	}
}

func (s *idleServer) slowDownloadCompletes(t *testing.T) {
	start := time.Now()
	res, err := http.Get(s.base + "/down")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || len(b) != idleChunk*idleChunks {
		t.Fatalf("slow download: %d bytes, %v", len(b), err)
	}
	if err := <-s.handlerErr; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 2*idleTimeout {
		t.Fatalf("the download took %v, not longer than the idle timeout", d)
	}
}

// dial connects to the server; the connection is closed when the test ends.
func (s *idleServer) dial(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Error(err)
		}
	})
	return conn
}

func (s *idleServer) stalledUploadIsCut(t *testing.T) {
	conn := s.dial(t)
	// Headers promise 1 MB; a few bytes come, then nothing.
	if _, err := io.WriteString(conn, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\nsome bytes"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.handlerErr:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("stalled upload: handler read %v, want a timeout", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a stalled upload was not cut")
	}
}

func (s *idleServer) stalledDownloadIsCut(t *testing.T) {
	conn := s.dial(t)
	if _, err := io.WriteString(conn, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil { // and never read
		t.Fatal(err)
	}
	select {
	case err := <-s.handlerErr:
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Fatalf("stalled download: handler write %v, want a timeout", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a stalled download was not cut")
	}
}

// statusWithHost answers the status code of GET ui+"status/" sent with
// the Host header host.
func statusWithHost(t *testing.T, ui, host string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", ui+"status/", nil)
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestServe_hostNamesChecked: serve's UI answers to its address, loopback
// names and --ui-host names; a request naming another host (DNS
// rebinding: evil.example resolved to this node) is refused with 421, a
// rename among them, whatever its Origin.
func TestServe_hostNamesChecked(t *testing.T) {
	n := serveInProcess(t, map[string]string{envData: t.TempDir()}, "--addr", "127.0.0.1:0", "--ui-host", "medmarket.example")
	port := n.ui[strings.LastIndex(n.ui, ":")+1 : len(n.ui)-1]
	for host, want := range map[string]int{
		"127.0.0.1:" + port: 200, "localhost:" + port: 200, "medmarket.example": 200,
		"evil.example": 421, "evil.example:" + port: 421,
	} {
		if got := statusWithHost(t, n.ui, host); got != want {
			t.Errorf("GET /status/ with Host %s: %d, want %d", host, got, want)
		}
	}
	req, _ := http.NewRequest("POST", n.ui+"status/node", strings.NewReader("name=Rebound"))
	req.Host = "evil.example:" + port
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example:"+port)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(string(body), "--ui-host") {
		t.Errorf("rename through evil.example: %d %s", res.StatusCode, body)
	}
}

// The app's default provider URL is serve's default provider listener, not
// the UI's address.
func TestDefaultPublicURL_isTheProviderListener(t *testing.T) {
	if got := defaultPublicURL(envMap(nil)); got != app.DefaultPublicURL || got != "http://"+defaultPublicAddr(defaultAddr)+"/" {
		t.Errorf("commands announce %s, the app %s by default", got, app.DefaultPublicURL)
	}
}
