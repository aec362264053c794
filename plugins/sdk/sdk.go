// Package sdk is what a third-party medmarket plugin needs: its main is
//
//	func main() { sdk.ServeAnonymizer(&MyTransform{}) }
//
// where MyTransform implements anonymize.Transform. Parameters from a
// pipeline config are decoded (by their json tags) over a copy of the value
// given, for every call. Build the binary, then let the user pin it:
// "medmarket plugins trust ./my-plugin". The host starts it with no
// environment of its own, a private socket directory and per-call
// deadlines, and kills it with itself.
//
// A row-scoped transform that decides column by column should also
// implement anonymize.ColumnPlanner: the host then sends it only the
// columns it transforms, and of a column it maps value by value only the
// distinct values. Older plugins keep working: they get every column.
//
// A trial recorder plugin's main is
//
//	func main() { sdk.ServeRecorder(MyRecorder{}) }
//
// where MyRecorder implements recorder.Parser (Name and Parse, in the
// types of plugins/recorder; it may also describe itself with
// recorder.Describer). Once trusted, it imports steps: "medmarket trial
// import TRIAL --recorder NAME --in FILE".
//
// It imports the kind packages (plugins/anonymizer, plugins/recorder) and
// plugins/handshake, never the host (plugins) or any marketplace package:
// a plugin links the engine and the plugin libraries, no chain code.
package sdk

import (
	"github.com/hashicorp/go-plugin"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/plugins/anonymizer"
	"github.com/medmarket/medmarket/plugins/handshake"
	"github.com/medmarket/medmarket/plugins/recorder"
)

// ServeAnonymizer serves t as an anonymizer plugin and returns when the host
// stops the plugin. A binary started by hand (not by a host) prints a
// notice and exits with status 1.
func ServeAnonymizer(t anonymize.Transform) {
	Serve(anonymizer.Static(t))
}

// Serve serves a, for plugins that build their transforms themselves.
func Serve(a anonymizer.Anonymizer) {
	handshake.Serve(map[handshake.Kind]plugin.Plugin{handshake.KindAnonymizer: &anonymizer.Plugin{Impl: a}})
}

// ServeRecorder serves p as a trial recorder plugin and returns when the
// host stops the plugin.
func ServeRecorder(p recorder.Parser) {
	handshake.Serve(map[handshake.Kind]plugin.Plugin{handshake.KindRecorder: &recorder.Plugin{Impl: recorder.Static(p)}})
}
