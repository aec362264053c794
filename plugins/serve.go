package plugins

import (
	"fmt"

	"github.com/hashicorp/go-plugin"

	"github.com/medmarket/medmarket/plugins/anonymizer"
	"github.com/medmarket/medmarket/plugins/handshake"
	"github.com/medmarket/medmarket/plugins/recorder"
)

// ServeBuiltin serves, as an isolated plugin, the built-in transform of
// package anonymize called name, and rec (when not nil) as the built-in
// recorder of that name; "medmarket plugin-serve NAME" calls it through
// app, which adapts marketplace/trials' recorders. It returns an error
// when there is nothing to serve, and otherwise never returns.
func ServeBuiltin(name string, rec recorder.Recorder) error {
	set := map[handshake.Kind]plugin.Plugin{}
	if anonymizer.IsBuiltin(name) {
		set[KindAnonymizer] = &anonymizer.Plugin{Impl: anonymizer.Builtin(name)}
	}
	if rec != nil {
		set[KindRecorder] = &recorder.Plugin{Impl: rec}
	}
	if len(set) == 0 {
		return fmt.Errorf("no built-in transform or recorder %q", name)
	}
	handshake.Serve(set)
	return nil
}
