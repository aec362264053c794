package app

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

func TestSavedConfigs_saveListGetDelete(t *testing.T) {
	ctx := t.Context()
	a, err := Open(ctx, Options{DataDir: t.TempDir(), LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	alice, err := a.CreateAccount(ctx, "alice", "pa")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := a.CreateAccount(ctx, "bob", "pb")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.SignIn(ctx, "alice", "pa")
	if err != nil {
		t.Fatal(err)
	}
	who := BySession(token)

	c := SavedConfig{Name: "Clinic (k=7)", Preset: PresetCustom, Privacy: &PrivacyParams{K: 7, L: 2, Suppression: 3, Method: "mondrian"},
		Roles: map[string]map[string]string{"": {"zip": "quasi-identifier", "birthdate": "quasi", "diagnosis": "sensitive", "ssn": "direct"}}}
	saved, err := a.SaveConfig(ctx, who, c)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Created.IsZero() || saved.Roles[""]["birthdate"] != "quasi-identifier" || saved.Privacy.K != 7 {
		t.Fatalf("saved: %+v", saved)
	}
	replaceByPassphrase(t, a, alice.Address, saved)
	if _, err := a.SaveConfig(ctx, who, c); err != nil {
		t.Fatal(err)
	}
	got, err := a.SavedConfig(ctx, alice.Address, "CLINIC (k=7)")
	if err != nil || got.Privacy == nil || got.Privacy.Method != "mondrian" || got.Roles[""]["ssn"] != "direct-identifier" {
		t.Fatalf("get: %+v %v", got, err)
	}
	othersSeeNone(t, a, bob.Address, c.Name)
	if err := a.DeleteSavedConfig(ctx, who, c.Name); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteSavedConfig(ctx, who, c.Name); marketplace.ErrorCode(err) != marketplace.ENOTFOUND || !strings.Contains(marketplace.ErrorMessage(err), "Clinic (k=7)") {
		t.Fatalf("delete twice: %v", err)
	}
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveConfig(ctx, who, c); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("ended session: %v", err)
	}
}

// replaceByPassphrase: the same name in another case replaces saved (its
// creation time kept), through the CLI's way (alice's passphrase, pa) to
// the same account; a wrong passphrase saves nothing.
func replaceByPassphrase(t *testing.T, a *App, alice common.Address, saved SavedConfig) {
	t.Helper()
	ctx := t.Context()
	c2 := SavedConfig{Name: strings.ToLower(saved.Name), Preset: "safe-harbor", Privacy: &PrivacyParams{K: 9}, Roles: map[string]map[string]string{"Patient": {"gender": "quasi"}}}
	if _, err := a.SaveConfig(ctx, ByAccount("alice", "pa"), c2); err != nil {
		t.Fatal(err)
	}
	list, err := a.SavedConfigs(ctx, alice)
	if err != nil || len(list) != 1 || list[0].Name != c2.Name || list[0].Preset != "safe-harbor" || list[0].Privacy != nil || !list[0].Created.Equal(saved.Created) {
		t.Fatalf("after replace: %+v %v", list, err)
	}
	if _, err := a.SaveConfig(ctx, ByAccount("alice", "wrong"), saved); err == nil {
		t.Fatal("saved with a wrong passphrase")
	}
}

// othersSeeNone: another account (bob, passphrase pb) neither lists, gets
// nor deletes the configuration name of someone else.
func othersSeeNone(t *testing.T, a *App, bob common.Address, name string) {
	t.Helper()
	ctx := t.Context()
	if l, _ := a.SavedConfigs(ctx, bob); len(l) != 0 {
		t.Fatalf("bob sees alice's: %+v", l)
	}
	if _, err := a.SavedConfig(ctx, bob, name); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("bob gets alice's: %v", err)
	}
	if err := a.DeleteSavedConfig(ctx, ByAccount("bob", "pb"), name); marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		t.Fatalf("bob deletes alice's: %v", err)
	}
}

