#!/usr/bin/env bash
# Copies the pinned browser assets from node_modules into static/vendor, where
# go:embed picks them up. `vendor.sh --check` fails when the committed copies
# differ from what package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/htmx.org ] && [ -d node_modules/@picocss/pico ] || npm ci --no-audit --no-fund --silent
out=static/vendor
if [ "${1:-}" = "--check" ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi
mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/@picocss/pico/css/pico.min.css "$out/pico.min.css"
if [ "${1:-}" = "--check" ]; then
  for f in htmx.min.js pico.min.css; do
    cmp -s "$out/$f" "static/vendor/$f" || { echo "frontend/static/vendor/$f is not the pinned version: run frontend/vendor.sh" >&2; exit 1; }
  done
fi
