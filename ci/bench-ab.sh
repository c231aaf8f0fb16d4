#!/usr/bin/env bash
# Two builds of mapcheck side by side on the inputs of the load, Avro and OpenAPI benchmarks: runs
# each command with A and B in turn (RUNS times), prints the median wall time and peak memory of
# each, and checks that both printed the same bytes. For restructurings (the numbers should agree
# within noise, the output exactly).
#
#   bash ci/bench-ab.sh OLD_BINARY NEW_BINARY     # e.g. a release build of main and of a branch
#
# Inputs: what ci/bench-load.sh, ci/bench-avro.sh and ci/bench-openapi-diff.sh put in
# ci/bench-data/ (run those once first).
set -euo pipefail
cd "$(dirname "$0")/.."
a=$(realpath "${1:?usage: bench-ab.sh OLD_BINARY NEW_BINARY}")
b=$(realpath "${2:?usage: bench-ab.sh OLD_BINARY NEW_BINARY}")
runs=${RUNS:-5}
data=ci/bench-data
gh="$data/node_modules/@octokit/openapi/generated"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# `check` in a git workspace whose contract is GHES 3.18 at HEAD and 3.19 in the working tree:
# lint, diff against HEAD, one report.
ws="$work/ws"
mkdir -p "$ws/contracts"
cp "$gh/ghes-3.18.json" "$ws/contracts/api.json"
: >"$ws/mapcheck.toml"
git -C "$ws" init -q
git -C "$ws" add -A
git -C "$ws" -c user.name=bench -c user.email=bench@example.com commit -qm 3.18
cp "$gh/ghes-3.19.json" "$ws/contracts/api.json"

# The same with a `[[samples]]` entry whose contract is that file: drift of one GitHub user record
# against its `simple-user` type.
ws2="$work/ws2"
mkdir -p "$ws2/contracts" "$ws2/samples"
cp "$gh/ghes-3.18.json" "$ws2/contracts/api.json"
printf '[[samples]]\ncontract = "contracts/api.json"\ntype = "simple-user"\npaths = ["samples/*.ndjson"]\n' >"$ws2/mapcheck.toml"
u='"https://api.github.com/users/octocat"'
printf '{"login":"octocat","id":1,"node_id":"MDQ6VXNlcjE=","avatar_url":%s,"gravatar_id":null,"url":%s,"html_url":%s,"followers_url":%s,"following_url":%s,"gists_url":%s,"starred_url":%s,"subscriptions_url":%s,"organizations_url":%s,"repos_url":%s,"events_url":%s,"received_events_url":%s,"type":"User","site_admin":false}\n' \
  "$u" "$u" "$u" "$u" "$u" "$u" "$u" "$u" "$u" "$u" "$u" "$u" >"$ws2/samples/user.ndjson"
git -C "$ws2" init -q
git -C "$ws2" add -A
git -C "$ws2" -c user.name=bench -c user.email=bench@example.com commit -qm 3.18
cp "$gh/ghes-3.19.json" "$ws2/contracts/api.json"

# label | arguments [| directory to run in]
commands=(
  "avro diff --mode full (2,080 fields)|diff $data/avro/old.avsc $data/avro/new.avsc --mode full --format json"
  "inspect api.github.com.json|inspect $gh/api.github.com.json --format json"
  "lint api.github.com.json|lint $gh/api.github.com.json --fail-on never"
  "diff ghes-3.17 -> 3.18|diff $gh/ghes-3.17.json $gh/ghes-3.18.json --format json --fail-on never"
  "diff ghes-3.18 -> 3.19|diff $gh/ghes-3.18.json $gh/ghes-3.19.json --format json --fail-on never"
  "lint google-proto-files|lint $data/google-protos --fail-on never"
  "diff example workspace v1 -> v2|diff contracts/canonical/customer/v1.schema.json contracts/canonical/customer/v2.schema.json --format json --fail-on never"
  "check ghes 3.18 (HEAD) -> 3.19|check --against HEAD --format json --fail-on never|$ws"
  "check ghes 3.18 -> 3.19 + drift|check --against HEAD --format json --fail-on never|$ws2"
  "check example ws (mappings, drift)|check --against HEAD --format json --fail-on never"
  "map run example CRM accounts|map run mappings/crm-account-to-customer.yaml samples/crm/accounts.ndjson --format json --fail-on never"
)

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

printf '%-40s %12s %12s %10s %10s  %s\n' "command" "A wall s" "B wall s" "A MB" "B MB" "output"
for entry in "${commands[@]}"; do
  IFS='|' read -r label rest dir <<<"$entry"
  read -r -a args <<<"$rest"
  dir=${dir:-.}
  : >"$work/a.t"
  : >"$work/b.t"
  for _ in $(seq "$runs"); do
    for side in a b; do
      bin=$a
      [ "$side" = b ] && bin=$b
      (cd "$dir" && /usr/bin/time -o "$work/time" -f '%e %M' "$bin" "${args[@]}" >"$work/$side.out" 2>/dev/null) || true
      tail -1 "$work/time" >>"$work/$side.t"
    done
  done
  same=same
  cmp -s "$work/a.out" "$work/b.out" || same=DIFFERENT
  aw=$(cut -d' ' -f1 "$work/a.t" | median)
  bw=$(cut -d' ' -f1 "$work/b.t" | median)
  am=$(cut -d' ' -f2 "$work/a.t" | median)
  bm=$(cut -d' ' -f2 "$work/b.t" | median)
  printf '%-40s %12s %12s %10.1f %10.1f  %s\n' "$label" "$aw" "$bw" "$(echo "$am / 1024" | bc -l)" "$(echo "$bm / 1024" | bc -l)" "$same"
done
