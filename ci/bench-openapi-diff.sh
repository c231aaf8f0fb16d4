#!/usr/bin/env bash
# Diffs consecutive real versions of GitHub's OpenAPI descriptions with mapcheck and, in the same
# run, with the OpenAPI differs installable from npm, and prints wall time, peak memory and what
# each calls breaking.
#
#   bash ci/bench-openapi-diff.sh          # fetch inputs and peers (npm registry) if missing, build, measure
#
# Inputs (ci/bench-data/openapi/, which git ignores):
#   - npm @octokit/openapi 23.0.0: generated/ghes-3.17.json, ghes-3.18.json, ghes-3.19.json
#   - npm @octokit/openapi 22.0.0 and 23.0.0: generated/api.github.com.json
# Peers: npm api-smart-diff (its apiCompare, counting diffs typed "breaking") and npm
# @useoptic/optic (`optic diff`), each timed with /usr/bin/time like mapcheck.
# mapcheck also diffs each input against itself, which must report nothing.
# Goal: mapcheck under 1 s and 500 MB per pair, at least 15x faster than the fastest peer.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
data=ci/bench-data/openapi
mkdir -p "$data"
install() { # prefix, package...
  local prefix=$1
  shift
  [ -d "$data/$prefix/node_modules" ] || npm install --silent --no-audit --no-fund --prefix "$data/$prefix" "$@" >/dev/null
}
install octokit-22 @octokit/openapi@22.0.0
install octokit-23 @octokit/openapi@23.0.0
install tools api-smart-diff@1.0.6
install optic @useoptic/optic || echo "note: @useoptic/optic could not be installed; its column is skipped" >&2

cargo build --release --quiet --no-default-features
bin="$CARGO_TARGET_DIR/release/mapcheck"
new_gen="$data/octokit-23/node_modules/@octokit/openapi/generated"
old_gen="$data/octokit-22/node_modules/@octokit/openapi/generated"

cat >"$data/asd.cjs" <<'JS'
// node asd.cjs OLD NEW -> prints the number of diffs api-smart-diff types "breaking"
const fs = require("fs");
const { apiCompare } = require(process.env.ASD);
const read = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
const { diffs } = apiCompare(read(process.argv[2]), read(process.argv[3]));
console.log(diffs.filter((d) => d.type === "breaking").length);
JS

timed() { # label, command... -> "seconds MB output-first-line"
  local out err
  out=$(mktemp)
  err=$(mktemp)
  if /usr/bin/time -f "%e %M" -o "$err" "$@" >"$out" 2>/dev/null; then :; fi
  # With a non-zero exit, time(1) writes a "Command exited" line first: the numbers are the last line.
  printf '%s %s\n' "$(tail -1 "$err" | awk '{printf "%.2f %d", $1, $2/1024}')" "$(head -c 200 "$out" | tr '\n' ' ')"
  rm -f "$out" "$err"
}

mapcheck_errors() { # old new -> count of error findings (exit code 1 means findings, not failure)
  "$bin" diff "$1" "$2" --format json --fail-on never | python3 -c \
    'import json,sys; f=json.load(sys.stdin)["findings"]; print(sum(x["severity"]=="error" for x in f), "errors,", len(f), "findings")'
}

pairs=(
  "ghes-3.17->3.18 $new_gen/ghes-3.17.json $new_gen/ghes-3.18.json"
  "ghes-3.18->3.19 $new_gen/ghes-3.18.json $new_gen/ghes-3.19.json"
  "api.github.com@22->23 $old_gen/api.github.com.json $new_gen/api.github.com.json"
)
printf '%-24s %-15s %8s %8s  %s\n' "pair" "tool" "wall s" "peak MB" "breaking"
for pair in "${pairs[@]}"; do
  read -r label old new <<<"$pair"
  read -r s mb _ <<<"$(timed "$bin" diff "$old" "$new" --format json --fail-on never)"
  printf '%-24s %-15s %8s %8s  %s\n' "$label" mapcheck "$s" "$mb" "$(mapcheck_errors "$old" "$new")"
  same=$(mapcheck_errors "$new" "$new")
  printf '%-24s %-15s %8s %8s  %s\n' "  (new against itself)" mapcheck - - "$same"
  read -r s mb count <<<"$(ASD="$PWD/$data/tools/node_modules/api-smart-diff" timed node "$data/asd.cjs" "$old" "$new")"
  printf '%-24s %-15s %8s %8s  %s\n' "" api-smart-diff "$s" "$mb" "${count:-failed} breaking diffs"
  if [ -x "$data/optic/node_modules/.bin/optic" ]; then
    read -r s mb rest <<<"$(timed "$data/optic/node_modules/.bin/optic" diff "$old" "$new" --check)"
    printf '%-24s %-15s %8s %8s  %s\n' "" optic "$s" "$mb" "$(echo "${rest:-no output}" | cut -c1-60)"
  fi
done
