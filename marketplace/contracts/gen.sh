#!/usr/bin/env bash
# Regenerates the contracts' compiled artifacts and Go bindings, or checks that the committed ones
# are up to date.
#
#   bash marketplace/contracts/gen.sh           regenerate in place
#   bash marketplace/contracts/gen.sh --check   regenerate into a temp dir; exit 1 naming every file
#                                               that differs from, is missing from, or is extra in
#                                               the committed tree
#
# Inputs: src/*.sol (the contracts), test/*.sol (test-only contracts), compile.js, the solc version
# pinned in package-lock.json (installed with `npm ci` when node_modules is missing or stale), and
# abigen pinned as a Go tool in go.mod. Needs node >= 12 and npm on PATH, and go.
# Outputs: artifacts/<C>.abi|.bin and <c>_bind.go for src; artifacts/test/<C>.abi|.bin and
# <c>_bind_test.go for test (test bindings compile into the package's tests only).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: gen.sh [--check]" >&2; exit 2 ;;
esac

# The compiler: install it when missing or when node_modules holds another version than the lock.
want="$(node -p 'require("./package-lock.json").packages["node_modules/solc"].version')"
have="$(node -p 'try { require("./node_modules/solc/package.json").version } catch (e) { "" }')"
if [[ "$have" != "$want" ]]; then
  echo "gen.sh: installing solc $want (npm ci in $here)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

if ((check)); then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
else
  out="$here"
fi

# generate <source dir> <artifact dir> <binding suffix>
generate() {
  local src="$1" art="$2" suffix="$3"
  rm -rf "${out:?}/$art.new"
  node compile.js "$out/$art.new" "$src"
  # Replace the artifact dir's top-level files only (artifacts/test is a sibling set).
  mkdir -p "$out/$art"
  find "$out/$art" -maxdepth 1 -type f \( -name '*.abi' -o -name '*.bin' \) -delete
  mv "$out/$art.new"/* "$out/$art/"
  rmdir "$out/$art.new"
  if ((!check)); then
    rm -f ./*"$suffix"
  fi
  local abi name file
  for abi in "$out/$art"/*.abi; do
    name="$(basename "$abi" .abi)"
    file="$(echo "$name" | tr '[:upper:]' '[:lower:]')$suffix"
    go tool abigen --v2 --pkg contracts --type "$name" \
      --abi "$abi" --bin "$out/$art/$name.bin" --out "$out/$file"
  done
}

generate src artifacts _bind.go
generate test artifacts/test _bind_test.go

if ((check)); then
  # Compare the generated set with the committed one, both ways.
  stale=()
  while IFS= read -r f; do
    if [[ ! -f "$here/$f" ]]; then
      stale+=("$f (missing)")
    elif ! cmp -s "$out/$f" "$here/$f"; then
      stale+=("$f (differs)")
    fi
  done < <(cd "$out" && find . -type f | sed 's|^\./||' | sort)
  while IFS= read -r f; do
    [[ -f "$out/$f" ]] || stale+=("$f (extra: no source generates it)")
  done < <(find artifacts -type f \( -name '*.abi' -o -name '*.bin' \); ls ./*_bind.go ./*_bind_test.go 2>/dev/null | sed 's|^\./||')
  if ((${#stale[@]})); then
    echo "gen.sh --check: generated contract files are out of date; run: bash marketplace/contracts/gen.sh" >&2
    printf '  marketplace/contracts/%s\n' "${stale[@]}" >&2
    exit 1
  fi
  echo "gen.sh --check: contract artifacts and bindings are up to date" >&2
fi
