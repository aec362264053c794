package app

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// config resolves the pipeline config and the engine environment.
func (req *AnonymizeRequest) config() (*anonymize.Config, anonymize.Env, error) {
	env := anonymize.Env{Secret: req.Secret, AsOf: req.AsOf}
	cfg := &anonymize.Config{}
	// Hierarchy files in a config are relative to it; files from flags are
	// made absolute below.
	env.Open = openRelativeTo(".")
	if req.ConfigFile != "" {
		var err error
		if cfg, env.Open, err = loadConfigFile(req.ConfigFile, "--config"); err != nil {
			return nil, env, err
		}
	} else if req.Preset == "" && req.K == 0 {
		return nil, env, marketplace.Errorf(marketplace.EINVALID, "No pipeline given: use --config FILE, --preset (%s) or --k N with --qi.", strings.Join(anonymize.Presets(), ", "))
	}
	if req.Preset != "" {
		if _, err := anonymize.Preset(req.Preset); err != nil {
			return nil, env, engineError("--preset", err)
		}
		cfg.Preset = req.Preset
	}
	if cfg.Columns == nil {
		cfg.Columns = map[string]anonymize.ColumnConfig{}
	}
	setRole := func(names []string, role anonymize.Role) {
		for _, n := range names {
			c := cfg.Columns[n]
			r := role
			c.Role = &r
			cfg.Columns[n] = c
		}
	}
	setRole(req.QuasiIdentifiers, anonymize.RoleQuasi)
	setRole(req.Sensitive, anonymize.RoleSensitive)
	if len(req.QuasiIdentifiers) > 0 {
		// The quasi-identifiers given are all of them.
		off := false
		cfg.SuggestRoles = &off
	}
	for col, file := range req.Hierarchies {
		abs, err := filepath.Abs(file)
		if err != nil {
			return nil, env, marketplace.Errorf(marketplace.EINVALID, "--hierarchy %s: %v", col, err)
		}
		c := cfg.Columns[col]
		c.Hierarchy = &anonymize.HierarchySpec{File: abs}
		cfg.Columns[col] = c
	}
	if req.K > 0 {
		if len(cfg.Transforms) == 0 && cfg.Preset != "" {
			p, _ := anonymize.Preset(cfg.Preset)
			cfg.Transforms = p.Transforms
			if cfg.Policy == nil {
				cfg.Policy = p.Policy
			}
		}
		found := false
		for i, t := range cfg.Transforms {
			if t.Name == "privacy" {
				p := anonymize.Params{}
				for k, v := range t.Params {
					p[k] = v
				}
				p["k"] = req.K
				cfg.Transforms[i].Params = p
				found = true
			}
		}
		if !found {
			cfg.Transforms = append(cfg.Transforms, anonymize.TransformConfig{Name: "privacy", Params: anonymize.Params{"k": req.K}})
		}
		if cfg.Policy == nil {
			cfg.Policy = &anonymize.Policy{}
		}
		pol := *cfg.Policy
		pol.MinK = max(pol.MinK, req.K)
		cfg.Policy = &pol
	}
	return cfg, env, nil
}

// PresetCustom names the wizard's custom preset: Safe Harbor, then the
// privacy model the publisher chose (PrivacyParams).
const PresetCustom = "custom"

// PrivacyParams are the custom preset's privacy model.
type PrivacyParams struct {
	K           int     // k-anonymity: each record looks like at least K-1 others (2..1000)
	L           int     // distinct l-diversity of each sensitive column (0: none)
	T           float64 // t-closeness of each sensitive column (0: none; else up to 1)
	Suppression float64 // the largest share of rows the search may remove, in percent (0..50)
	Method      string  // "optimal" (full-domain search, default) or "mondrian" (local recoding)
}

// Validate checks each field's range, or EINVALID naming the field.
func (p PrivacyParams) Validate() error {
	switch {
	case p.K < 2 || p.K > 1000:
		return marketplace.Errorf(marketplace.EINVALID, "k: a whole number from 2 to 1000 (got %d).", p.K)
	case p.L < 0 || p.L > 100:
		return marketplace.Errorf(marketplace.EINVALID, "l: a whole number from 0 (none) to 100 (got %d).", p.L)
	case p.L > p.K:
		return marketplace.Errorf(marketplace.EINVALID, "l: at most k (%d): a group of k records cannot hold more than k distinct values.", p.K)
	case p.T < 0 || p.T > 1:
		return marketplace.Errorf(marketplace.EINVALID, "t: a number from 0 (none) to 1 (got %v).", p.T)
	case p.Suppression < 0 || p.Suppression > 50:
		return marketplace.Errorf(marketplace.EINVALID, "Suppression: a percentage from 0 to 50 (got %v).", p.Suppression)
	}
	switch p.Method {
	case "", string(anonymize.MethodOptimal), string(anonymize.MethodMondrian):
		return nil
	}
	return marketplace.Errorf(marketplace.EINVALID, "Method: optimal or mondrian (got %q).", p.Method)
}

