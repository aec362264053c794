package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/store"
)

// Saved configurations: a publisher (a patient, a clinic) keeps the release
// configuration of one file, the preset, its privacy model, the column
// roles per table and the hierarchies, under a name, to reuse it for the
// next file: in the wizard (it fills in the choices) and in the CLI (its
// YAML is what `medmarket anonymize --config FILE` reads). They are local
// settings of this node, kept per account in its store, never on chain.

// Bounds of saved configurations, per account.
const (
	MaxSavedConfigs        = 50       // configurations per account
	MaxSavedConfigBytes    = 64 << 10 // one configuration, encoded
	MaxSavedConfigNameLen  = 64       // characters of a name
	maxSavedConfigTableLen = 128      // characters of a table or column name
)

// SavedConfig is a release configuration as an account keeps it.
type SavedConfig struct {
	// Name is unique per account, case aside: letters, digits, spaces and
	// - _ . ( ) + = ,, starting with a letter or a digit, at most
	// MaxSavedConfigNameLen characters.
	Name string
	// Preset is "safe-harbor", "safe-harbor-k5" or PresetCustom, whose
	// privacy model is Privacy (nil for the others).
	Preset  string
	Privacy *PrivacyParams
	// Roles are the column roles per table (table -> column -> role:
	// "direct", "quasi", "sensitive" or "insensitive", or their long
	// names); the table "" is a one-table file such as a CSV.
	Roles map[string]map[string]string
	// Hierarchies are the generalization hierarchies of quasi-identifiers
	// per table, automatic ones only (a file's hierarchy would name a file
	// the configuration does not carry). A quasi-identifier without one
	// gets the automatic hierarchy.
	Hierarchies map[string]map[string]anonymize.HierarchySpec
	// Created and Updated are set by the store.
	Created, Updated time.Time
}

// savedConfigBody is a SavedConfig as the store keeps it (JSON).
type savedConfigBody struct {
	Preset      string                                        `json:"preset"`
	Privacy     *savedPrivacy                                 `json:"privacy,omitempty"`
	Roles       map[string]map[string]string                  `json:"roles,omitempty"`
	Hierarchies map[string]map[string]anonymize.HierarchySpec `json:"hierarchies,omitempty"`
}

type savedPrivacy struct {
	K           int     `json:"k"`
	L           int     `json:"l,omitempty"`
	T           float64 `json:"t,omitempty"`
	Suppression float64 `json:"suppression,omitempty"`
	Method      string  `json:"method,omitempty"`
}

// ValidateConfigName checks a saved configuration's name, or EINVALID
// naming the field and what is wrong.
func ValidateConfigName(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case strings.TrimSpace(name) == "":
		return marketplace.Errorf(marketplace.EINVALID, "Name: give the configuration a name.")
	case n > MaxSavedConfigNameLen:
		return marketplace.Errorf(marketplace.EINVALID, "Name: at most %d characters (got %d).", MaxSavedConfigNameLen, n)
	case name != strings.TrimSpace(name):
		return marketplace.Errorf(marketplace.EINVALID, "Name: %q starts or ends with a space.", name)
	}
	for i, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r)
		if i > 0 && !ok {
			ok = strings.ContainsRune(" -_.()+=,", r)
		}
		if !ok {
			return marketplace.Errorf(marketplace.EINVALID, "Name: %q may hold letters, digits, spaces and - _ . ( ) + = , and starts with a letter or a digit (not %q).", name, r)
		}
	}
	return nil
}

// Validate checks every field, or EINVALID naming the field (and the table
// and column) and the reason. It normalizes roles to their long names and
// drops Privacy for presets other than PresetCustom.
func (c *SavedConfig) Validate() error {
	if err := ValidateConfigName(c.Name); err != nil {
		return err
	}
	switch {
	case c.Preset == PresetCustom:
		if c.Privacy == nil {
			return marketplace.Errorf(marketplace.EINVALID, "Privacy: the custom preset needs k and the other settings.")
		}
		if err := c.Privacy.Validate(); err != nil {
			return err
		}
	case slices.Contains(anonymize.Presets(), c.Preset):
		c.Privacy = nil
	default:
		return marketplace.Errorf(marketplace.EINVALID, "Preset: choose one of %s, or %s (got %q).", strings.Join(anonymize.Presets(), ", "), PresetCustom, c.Preset)
	}
	roles := map[string]map[string]string{}
	for table, cols := range c.Roles {
		if err := checkConfigNames(table, cols); err != nil {
			return err
		}
		norm := map[string]string{}
		for col, v := range cols {
			var role anonymize.Role
			if err := role.UnmarshalText([]byte(v)); err != nil {
				return marketplace.Errorf(marketplace.EINVALID, "Roles: column %s%s: unknown role %q (want one of %s).", col, inTable(table), v, strings.Join(ColumnRoles(), ", "))
			}
			norm[col] = role.String()
		}
		roles[table] = norm
	}
	c.Roles = roles
	for table, hs := range c.Hierarchies {
		if err := checkConfigNames(table, hs); err != nil {
			return err
		}
		for col, h := range hs {
			if err := checkSavedHierarchy(h); err != nil {
				return marketplace.Errorf(marketplace.EINVALID, "Hierarchies: column %s%s: %s", col, inTable(table), err.Error())
			}
		}
	}
	return nil
}

