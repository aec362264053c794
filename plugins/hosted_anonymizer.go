package plugins

import (
	"context"
	"fmt"
	"slices"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/plugins/anonymizer"
)

// Anonymizer returns the trusted third-party anonymizer called name. The
// plugin starts on first use, after its hash is checked.
func (h *Host) Anonymizer(name string) anonymizer.Anonymizer {
	return &hostedAnonymizer{h: h, ref: Ref{Name: name, Kind: KindAnonymizer}}
}

// Isolated returns the built-in transform name running in a process of its
// own (this binary re-executed).
func (h *Host) Isolated(name string) anonymizer.Anonymizer {
	return &hostedAnonymizer{h: h, ref: Ref{Name: name, Builtin: true, Kind: KindAnonymizer}}
}

type hostedAnonymizer struct {
	h   *Host
	ref Ref
}

func (a *hostedAnonymizer) Describe(ctx context.Context) (anonymize.Descriptor, error) {
	var d anonymize.Descriptor
	err := a.h.Call(ctx, a.ref, func(ctx context.Context, s any) error {
		an, err := asAnonymizer(s)
		if err != nil {
			return err
		}
		d, err = an.Describe(ctx)
		return err
	})
	return d, err
}

func asAnonymizer(s any) (anonymizer.Anonymizer, error) {
	an, ok := s.(anonymizer.Anonymizer)
	if !ok {
		return nil, fmt.Errorf("the service is %T, not an anonymizer", s)
	}
	return an, nil
}

func (a *hostedAnonymizer) New(ctx context.Context, p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
	var t anonymize.Transform
	err := a.h.Call(ctx, a.ref, func(ctx context.Context, s any) error {
		an, err := asAnonymizer(s)
		if err != nil {
			return err
		}
		t, err = an.New(ctx, p, env)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &hostedTransform{a: a, desc: t.Describe(), params: p, env: env}, nil
}

// hostedTransform is a configured plugin transform that survives restarts
// of its plugin: each Apply configures it on the running process.
type hostedTransform struct {
	a      *hostedAnonymizer
	desc   anonymize.Descriptor
	params anonymize.Params
	env    anonymize.Env
}

func (t *hostedTransform) Describe() anonymize.Descriptor { return t.desc }

func (t *hostedTransform) Apply(ctx context.Context, in *anonymize.Table) (*anonymize.Table, error) {
	out, _, err := t.Anonymize(ctx, in)
	return out, err
}

// Anonymize implements anonymize.Searcher: a privacy step running in a
// plugin reports its search as it would in process.
func (t *hostedTransform) Anonymize(ctx context.Context, in *anonymize.Table) (*anonymize.Table, *anonymize.SearchResult, error) {
	var out *anonymize.Table
	var search *anonymize.SearchResult
	err := t.a.h.Call(ctx, t.a.ref, func(ctx context.Context, s any) error {
		an, err := asAnonymizer(s)
		if err != nil {
			return err
		}
		tr, err := an.New(ctx, t.params, t.env)
		if err != nil {
			return err
		}
		if sr, ok := tr.(anonymize.Searcher); ok {
			out, search, err = sr.Anonymize(ctx, in)
		} else {
			out, err = tr.Apply(ctx, in)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, search, nil
}

// ApplyCounted implements anonymize.CountingTransform: a scrubber running
// in a plugin (an isolated scrub-notes or Safe Harbor) sends back what it
// replaced in each column, so the pipeline's report counts it as in
// process; nil counts when the plugin's transform does not count (a
// third-party scrubber, or any other transform).
func (t *hostedTransform) ApplyCounted(ctx context.Context, in *anonymize.Table) (*anonymize.Table, map[string]anonymize.ScrubCounts, error) {
	var out *anonymize.Table
	var counts map[string]anonymize.ScrubCounts
	err := t.a.h.Call(ctx, t.a.ref, func(ctx context.Context, s any) error {
		an, err := asAnonymizer(s)
		if err != nil {
			return err
		}
		tr, err := an.New(ctx, t.params, t.env)
		if err != nil {
			return err
		}
		if ct, ok := tr.(anonymize.CountingTransform); ok {
			out, counts, err = ct.ApplyCounted(ctx, in)
		} else {
			out, err = tr.Apply(ctx, in)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, counts, nil
}

// Transforms returns the transforms pipelines run through this host may
// name (Env.Transforms): the built-ins and the anonymizers registered with
// RegisterAnonymizers. Other hosts do not see them.
func (h *Host) Transforms() *anonymize.Transforms {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.transforms
}

// RegisterAnonymizers makes the host's Transforms the built-ins and every
// trusted third-party anonymizer under its name, as the allow-list says
// now, so pipeline configs can use them; the plugins start on first use.
// Names of built-ins are not overridden. A host lives as long as its App,
// so each call starts from the built-ins again: a plugin untrusted since
// the last call is no longer named. Pipelines built from an earlier
// Transforms keep it.
func (h *Host) RegisterAnonymizers() ([]string, error) {
	if h.trust.Path == "" {
		return nil, nil
	}
	list, err := h.trust.Load()
	if err != nil {
		return nil, err
	}
	set := anonymize.NewTransforms()
	var names []string
	for _, e := range list {
		if anonymizer.IsBuiltin(e.Name) || (len(e.Kinds) > 0 && !slices.Contains(e.Kinds, KindAnonymizer)) {
			continue
		}
		a := h.Anonymizer(e.Name)
		set.Register(e.Name, func(p anonymize.Params, env anonymize.Env) (anonymize.Transform, error) {
			// Third-party plugins get no publisher secret.
			return a.New(context.Background(), p, anonymize.Env{})
		})
		names = append(names, e.Name)
	}
	h.mu.Lock()
	h.transforms = set
	h.mu.Unlock()
	return names, nil
}

// Isolate replaces the built-in steps of pl (built from cfg) with the same
// transforms running isolated, each in a process of its own, configured
// with the step's parameters from cfg. Third-party steps already run in
// their plugins.
func (h *Host) Isolate(ctx context.Context, cfg *anonymize.Config, pl *anonymize.Pipeline, env anonymize.Env) error {
	steps := cfg.Transforms
	if len(steps) == 0 && cfg.Preset != "" {
		p, err := anonymize.Preset(cfg.Preset)
		if err != nil {
			return err
		}
		steps = p.Transforms
	}
	j := 0
	for i, s := range pl.Steps {
		for j < len(steps) && steps[j].Name != s.Name {
			j++
		}
		if j == len(steps) {
			return fmt.Errorf("isolate: step %d (%s) is not in the config", i+1, s.Name)
		}
		if anonymizer.IsBuiltin(s.Name) {
			params := steps[j].Params
			if s.Params != nil {
				params = s.Params // as built: with what the environment filled in
			}
			t, err := h.Isolated(s.Name).New(ctx, params, anonymize.Env{Secret: env.Secret})
			if err != nil {
				return fmt.Errorf("step %d (%s): %w", i+1, s.Name, err)
			}
			pl.Steps[i].Transform = t
		}
		j++
	}
	return nil
}
