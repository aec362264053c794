// Package pluginpb (directory plugins/proto) is the wire protocol between medmarket's plugin host and its
// plugins: anonymizer.proto and recorder.proto, and the Go code protoc
// generates from them (committed; `bash plugins/gen.sh` regenerates it and
// `--check` checks it is up to date). It imports nothing of ours.
package pluginpb