// inTable names a table in a message ("" is the one table of a CSV).
func inTable(table string) string {
	if table == "" {
		return ""
	}
	return " of table " + table
}

// checkConfigNames checks the table and column names of one table's map.
func checkConfigNames[V any](table string, cols map[string]V) error {
	if utf8.RuneCountInString(table) > maxSavedConfigTableLen {
		return marketplace.Errorf(marketplace.EINVALID, "Roles: table name %.20q… is longer than %d characters.", table, maxSavedConfigTableLen)
	}
	for col := range cols {
		if col == "" || utf8.RuneCountInString(col) > maxSavedConfigTableLen {
			return marketplace.Errorf(marketplace.EINVALID, "Roles: a column name%s is empty or longer than %d characters.", inTable(table), maxSavedConfigTableLen)
		}
	}
	return nil
}

// checkSavedHierarchy accepts the automatic hierarchies only.
func checkSavedHierarchy(h anonymize.HierarchySpec) error {
	switch {
	case h.File != "":
		return fmt.Errorf("only automatic hierarchies (interval, date, zip, flat, auto) can be saved, not the file %q", h.File)
	case !slices.Contains([]string{"interval", "date", "zip", "flat", "auto"}, h.Auto):
		return fmt.Errorf("unknown automatic hierarchy %q (interval, date, zip, flat, auto)", h.Auto)
	case h.Width < 0 || h.Factor < 0:
		return fmt.Errorf("width and factor may not be negative")
	}
	return nil
}

