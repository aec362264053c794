package ledger

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const crashDirEnv = "LEDGER_CRASH_DIR"

// TestCrashChild is the child process of TestCrash_killDuringAppend: it
// appends to the log in dir in batches of 1 to 64, printing "ack N" once an
// append that brings the log to N entries has returned, and signs a
// checkpoint now and then ("cp N"), until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child process of TestCrash_killDuringAppend")
	}
	db := openDB(t, filepath.Join(dir, "node.db"))
	l, err := New(db, Config{KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	id := logID("NCT-CRASH")
	var size uint64
	if th, err := l.Head(ctx, id); err == nil {
		size = th.Size
	}
	rnd := rand.New(rand.NewPCG(uint64(os.Getpid()), 1))
	for n := 0; ; n++ {
		k := uint64(1)
		if n%3 != 0 {
			k = 1 + rnd.Uint64N(64)
		}
		if _, err := l.AppendBatch(ctx, id, leaves(size, k)); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		size += k
		fmt.Printf("ack %d\n", size)
		if n%10 == 9 {
			cp, err := l.Checkpoint(ctx, id)
			if err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
			fmt.Printf("cp %d\n", cp.Size)
		}
	}
}

// A process appending in a loop is killed with SIGKILL at random moments.
// After each kill the log reopens with every acknowledged entry, entries are
// exactly the ones appended, it checks clean (every stored checkpoint's root
// is the root of the stored entries), and it signs a checkpoint consistent
// with the last one.
func TestCrash_killDuringAppend(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	id := logID("NCT-CRASH")
	var lastAck uint64
	for round := range 4 {
		acked, cps, out := runAndKill(t, dir, 20+round*40)
		if acked < lastAck {
			t.Fatalf("round %d: child acknowledged %d after %d", round, acked, lastAck)
		}
		lastAck = acked

		db := openDB(t, filepath.Join(dir, "node.db"))
		l, err := New(db, Config{KeyDir: filepath.Join(dir, "keys")})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		th, err := l.Head(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if th.Size < acked {
			t.Fatalf("round %d: log has %d entries, the child acknowledged %d\n%s", round, th.Size, acked, out)
		}
		es, err := l.Entries(ctx, id, 0, th.Size)
		if err != nil || uint64(len(es)) != th.Size {
			t.Fatalf("round %d: %d entries read, %v", round, len(es), err)
		}
		for _, e := range es {
			if string(e.Leaf) != string(leaf(e.Index)) {
				t.Fatalf("round %d: entry %d is %q", round, e.Index, e.Leaf)
			}
		}
		if rep, err := l.Check(ctx, id); err != nil {
			t.Fatalf("round %d: Check: %v\n%v", round, err, rep.Findings)
		}
		latest, err := l.LatestCheckpoint(ctx, id)
		if err == nil && latest.Size < cps {
			t.Fatalf("round %d: latest checkpoint %d, the child signed %d", round, latest.Size, cps)
		}
		cp, err := l.Checkpoint(ctx, id)
		if err != nil {
			t.Fatalf("round %d: checkpoint after the crash: %v", round, err)
		}
		t.Logf("round %d: killed after ack %d (checkpoint %d); reopened at %d entries, signed %d", round, acked, cps, th.Size, cp.Size)
		// The next round's child opens the same file.
		if err := db.Close(); err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}
	}
}

// runAndKill runs the child on dir until it has acknowledged acks more
// appends, kills it with SIGKILL and returns the last acknowledged size and
// checkpoint.
func runAndKill(t *testing.T, dir string, acks int) (acked, cp uint64, out string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(20 * time.Second)
	for n := 0; n < acks && sc.Scan(); {
		line := sc.Text()
		lines = append(lines, line)
		if v, ok := strings.CutPrefix(line, "ack "); ok {
			acked, _ = strconv.ParseUint(v, 10, 64)
			n++
		} else if v, ok := strings.CutPrefix(line, "cp "); ok {
			cp, _ = strconv.ParseUint(v, 10, 64)
		} else {
			// The test fails on the line below; the child is only stopped.
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child: %s", line)
		}
		if time.Now().After(deadline) {
			break
		}
	}
	// Kill it in the middle of whatever append comes next.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Acknowledgements printed before the kill count too.
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if v, ok := strings.CutPrefix(line, "ack "); ok {
			acked, _ = strconv.ParseUint(v, 10, 64)
		} else if v, ok := strings.CutPrefix(line, "cp "); ok {
			cp, _ = strconv.ParseUint(v, 10, 64)
		}
	}
	_ = cmd.Wait() // reaps the child; it was killed, so Wait reports that
	if acked == 0 {
		t.Fatalf("the child acknowledged nothing: %q", lines)
	}
	return acked, cp, strings.Join(lines[max(0, len(lines)-5):], "\n")
}
