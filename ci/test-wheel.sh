#!/usr/bin/env bash
# Builds the Python wheel with maturin (bindings = "bin", pyproject.toml), installs it into a fresh
# virtual environment and runs the installed mapcheck: `--version`, then `check` on the example
# workspace. `.ci/run` calls it after the tests.
#
# The wheel is built with the `dev` profile into the same target directory the tests built, so
# DuckDB's C++ is not compiled a second time (a release wheel is .github/workflows/release.yml's job).
# maturin comes from PyPI into the tools virtual environment (ci/test-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
tools="${MAPCHECK_TOOLS:-$HOME/.cache/mapcheck-tools}"
maturin="$tools/avro-venv/bin/maturin"
[ -x "$maturin" ] || bash ci/test-tools.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$maturin" build --profile dev --locked --out "$work/wheels" >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  exit 1
}
wheel=$(ls "$work"/wheels/mapcheck-*.whl)
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
installed="$work/venv/bin/mapcheck"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
[ "$("$installed" --version)" = "mapcheck $version" ] || {
  echo "test-wheel: $installed --version says '$("$installed" --version)', expected 'mapcheck $version'" >&2
  exit 1
}
# The example workspace passes its gate with the installed binary, DuckDB included.
"$installed" check --quiet >/dev/null
"$installed" crosswalk --help >/dev/null
echo "wheel $(basename "$wheel") ($(du -h "$wheel" | cut -f1)): installs, runs --version and check"
