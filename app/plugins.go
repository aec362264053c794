package app

import (
	"context"
	"errors"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/plugins"
)

// newPluginHost is the one place a plugin host is made: one per App (Open,
// closed by Close) and one per standalone Anonymizer (NewAnonymizer, for
// the CLI commands that run without opening the node). It knows trials'
// built-in recorders, so that listings show them and no plugin takes
// their names.
func newPluginHost(dataDir string, opt plugins.Options) (*plugins.Host, error) {
	opt.DataDir = dataDir
	opt.BuiltinRecorders = builtinRecorders()
	return plugins.NewHost(opt)
}

// ServeBuiltinPlugin serves the built-in transform or trial recorder name
// as a plugin, for the host that re-executes this binary ("medmarket
// plugin-serve NAME"); it returns only when there is no such built-in.
func ServeBuiltinPlugin(name string) error {
	rec, ok := builtinRecorder(name)
	if !ok {
		return plugins.ServeBuiltin(name, nil)
	}
	return plugins.ServeBuiltin(name, rec)
}

// Plugins lists the built-in transforms, then the allow-listed plugins and
// the binaries found in the plugin directories, with hash and trust state.
func (a *Anonymizer) Plugins(ctx context.Context) ([]plugins.Info, error) {
	list, err := a.host.List(ctx)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Cannot read the plugin allow-list")
	}
	return list, nil
}

// TrustPlugin pins the plugin binary at path by its SHA-256 under name
// (default: the name the plugin gives itself), after checking that it runs
// as a medmarket plugin.
func (a *Anonymizer) TrustPlugin(ctx context.Context, path, name string) (plugins.TrustEntry, error) {
	e, err := a.host.TrustPlugin(ctx, path, name)
	if errors.Is(err, anonymize.ErrInvalid) {
		return e, marketplace.Errorf(marketplace.EINVALID, "%v", err)
	}
	return e, err
}

// UntrustPlugin removes name from the allow-list; ENOTFOUND when it is not there.
func (a *Anonymizer) UntrustPlugin(name string) error {
	err := a.host.Untrust(name)
	if errors.Is(err, plugins.ErrUntrusted) {
		return marketplace.Errorf(marketplace.ENOTFOUND, "No trusted plugin called %q.", name)
	}
	return err
}

// openPlugins composes the App's plugin host, used by every publish and
// trial import of the App.
func (a *App) openPlugins() error {
	h, err := newPluginHost(a.dataDir, plugins.Options{})
	if err != nil {
		return err
	}
	a.plugins = h
	return nil
}

// closePlugins stops every plugin the App's host started and removes its
// socket directory (nothing to do before openPlugins).
func (a *App) closePlugins() error {
	if a.plugins == nil {
		return nil
	}
	return a.plugins.Close()
}
