package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/app"
)

// TestConfigs_listShowDelete: a configuration saved (as the wizard saves
// it) is listed, printed as YAML that `anonymize --config` runs on the
// next file, and deleted with the account's passphrase.
func TestConfigs_listShowDelete(t *testing.T) {
	env := cliEnv(t)
	mustRun(t, env, "account", "new", "--name", "alice")
	a, err := app.Open(t.Context(), app.Options{DataDir: env[envData], LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.SaveConfig(t.Context(), app.ByAccount("alice", "secret"), app.SavedConfig{Name: "Clinic k2", Preset: app.PresetCustom,
		Privacy: &app.PrivacyParams{K: 2, Suppression: 10}, Roles: map[string]map[string]string{"": {"sex": "quasi", "age": "quasi", "condition": "sensitive"}}})
	if cerr := a.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}

	out := mustRun(t, env, "configs", "list", "--as", "alice")
	if !strings.Contains(out, "Clinic k2") || !strings.Contains(out, "custom") {
		t.Fatalf("list:\n%s", out)
	}
	var list []savedConfigOut
	if err := json.Unmarshal([]byte(mustRun(t, env, "configs", "list", "--as", "alice", "--json")), &list); err != nil || len(list) != 1 || list[0].K != 2 {
		t.Fatalf("list --json: %+v %v", list, err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "clinic.yaml")
	mustRun(t, env, "configs", "show", "--as", "alice", "clinic K2", "--out", cfg)
	in := filepath.Join(dir, "next.csv")
	csv := "sex,age,condition\nF,34,E11\nF,36,I10\nM,51,E11\nM,53,J45\nF,35,E11\nM,52,I10\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, env, "anonymize", "--in", in, "--config", cfg, "--out", filepath.Join(dir, "out.csv")); err != nil {
		y, _ := os.ReadFile(cfg)
		t.Fatalf("anonymize --config with the shown YAML: %v\n%s", err, y)
	}
	if _, _, err := runCmd(t, env, "configs", "show", "--as", "alice", "a:b"); exitCode(err) != 2 || !strings.Contains(err.Error(), "Name:") {
		t.Fatalf("bad name: exit %d %v", exitCode(err), err)
	}
	if _, _, err := runCmd(t, env, "configs", "show", "--as", "alice", "nope"); exitCode(err) != 4 {
		t.Fatalf("unknown: exit %d %v", exitCode(err), err)
	}
	if out := mustRun(t, env, "configs", "delete", "--as", "alice", "Clinic k2"); !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %s", out)
	}
	if _, _, err := runCmd(t, env, "configs", "delete", "--as", "alice", "Clinic k2"); exitCode(err) != 4 {
		t.Fatalf("delete twice: exit %d %v", exitCode(err), err)
	}
	if out := mustRun(t, env, "configs", "list", "--as", "alice", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("after delete: %s", out)
	}
}
