package main

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/medmarket/medmarket/marketplace"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolveConfig(t *testing.T) {
	tests := []struct {
		name      string
		dataFlag  string
		levelFlag string
		env       map[string]string
		goos      string
		wantDir   string
		wantLevel slog.Level
		wantCode  string
	}{
		{"flag wins over env", "/flag", "", map[string]string{envData: "/env", "HOME": "/home/u"}, "linux", "/flag", slog.LevelInfo, ""},
		{"env", "", "", map[string]string{envData: "/env", "HOME": "/home/u"}, "linux", "/env", slog.LevelInfo, ""},
		{"linux default", "", "", map[string]string{"HOME": "/home/u"}, "linux", "/home/u/.local/share/medmarket", slog.LevelInfo, ""},
		{"XDG_DATA_HOME", "", "", map[string]string{"HOME": "/home/u", "XDG_DATA_HOME": "/xdg"}, "linux", "/xdg/medmarket", slog.LevelInfo, ""},
		{"macOS default", "", "", map[string]string{"HOME": "/Users/u"}, "darwin", "/Users/u/Library/Application Support/medmarket", slog.LevelInfo, ""},
		{"windows default", "", "", map[string]string{"LocalAppData": `C:\Users\u\AppData\Local`}, "windows", filepath.Join(`C:\Users\u\AppData\Local`, "medmarket"), slog.LevelInfo, ""},
		{"no home", "", "", map[string]string{}, "linux", "", 0, marketplace.EINVALID},
		{"log level flag", "/d", "debug", map[string]string{envLogLevel: "error"}, "linux", "/d", slog.LevelDebug, ""},
		{"log level env", "/d", "", map[string]string{envLogLevel: "WARN"}, "linux", "/d", slog.LevelWarn, ""},
		{"bad log level", "/d", "loud", nil, "linux", "", 0, marketplace.EINVALID},
		{"blank env ignored", "", "", map[string]string{envData: "  ", "HOME": "/h"}, "linux", "/h/.local/share/medmarket", slog.LevelInfo, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := resolveConfig(tt.dataFlag, tt.levelFlag, "", envMap(tt.env), tt.goos)
			if code := marketplace.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("error %v, want code %q", err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if c.DataDir != tt.wantDir || c.LogLevel != tt.wantLevel {
				t.Errorf("got %+v, want dir %q level %v", c, tt.wantDir, tt.wantLevel)
			}
		})
	}
	if c, _ := resolveConfig("/d", "", "warn", envMap(nil), "linux"); c.LogLevel != slog.LevelWarn {
		t.Errorf("default level for one-shot commands: %v", c.LogLevel)
	}
}

func TestTrialAnchoringFromEnv(t *testing.T) {
	env := map[string]string{envAnchorEveryEntries: "250", envAnchorEvery: "30s"}
	p, err := trialAnchoringFromEnv(func(k string) string { return env[k] })
	if err != nil || p.EveryEntries != 250 || p.Every != 30*time.Second {
		t.Fatalf("%+v, %v", p, err)
	}
	env[envAnchorEvery] = "soon"
	if _, err := trialAnchoringFromEnv(func(k string) string { return env[k] }); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("bad duration: %v", err)
	}
}
