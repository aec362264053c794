package app

import (
	"context"
	"errors"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/plugins"
)

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

// closeHost stops a plugin host used for one call. Its plugins are killed
// whatever happens; what can fail is removing its socket directory, worth a
// warning but not the call's result.
func (a *App) closeHost(h *plugins.Host) {
	if err := h.Close(); err != nil {
		a.log.Warn("close plugin host", "err", err)
	}
}
