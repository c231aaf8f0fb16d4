#!/usr/bin/env bash
# Builds the Python wheel with maturin (bindings = "bin", packaging/pypi/pyproject.toml), installs it
# into a fresh virtual environment and runs the installed mapcheck: `--version`, then `check` on the
# example workspace. Then the pre-commit hook `mapcheck-check` (`language: python`) installs itself
# from this repository with the wheel just built, nothing on PATH, and fails on a staged breaking
# change. `.ci/run` calls it after the tests.
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
(cd packaging/pypi && "$maturin" build --profile dev --locked --out "$work/wheels") >"$work/build.log" 2>&1 || {
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
# The version the pre-commit environment pins is this one.
if ! grep -qx "version = \"$version\"" pyproject.toml || ! grep -q "\"mapcheck==$version\"" pyproject.toml; then
  echo "test-wheel: pyproject.toml (the pre-commit environment) must pin mapcheck==$version" >&2
  exit 1
fi

# The pre-commit hook, as a user's repository runs it: a hook repository holding this one's hook
# definition and pyproject.toml, committed; pip finds mapcheck==$version among the wheels built
# here (PIP_FIND_LINKS) where a user's pip finds it on PyPI.
pre_commit="$tools/avro-venv/bin/pre-commit"
hooks="$work/hooks"
mkdir -p "$hooks"
cp .pre-commit-hooks.yaml pyproject.toml "$hooks/"
git -C "$hooks" init -q
git -C "$hooks" add -A
git -C "$hooks" -c user.name=t -c user.email=t@example.com commit -qm hooks
ws="$work/ws"
mkdir -p "$ws"
cp -r contracts mappings samples mapcheck.toml "$ws/"
printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: mapcheck-check\n' \
  "$hooks" "$(git -C "$hooks" rev-parse HEAD)" >"$ws/.pre-commit-config.yaml"
git -C "$ws" init -q
git -C "$ws" add -A
git -C "$ws" -c user.name=t -c user.email=t@example.com commit -qm base
# A breaking change, staged: an enum value removed from the ERP contract.
sed -i 's/CUSTOMER_STATUS_PROSPECT = 2;//' "$ws/contracts/erp/customer_service.proto"
git -C "$ws" add contracts/erp/customer_service.proto
# Nothing of this build on PATH: the hook runs the mapcheck its own environment installed.
set +e
(cd "$ws" && env PATH="/usr/local/bin:/usr/bin:/bin" PIP_FIND_LINKS="$work/wheels" \
  PRE_COMMIT_HOME="$work/pre-commit-home" NO_COLOR=1 "$pre_commit" run --color never) >"$work/hook.log" 2>&1
status=$?
set -e
if [ "$status" -ne 1 ] || ! grep -q "enum-value-removed" "$work/hook.log"; then
  echo "test-wheel: the pre-commit hook should fail (exit 1) on the staged enum-value-removed; it exited $status:" >&2
  cat "$work/hook.log" >&2
  exit 1
fi
echo "wheel $(basename "$wheel") ($(du -h "$wheel" | cut -f1)): installs, runs --version and check; the pre-commit hook installs it and fails on a staged break"
