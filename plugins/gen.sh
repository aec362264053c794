#!/usr/bin/env bash
# Regenerates the plugin protocol's Go code from plugins/proto/*.proto, or
# checks that the committed code is up to date.
#
#   bash plugins/gen.sh           regenerate in place
#   bash plugins/gen.sh --check   generate into a temp dir; exit 1 naming every
#                                 generated file that differs or is missing
#
# Needs protoc on PATH (Debian's protobuf-compiler) and go; protoc-gen-go and
# protoc-gen-go-grpc are pinned as Go tools in go.mod (go tool protoc-gen-go).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: gen.sh [--check]" >&2; exit 2 ;;
esac

bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
# protoc finds plugins by name on PATH: build the pinned tools there.
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
go build -o "$bin/protoc-gen-go-grpc" google.golang.org/grpc/cmd/protoc-gen-go-grpc

if ((check)); then
  out="$bin/out"
  mkdir -p "$out"
else
  out="proto"
fi

PATH="$bin:$PATH" protoc -I proto \
  --go_out="$out" --go_opt=paths=source_relative \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
  proto/*.proto

if ((check)); then
  status=0
  for f in "$out"/*.go; do
    name="$(basename "$f")"
    if ! cmp -s "$f" "proto/$name"; then
      echo "gen.sh: plugins/proto/$name is out of date (run bash plugins/gen.sh)" >&2
      status=1
    fi
  done
  for f in proto/*.pb.go; do
    [[ -e "$out/$(basename "$f")" ]] || { echo "gen.sh: plugins/$f is not generated from any .proto (remove it)" >&2; status=1; }
  done
  exit $status
fi