// Tables returns the tables the configuration names, sorted ("" first).
func (c SavedConfig) Tables() []string {
	set := map[string]bool{}
	for t := range c.Roles {
		set[t] = true
	}
	for t := range c.Hierarchies {
		set[t] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// RolesFor returns the saved roles for a table with the given columns: the
// table's own, or when the configuration has just one table, that one's
// (a configuration made on one file applies to the next file whatever its
// name). Roles of columns the table lacks are left out, and their columns
// returned in ignored (sorted): a new file need not have every column.
func (c SavedConfig) RolesFor(table string, columns []string) (roles map[string]string, ignored []string) {
	saved, ok := c.Roles[table]
	if !ok && len(c.Roles) == 1 {
		for _, only := range c.Roles {
			saved = only
		}
	}
	roles = map[string]string{}
	for col, role := range saved {
		if slices.Contains(columns, col) {
			roles[col] = role
		} else {
			ignored = append(ignored, col)
		}
	}
	slices.Sort(ignored)
	return roles, ignored
}

// Config returns the pipeline config of table ("": every table's columns
// in one config, as `anonymize --config` applies it to every table that
// has them), or EINVALID when a column has different roles or hierarchies
// in two tables (then export one table), or the table is not in it.
func (c SavedConfig) Config(table string) (*anonymize.Config, error) {
	tables := c.Tables()
	if table != "" {
		if !slices.Contains(tables, table) {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Table: configuration %q has no table %q (it has: %s).", c.Name, table, strings.Join(quoteAll(tables), ", "))
		}
		tables = []string{table}
	}
	roles, hier := map[string]string{}, map[string]anonymize.HierarchySpec{}
	from := map[string]string{} // column -> the table its role came from
	for _, t := range tables {
		for col, role := range c.Roles[t] {
			if prev, ok := roles[col]; ok && prev != role {
				return nil, marketplace.Errorf(marketplace.EINVALID, "Table: column %s is %s in table %q and %s in table %q; export one table.", col, prev, from[col], role, t)
			}
			roles[col], from[col] = role, t
		}
		for col, h := range c.Hierarchies[t] {
			if prev, ok := hier[col]; ok && prev != h {
				return nil, marketplace.Errorf(marketplace.EINVALID, "Table: column %s has different hierarchies in two tables; export one table.", col)
			}
			hier[col] = h
		}
	}
	cfg, err := presetConfig(c.Preset, c.Privacy, roles)
	if err != nil {
		return nil, err
	}
	if len(hier) > 0 && cfg.Columns == nil {
		cfg.Columns = map[string]anonymize.ColumnConfig{}
	}
	for col, h := range hier {
		cc := cfg.Columns[col]
		cc.Hierarchy = &h
		cfg.Columns[col] = cc
	}
	return cfg, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// YAML returns Config(table) as the YAML `medmarket anonymize --config
// FILE` reads, with a comment naming the configuration.
func (c SavedConfig) YAML(table string) ([]byte, error) {
	cfg, err := c.Config(table)
	if err != nil {
		return nil, err
	}
	b, err := cfg.Marshal()
	if err != nil {
		return nil, fmt.Errorf("write configuration %q as YAML: %w", c.Name, err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# medmarket saved configuration %q", c.Name)
	if table != "" {
		fmt.Fprintf(&buf, ", table %q", table)
	}
	buf.WriteString("\n# use: medmarket anonymize --config FILE --in RECORDS --out OUTPUT\n")
	buf.Write(b)
	return buf.Bytes(), nil
}

// SaveConfig keeps c for who's account (a signed-in session, or an account
// unlocked with its passphrase), replacing its configuration of the same
// name, case aside. EINVALID names the field at fault (see Validate), or
// a configuration larger than MaxSavedConfigBytes; ECONFLICT when the
// account already holds MaxSavedConfigs others.
func (a *App) SaveConfig(ctx context.Context, who Actor, c SavedConfig) (SavedConfig, error) {
	if err := c.Validate(); err != nil {
		return SavedConfig{}, err
	}
	owner, err := a.accountOf(ctx, who)
	if err != nil {
		return SavedConfig{}, err
	}
	body := savedConfigBody{Preset: c.Preset, Roles: c.Roles, Hierarchies: c.Hierarchies}
	if p := c.Privacy; p != nil {
		body.Privacy = &savedPrivacy{K: p.K, L: p.L, T: p.T, Suppression: p.Suppression, Method: p.Method}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return SavedConfig{}, fmt.Errorf("encode configuration %q: %w", c.Name, err)
	}
	if len(b) > MaxSavedConfigBytes {
		return SavedConfig{}, marketplace.Errorf(marketplace.EINVALID, "Roles: configuration %q takes %d KiB, more than the %d KiB this node keeps; leave out tables you do not publish.",
			c.Name, len(b)>>10, MaxSavedConfigBytes>>10)
	}
	rec, err := a.store.PutSavedConfig(ctx, store.SavedConfig{Owner: owner, Name: c.Name, Body: b}, a.asOf(), MaxSavedConfigs)
	if err != nil {
		return SavedConfig{}, err
	}
	a.log.Info("configuration saved", "account", owner, "name", c.Name, "preset", c.Preset, "tables", len(c.Tables()))
	return savedConfigOf(rec)
}

// SavedConfigs returns the configurations owner saved on this node, by
// name (case aside).
func (a *App) SavedConfigs(ctx context.Context, owner common.Address) ([]SavedConfig, error) {
	recs, err := a.store.SavedConfigs(ctx, owner)
	if err != nil {
		return nil, err
	}
	out := make([]SavedConfig, 0, len(recs))
	for _, r := range recs {
		c, err := savedConfigOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SavedConfig returns owner's configuration called name (case aside);
// EINVALID for a name no configuration can have, ENOTFOUND naming it.
func (a *App) SavedConfig(ctx context.Context, owner common.Address, name string) (SavedConfig, error) {
	if err := ValidateConfigName(name); err != nil {
		return SavedConfig{}, err
	}
	rec, err := a.store.SavedConfig(ctx, owner, name)
	if err != nil {
		return SavedConfig{}, err
	}
	return savedConfigOf(rec)
}

// DeleteSavedConfig deletes who's configuration called name (case aside);
// EINVALID for a name no configuration can have, ENOTFOUND naming it.
func (a *App) DeleteSavedConfig(ctx context.Context, who Actor, name string) error {
	if err := ValidateConfigName(name); err != nil {
		return err
	}
	owner, err := a.accountOf(ctx, who)
	if err != nil {
		return err
	}
	if err := a.store.DeleteSavedConfig(ctx, owner, name); err != nil {
		return err
	}
	a.log.Info("configuration deleted", "account", owner, "name", name)
	return nil
}

// savedConfigOf decodes a stored configuration.
func savedConfigOf(r store.SavedConfig) (SavedConfig, error) {
	var b savedConfigBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
		return SavedConfig{}, fmt.Errorf("decode saved configuration %q: %w", r.Name, err)
	}
	c := SavedConfig{Name: r.Name, Preset: b.Preset, Roles: b.Roles, Hierarchies: b.Hierarchies, Created: r.Created, Updated: r.Updated}
	if p := b.Privacy; p != nil {
		c.Privacy = &PrivacyParams{K: p.K, L: p.L, T: p.T, Suppression: p.Suppression, Method: p.Method}
	}
	return c, nil
}

// accountOf is the address of who's account: a signed-in session's, or an
// account unlocked with its passphrase (the CLI).
func (a *App) accountOf(ctx context.Context, who Actor) (common.Address, error) {
	if who.token != "" {
		sess, err := a.Session(ctx, who.token)
		if err != nil {
			return common.Address{}, err
		}
		return sess.Address(), nil
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return common.Address{}, err
	}
	defer release()
	return sg.Address(), nil
}
