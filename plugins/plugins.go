// Package plugins is medmarket's plugin host: it discovers plugin binaries,
// pins third-party ones by SHA-256 in an allow-list the user manages
// ([TrustStore]), launches and supervises plugin processes ([Host]), and
// hands each service back as the Go interface of its kind. Plugins are
// hashicorp/go-plugin gRPC plugins.
//
// The packages below it, and the arrows between them (none points up):
//
//   - plugins/handshake: what the host and every plugin share (handshake,
//     kinds, message limits, Serve). It imports nothing of ours.
//   - plugins/anonymizer: the anonymizer kind (interface, go-plugin Plugin,
//     gRPC client and server, in-process forms, the wire form of tables).
//     It imports anonymize, handshake and proto.
//   - plugins/recorder: the trial recorder kind, with its own Step, Config
//     and error types mirroring what crosses the wire. It imports handshake
//     and proto.
//   - plugins/proto: the protocol (.proto and generated code; regenerate or
//     check it with plugins/gen.sh).
//   - plugins/sdk: what a third-party plugin's main calls.
//
// This package imports those and anonymize, and never any marketplace
// package: app adapts recorders to marketplace/trials (and serves trials'
// built-in recorders as plugins), so that an anonymizer plugin links no
// chain code.
//
// Anonymizers run through the host become anonymize.Transform values
// ([Host.Anonymizer], [Host.Isolated], [Host.Isolate]); recorders become
// [HostedRecorder] values. Built-in transforms and recorders run in process
// or isolated: the medmarket binary re-executes itself as "medmarket
// plugin-serve NAME". Third-party plugins always run isolated, pinned by
// SHA-256, with no host environment, in a private socket directory, killed
// with the host, under per-call deadlines. A plugin that crashes is
// restarted on its next use; one that hangs is killed at its call's
// deadline; either fails only the call it was in.
package plugins

import "github.com/medmarket/medmarket/plugins/handshake"

// Kind names a service a plugin provides (handshake.Kind).
type Kind = handshake.Kind

// The kinds of plugin the host dispenses.
const (
	KindAnonymizer = handshake.KindAnonymizer
	KindRecorder   = handshake.KindRecorder
)