func TestSavedConfigs_refusesBadFieldsAndBounds(t *testing.T) {
	ctx := t.Context()
	a, err := Open(ctx, Options{DataDir: t.TempDir(), LightScrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closeApp(t, a)
	if _, err := a.CreateAccount(ctx, "alice", "pa"); err != nil {
		t.Fatal(err)
	}
	token, sess, err := a.SignIn(ctx, "alice", "pa")
	if err != nil {
		t.Fatal(err)
	}
	who := BySession(token)
	ok := SavedConfig{Name: "ok", Preset: "safe-harbor-k5"}
	with := func(f func(*SavedConfig)) SavedConfig { c := ok; f(&c); return c }
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		c    SavedConfig
		want string // in the message
	}{
		{"empty name", with(func(c *SavedConfig) { c.Name = "  " }), "Name: give"},
		{"long name", with(func(c *SavedConfig) { c.Name = strings.Repeat("a", 65) }), "Name: at most 64"},
		{"name with colon", with(func(c *SavedConfig) { c.Name = "a:b" }), "Name:"},
		{"name with slash", with(func(c *SavedConfig) { c.Name = "../etc" }), "Name:"},
		{"name with star", with(func(c *SavedConfig) { c.Name = "a*" }), "Name:"},
		{"name with a control character", with(func(c *SavedConfig) { c.Name = "a\x00b" }), "Name:"},
		{"name with spaces around", with(func(c *SavedConfig) { c.Name = " a" }), "Name:"},
		{"unknown preset", with(func(c *SavedConfig) { c.Preset = "nope" }), "Preset:"},
		{"custom without privacy", with(func(c *SavedConfig) { c.Preset = PresetCustom }), "Privacy:"},
		{"bad k", with(func(c *SavedConfig) { c.Preset, c.Privacy = PresetCustom, &PrivacyParams{K: 1} }), "k:"},
		{"bad role", with(func(c *SavedConfig) { c.Roles = map[string]map[string]string{"T": {"age": "secret"}} }), "Roles: column age of table T: unknown role"},
		{"long column", with(func(c *SavedConfig) { c.Roles = map[string]map[string]string{"": {long: "quasi"}} }), "Roles: a column name"},
		{"hierarchy file", with(func(c *SavedConfig) {
			c.Hierarchies = map[string]map[string]anonymize.HierarchySpec{"": {"age": {File: "/etc/passwd"}}}
		}), "Hierarchies: column age: only automatic"},
		{"unknown hierarchy", with(func(c *SavedConfig) {
			c.Hierarchies = map[string]map[string]anonymize.HierarchySpec{"": {"age": {Auto: "spiral"}}}
		}), "Hierarchies: column age: unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.SaveConfig(ctx, who, tt.c)
			if marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), tt.want) {
				t.Fatalf("got %v, want EINVALID with %q", err, tt.want)
			}
		})
	}
	if _, err := a.SavedConfig(ctx, sess.Address(), "a:b"); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("get with a bad name: %v", err)
	}
	if err := a.DeleteSavedConfig(ctx, who, ""); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Errorf("delete with a bad name: %v", err)
	}

	// Size: a configuration above MaxSavedConfigBytes is refused.
	big := with(func(c *SavedConfig) {
		cols := map[string]string{}
		for i := range 1000 {
			cols[fmt.Sprintf("column_%04d_%s", i, strings.Repeat("y", 60))] = "quasi"
		}
		c.Roles = map[string]map[string]string{"": cols}
	})
	if _, err := a.SaveConfig(ctx, who, big); marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(marketplace.ErrorMessage(err), "KiB") {
		t.Fatalf("too large: %v", err)
	}
	// Count: MaxSavedConfigs, then a new name is refused, an old one replaced.
	for i := range MaxSavedConfigs {
		if _, err := a.SaveConfig(ctx, who, with(func(c *SavedConfig) { c.Name = fmt.Sprintf("c%02d", i) })); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.SaveConfig(ctx, who, with(func(c *SavedConfig) { c.Name = "one more" })); marketplace.ErrorCode(err) != marketplace.ECONFLICT {
		t.Fatalf("one over the bound: %v", err)
	}
	if _, err := a.SaveConfig(ctx, who, with(func(c *SavedConfig) { c.Name = "C07"; c.Preset = "safe-harbor" })); err != nil {
		t.Fatalf("replace at the bound: %v", err)
	}
}

