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
// where MyRecorder implements trials.Recorder (Name and Parse; it may also
// describe itself with plugins.RecorderDescriber). Once trusted, it imports
// steps: "medmarket trial import TRIAL --recorder NAME --in FILE".
package sdk

import (
	"github.com/hashicorp/go-plugin"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace/trials"
	"github.com/medmarket/medmarket/plugins"
)

// ServeAnonymizer serves t as an anonymizer plugin and returns when the host
// stops the plugin. A binary started by hand (not by a host) prints a
// notice and exits with status 1.
func ServeAnonymizer(t anonymize.Transform) {
	Serve(plugins.Static(t))
}

// Serve serves a, for plugins that build their transforms themselves.
func Serve(a plugins.Anonymizer) {
	plugins.Serve(map[plugins.Kind]plugin.Plugin{plugins.KindAnonymizer: &plugins.AnonymizerPlugin{Impl: a}})
}

// ServeRecorder serves r as a trial recorder plugin and returns when the
// host stops the plugin.
func ServeRecorder(r trials.Recorder) {
	plugins.Serve(map[plugins.Kind]plugin.Plugin{plugins.KindRecorder: &plugins.RecorderPlugin{Impl: plugins.StaticRecorder(r)}})
}
