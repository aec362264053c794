#!/usr/bin/env bash
# The one test command: bash build/test.sh
#
# Installs what the tests need when it is missing (Debian packages, npm packages
# from the lock files, geth, staticcheck), checks that generated code is up to
# date, vets (go vet, staticcheck), builds the plain (no cgo; cross-built for
# linux, darwin and windows too) and desktop binaries, and runs every test, including
# the browser test in headless Chromium and the desktop smoke test under Xvfb.
# Idempotent: a warm machine skips every install.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
start=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo

step "system packages"
pkgs=(gcc pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev xvfb xauth xdotool imagemagick chromium fonts-dejavu-core protobuf-compiler nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere than Debian (as on the CI image): accept them on PATH.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "all present"
fi

step "geth (for the JSON-RPC tests)"
gobin="$(go env GOPATH)/bin"
geth_version=$("$gobin/geth" version 2>/dev/null || true) # whole output: no early-closed pipe
if ! grep -q '^Version: 1.17.8' <<<"$geth_version"; then
  go install github.com/ethereum/go-ethereum/cmd/geth@v1.17.8
  geth_version=$("$gobin/geth" version)
fi
export MEDMARKET_GETH="$gobin/geth"
grep '^Version' <<<"$geth_version"

step "versitygw (the S3-compatible server of the blob-store tests)"
versitygw_version=v1.8.0
if ! go version -m "$gobin/versitygw" 2>/dev/null | grep -Eq "^\s+mod\s+github.com/versity/versitygw\s+$versitygw_version\s"; then
  go install "github.com/versity/versitygw/cmd/versitygw@$versitygw_version"
fi
export MEDMARKET_VERSITYGW="$gobin/versitygw"
echo "versitygw $versitygw_version"

step "generated code is up to date"
# The module supports Go 1.25: a dependency bump must not raise it silently.
grep -qx 'go 1.25.0' go.mod || { echo "go.mod must say 'go 1.25.0' (a dependency raised it?)" >&2; exit 1; }
go generate ./frontend >/dev/null
bash frontend/vendor.sh --check
bash marketplace/contracts/gen.sh --check
bash plugins/gen.sh --check
if ! git diff --quiet -- '*_templ.go' || [ -n "$(git status --porcelain --untracked-files=all -- '*_templ.go')" ]; then
  git status --short -- '*_templ.go'
  echo "templ output is not up to date: run 'go generate ./frontend' and commit" >&2
  exit 1
fi
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi

step "vet"
go vet ./...
go vet -tags medmarket_testhooks .
staticcheck_version=v0.8.2
if ! go version -m "$gobin/staticcheck" 2>/dev/null | grep -Eq "^\s+mod\s+honnef.co/go/tools\s+$staticcheck_version\s"; then
  go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi
"$gobin/staticcheck" ./...
errcheck_version=v1.30.0
if ! go version -m "$gobin/errcheck" 2>/dev/null | grep -Eq "^\s+mod\s+github.com/kisielk/errcheck\s+$errcheck_version\s"; then
  go install "github.com/kisielk/errcheck@$errcheck_version"
fi
# What errcheck may skip, and why, is listed in build/errcheck-excludes.txt.
"$gobin/errcheck" -exclude build/errcheck-excludes.txt ./...
# No function above cyclomatic complexity 25 outside generated code, tests
# included: a function that needs more is two functions.
gocyclo_version=v0.6.0
if ! go version -m "$gobin/gocyclo" 2>/dev/null | grep -Eq "^\s+mod\s+github.com/fzipp/gocyclo\s+$gocyclo_version\s"; then
  go install "github.com/fzipp/gocyclo/cmd/gocyclo@$gocyclo_version"
fi
"$gobin/gocyclo" -over 25 $(git ls-files '*.go' | grep -Ev '_templ\.go$|\.pb\.go$|_bind\.go$') ||
  { echo "cyclomatic complexity above 25 (above): split the function" >&2; exit 1; }

step "build: plain (no cgo) and desktop"
CGO_ENABLED=0 go build -o bin/medmarket .
CGO_ENABLED=1 go build -tags desktop,production,webkit2_41 -o bin/medmarket-desktop .
ls -l bin/
# The desktop tests drive a window of the same build with the test hooks
# (light scrypt for the keys they create); the shipped one above has none.
CGO_ENABLED=1 go build -tags desktop,production,webkit2_41,medmarket_testhooks -o bin/medmarket-desktop-testhooks .

# The plain binary builds for every platform users run (no cgo; test hooks
# are not in it: testhooks.go). The platforms share the build cache.
step "cross-build: linux, darwin, windows x amd64, arm64"
for goos in linux darwin windows; do
  for goarch in amd64 arm64; do
    CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -o /dev/null . || { echo "GOOS=$goos GOARCH=$goarch go build failed" >&2; exit 1; }
  done
done
export MEDMARKET_DESKTOP_BIN="$root/bin/medmarket-desktop-testhooks"
# Every part the tests need is installed above: a test that finds one
# missing fails instead of skipping (chaintest.Missing).
export MEDMARKET_TEST_STRICT=1

# The race detector runs where goroutines meet (server, app, chain, store,
# ledger, plugins); the key store (scrypt) and the anonymization engine are
# CPU-bound code that the detector slows tenfold for nothing.
step "tests (race detector on)"
norace='/marketplace/vault$|/anonymize(/|$)'
# The test hooks (testhooks.go) are built into the root package's tests only.
go test -tags medmarket_testhooks -race -count=1 -timeout 30m $(go list ./... | grep -Ev "$norace")
step "tests (CPU-bound packages, no race detector)"
go test -tags medmarket_testhooks -count=1 -timeout 30m $(go list ./... | grep -E "$norace")

step "done in $(( $(date +%s) - start ))s"
