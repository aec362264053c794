package plugins_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medmarket/medmarket/plugins"
)

// hostChild is the test binary run as a plugin host that prints the pids
// of its plugin processes and waits to be killed.
func hostChild() {
	h, err := plugins.NewHost(plugins.Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if _, err := h.Isolated("drop").Describe(context.Background()); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", os.Getpid()))
	var pids []string
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		pids = append(pids, strings.Fields(string(b))...)
	}
	fmt.Println("plugins", strings.Join(pids, " "))
	select {}
}

// A plugin dies with its host, even when the host is killed with SIGKILL
// and cleans nothing up (the parent-death signal).
func TestHost_pluginDiesWithKilledHost(t *testing.T) {
	cmd := exec.Command(os.Args[0], "host-child")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "plugins ") {
		_ = cmd.Process.Kill() // failing anyway: only stop the child
		t.Fatalf("host child said %q, %v", line, err)
	}
	fields := strings.Fields(line)[1:]
	if len(fields) == 0 {
		_ = cmd.Process.Kill() // failing anyway: only stop the child
		t.Fatal("the host child started no plugin process")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // reaps the host child; it was killed, so Wait reports that
	for _, f := range fields {
		pid, _ := strconv.Atoi(f)
		deadline := time.Now().Add(5 * time.Second)
		for alive(pid) {
			if time.Now().After(deadline) {
				// Failing anyway: do not leave it running (it may just have exited).
				_ = syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("plugin process %d outlived its killed host", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// alive reports whether pid runs (a zombie nobody reaped is dead).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}