func TestSavedConfig_yamlLoadsAndBuilds(t *testing.T) {
	c := SavedConfig{Name: "clinic", Preset: PresetCustom, Privacy: &PrivacyParams{K: 2, L: 2, Suppression: 10},
		Roles: map[string]map[string]string{
			"Patient":   {"gender": "quasi", "birthdate": "quasi", "deceased": "sensitive"},
			"Condition": {"code": "sensitive", "gender": "quasi"},
		},
		Hierarchies: map[string]map[string]anonymize.HierarchySpec{"Patient": {"birthdate": {Auto: "date"}}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	y, err := c.YAML("")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := anonymize.LoadConfig(bytes.NewReader(y))
	if err != nil {
		t.Fatalf("load:\n%s\n%v", y, err)
	}
	if cfg.Columns["birthdate"].Hierarchy == nil || cfg.Columns["birthdate"].Hierarchy.Auto != "date" || cfg.Columns["gender"].Role.String() != "quasi-identifier" ||
		cfg.Columns["code"].Role.String() != "sensitive" || cfg.Policy == nil || cfg.Policy.MinK != 2 || cfg.Policy.MinL != 2 {
		t.Fatalf("merged config:\n%s", y)
	}
	pipe, err := cfg.Build(anonymize.Env{})
	if err != nil {
		t.Fatalf("build:\n%s\n%v", y, err)
	}
	// It runs on a table with those columns, with the saved roles.
	csv := "gender,birthdate,deceased\nF,1970-01-02,no\nF,1970-03-04,yes\nM,1980-05-06,no\nM,1980-07-08,yes\n"
	patients, err := anonymize.ReadCSV(strings.NewReader(csv), anonymize.CSVOptions{Name: "Patient"})
	if err != nil {
		t.Fatal(err)
	}
	conditions, err := anonymize.ReadCSV(strings.NewReader("code,gender\nE11,F\nI10,F\nE11,M\nJ45,M\n"), anonymize.CSVOptions{Name: "Condition"})
	if err != nil {
		t.Fatal(err)
	}
	results, err := pipe.RunAll(t.Context(), []*anonymize.Table{patients, conditions})
	if err != nil {
		t.Fatal(err)
	}
	// k = 2 leaves a risk of 1/2, above the default 20 %: the saved
	// settings pass every check but that one, which the publisher accepts.
	if res := results[0]; res.Verdict.Pass || res.Verdict.Risk == nil || !res.Verdict.Risk.Alone || res.Report.MinClassSize < 2 {
		t.Fatalf("run: pass %v k %d %v", res.Verdict.Pass, res.Report.MinClassSize, res.Verdict.Reasons)
	}
	if col := results[0].Table.Column("deceased"); col == nil || col.Role != anonymize.RoleSensitive {
		t.Fatalf("saved role not applied: %+v", col)
	}
}

// A column with two roles cannot go in one config; one table can; a new
// file gets the roles of its own table, without the columns it lacks.
func TestSavedConfig_yamlOfOneTableAndRolesFor(t *testing.T) {
	c := SavedConfig{Name: "clinic", Preset: "safe-harbor-k5",
		Roles: map[string]map[string]string{
			"Patient":   {"gender": "quasi-identifier", "birthdate": "quasi-identifier", "deceased": "sensitive"},
			"Condition": {"code": "sensitive", "gender": "quasi-identifier"},
		}}
	c.Roles["Condition"]["gender"] = "insensitive"
	if _, err := c.YAML(""); marketplace.ErrorCode(err) != marketplace.EINVALID || !strings.Contains(err.Error(), "column gender") {
		t.Fatalf("conflict: %v", err)
	}
	y, err := c.YAML("Condition")
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := anonymize.LoadConfig(bytes.NewReader(y)); err != nil || cfg.Columns["gender"].Role.String() != "insensitive" || cfg.Columns["birthdate"].Role != nil {
		t.Fatalf("one table:\n%s %v", y, err)
	}
	if _, err := c.YAML("Nope"); marketplace.ErrorCode(err) != marketplace.EINVALID {
		t.Fatalf("unknown table: %v", err)
	}

	// Roles for a new file: its own table's, missing columns ignored.
	roles, ignored := c.RolesFor("Patient", []string{"gender", "zip"})
	if len(roles) != 1 || roles["gender"] != "quasi-identifier" || strings.Join(ignored, ",") != "birthdate,deceased" {
		t.Fatalf("roles for Patient: %v ignored %v", roles, ignored)
	}
	if roles, _ := c.RolesFor("Observation", []string{"gender"}); len(roles) != 0 {
		t.Fatalf("a table the config lacks: %v", roles)
	}
	one := SavedConfig{Roles: map[string]map[string]string{"": {"zip": "quasi-identifier"}}}
	if roles, _ := one.RolesFor("Patient", []string{"zip"}); roles["zip"] != "quasi-identifier" {
		t.Fatalf("a one-table config applies to any one table: %v", roles)
	}
}
