package plugins

import (
	"regexp"
	"strings"
	"sync"
)

// tail keeps the last bytes a plugin wrote to stderr and go-plugin logged
// about it, to say why it died.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 16 << 10

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailBytes {
		t.buf = append(t.buf[:0:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

var (
	panicLine  = regexp.MustCompile(`(?m)^panic: (.*)$`)
	exitStatus = regexp.MustCompile(`(exit status \d+|signal: [a-z ]+)`)
)

// cause says how the plugin died, from its stderr and go-plugin's log.
func (t *tail) cause() string {
	s := t.String()
	if m := panicLine.FindStringSubmatch(s); m != nil {
		return "crashed (panic: " + strings.TrimSpace(m[1]) + ")"
	}
	if m := exitStatus.FindString(s); m != "" {
		return "exited (" + m + ")"
	}
	return "exited"
}

// suffix returns the plugin's last stderr line, to append to an error.
func (t *tail) suffix() string {
	lines := strings.Split(strings.TrimSpace(t.String()), "\n")
	if len(lines) == 0 || lines[len(lines)-1] == "" {
		return ""
	}
	return " (plugin said: " + lines[len(lines)-1] + ")"
}