// config is the pipeline of the custom preset, or EINVALID naming the field.
func (p PrivacyParams) config() (*anonymize.Config, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	method := anonymize.MethodOptimal
	if p.Method == string(anonymize.MethodMondrian) {
		method = anonymize.MethodMondrian
	}
	params := anonymize.Params{"k": p.K, "suppression_limit": p.Suppression / 100, "method": string(method)}
	pol := &anonymize.Policy{MinK: p.K, MinL: p.L, MaxT: p.T}
	if p.L > 0 {
		params["l"] = p.L
	}
	if p.T > 0 {
		params["t"] = p.T
	}
	// On the safe-harbor preset, whose steps and policy these replace: like
	// it, record identifiers are pseudonymized only with a publisher secret.
	return &anonymize.Config{Preset: "safe-harbor", Transforms: []anonymize.TransformConfig{{Name: "pseudonymize"}, {Name: "safe-harbor"}, {Name: "privacy", Params: params}},
		Policy: pol}, nil
}

// presetConfig returns the pipeline of a preset (custom: with privacy,
// which the other presets ignore) with the column roles the user chose:
// the one place the wizard's choices become an anonymize.Config.
func presetConfig(preset string, privacy *PrivacyParams, roles map[string]string) (*anonymize.Config, error) {
	var cfg *anonymize.Config
	var err error
	if preset == PresetCustom {
		if privacy == nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Custom preset: choose k and the other settings.")
		}
		if cfg, err = privacy.config(); err != nil {
			return nil, err
		}
	} else if cfg, err = anonymize.Preset(preset); err != nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Preset: choose one of %s, or %s.", strings.Join(anonymize.Presets(), ", "), PresetCustom)
	}
	if len(roles) == 0 {
		return cfg, nil
	}
	c := *cfg
	c.Columns = map[string]anonymize.ColumnConfig{}
	for k, v := range cfg.Columns {
		c.Columns[k] = v
	}
	for col, v := range roles {
		var role anonymize.Role
		if err := role.UnmarshalText([]byte(v)); err != nil {
			return nil, marketplace.Errorf(marketplace.EINVALID, "Column %s: unknown role %q.", col, v)
		}
		cc := c.Columns[col]
		cc.Role = &role
		if role == anonymize.RoleQuasi && cc.Hierarchy == nil {
			cc.Hierarchy = &anonymize.HierarchySpec{Auto: "auto"}
		}
		c.Columns[col] = cc
	}
	return &c, nil
}

// pipelineConfig is the publish's pipeline config, built here from what
// the publisher chose (a config file, or a preset with its privacy model
// and column roles), and the environment to build it in (hierarchy files
// of a config file are relative to it).
func (req *PublishRequest) pipelineConfig() (*anonymize.Config, anonymize.Env, error) {
	env := anonymize.Env{Secret: req.Secret}
	var cfg *anonymize.Config
	switch {
	case req.ConfigFile != "":
		var err error
		if cfg, env.Open, err = loadConfigFile(req.ConfigFile, "Config"); err != nil {
			return nil, env, err
		}
	case req.Preset == "":
		return nil, env, marketplace.Errorf(marketplace.EINVALID, "Preset: choose one of %s, or a pipeline config.", strings.Join(anonymize.Presets(), ", "))
	default:
		var err error
		if cfg, err = presetConfig(req.Preset, req.Privacy, req.Roles); err != nil {
			return nil, env, err
		}
	}
	if req.Policy != nil {
		c := *cfg
		c.Policy = req.Policy
		cfg = &c
	}
	return cfg, env, nil
}

// loadConfigFile reads a pipeline config (YAML) and returns it with the
// opener of the hierarchy files it names, relative to it. flag names the
// setting in errors.
func loadConfigFile(path, flag string) (*anonymize.Config, func(string) (io.ReadCloser, error), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, marketplace.Errorf(marketplace.EINVALID, "%s: %v", flag, err)
	}
	cfg, err := anonymize.LoadConfig(f)
	f.Close()
	if err != nil {
		return nil, nil, engineError(path, err)
	}
	return cfg, openRelativeTo(filepath.Dir(path)), nil
}

// openRelativeTo opens files named relative to base.
func openRelativeTo(base string) func(string) (io.ReadCloser, error) {
	return func(name string) (io.ReadCloser, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(base, name)
		}
		return os.Open(name)
	}
}
