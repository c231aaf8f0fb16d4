#!/usr/bin/env bash
# Reading a large Avro data file (Object Container File): `mapcheck drift` against its contract,
# side by side with fastavro reading the same file into Python objects. Wall time, peak memory
# (max RSS), records and throughput per tool. Run on purpose, not part of the tests.
#
#   bash ci/bench-avro-read.sh [MAPCHECK_BINARY]
#   AVRO_BENCH_MB=50 bash ci/bench-avro-read.sh                 # a quick run
#   AVRO_BENCH_CODEC=zstandard bash ci/bench-avro-read.sh       # null (default), deflate, snappy, zstandard
#   REPEAT=3 bash ci/bench-avro-read.sh                         # each tool 3 times, every run printed
#
# MAPCHECK_BINARY defaults to ${CARGO_TARGET_DIR:-~/.cache/mapcheck-target}/release/mapcheck, else
# .../debug/mapcheck (debug timings say little). This script builds nothing:
#   cargo build --release
#
# The data (about AVRO_BENCH_MB MiB, default 1024) is written once with fastavro and cached in
# ${BENCH_DIR:-~/.cache/mapcheck-bench}/avro/: order-like records in the contract's schema,
# tests/fixtures/samples/avro/order.avsc (every logical type, nested records, arrays, maps,
# unions), copied there as the contract. Python comes from AVRO_VENV (default
# ~/.cache/mapcheck-tools/avro-venv, created if missing); fastavro==1.13.1 is installed into it
# if absent, and backports.zstd==1.8.0 for the zstandard codec.
#
# Both tools read the file with the page cache warm (it is read once with cat first). Timing is
# /usr/bin/time (%e, %M), or a Python wrapper (wall clock, ru_maxrss of the child) without it.
set -uo pipefail
cd "$(dirname "$0")/.."

MB="${AVRO_BENCH_MB:-1024}"
CODEC="${AVRO_BENCH_CODEC:-null}"
REPEAT="${REPEAT:-1}"
DIR="${BENCH_DIR:-$HOME/.cache/mapcheck-bench}/avro"
VENV="${AVRO_VENV:-$HOME/.cache/mapcheck-tools/avro-venv}"
PY="$VENV/bin/python"
HELPER=ci/bench-avro-read.py
SCHEMA=tests/fixtures/samples/avro/order.avsc
FASTAVRO_VERSION=1.13.1
ZSTD_BACKPORT_VERSION=1.8.0

case "$CODEC" in
  null | deflate | snappy | zstandard) ;;
  *) echo "AVRO_BENCH_CODEC must be null, deflate, snappy or zstandard, not '$CODEC'" >&2; exit 2 ;;
esac
case "$MB" in
  '' | *[!0-9]*) echo "AVRO_BENCH_MB must be a whole number of MiB, not '$MB'" >&2; exit 2 ;;
esac

if [ $# -ge 1 ]; then
  BIN="$1"
else
  target="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
  BIN="$target/release/mapcheck"
  if [ ! -x "$BIN" ] && [ -x "$target/debug/mapcheck" ]; then
    BIN="$target/debug/mapcheck"
    echo "note: no release build, using the debug build $BIN (its timings say little)" >&2
  fi
fi

# Python with fastavro (and the codec's library).
if [ ! -x "$PY" ]; then
  echo "creating $VENV" >&2
  python3 -m venv "$VENV" || exit 2
fi
"$PY" -c "import fastavro" 2>/dev/null || "$PY" -m pip install -q "fastavro==$FASTAVRO_VERSION" || exit 2
if [ "$CODEC" = zstandard ] && ! "$PY" -c "from compression import zstd" 2>/dev/null; then
  "$PY" -c "from backports import zstd" 2>/dev/null || "$PY" -m pip install -q "backports.zstd==$ZSTD_BACKPORT_VERSION" || exit 2
fi
if [ "$CODEC" = snappy ]; then
  "$PY" -c "import cramjam" 2>/dev/null || "$PY" -m pip install -q cramjam || exit 2
fi

mkdir -p "$DIR"
FILE="$DIR/orders-${MB}mb-${CODEC}.avro"
CONTRACT="$DIR/order.avsc"
cp "$SCHEMA" "$CONTRACT"
if [ ! -s "$FILE" ] || [ ! -s "$FILE.json" ]; then
  echo "generating $FILE (~$MB MiB, codec $CODEC)" >&2
  "$PY" "$HELPER" generate --schema "$SCHEMA" --out "$FILE" --mb "$MB" --codec "$CODEC" || exit 2
fi
BYTES=$(stat -c %s "$FILE")
WRITTEN=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['records'])" "$FILE.json")
echo "file: $FILE, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }') MiB, $WRITTEN records written, codec $CODEC" >&2
cat "$FILE" >/dev/null # warm the page cache for both tools

# measure LOG_PREFIX CMD... -> sets SECS, RSS_KB, RC; stdout to LOG_PREFIX.out, stderr to LOG_PREFIX.err
measure() {
  local prefix=$1 result
  shift
  result=$(mktemp)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%e %M %x" -o "$result" "$@" >"$prefix.out" 2>"$prefix.err"
  else
    "$PY" "$HELPER" time "$result" -- "$@" >"$prefix.out" 2>"$prefix.err"
  fi
  RC=$?
  SECS="" RSS_KB=""
  # GNU time writes "Command exited with non-zero status N" or "Command terminated by signal N"
  # before the format line: the numbers are on the last line.
  read -r SECS RSS_KB _ < <(tail -n 1 "$result")
  rm -f "$result"
  case "$SECS" in '' | *[!0-9.]*) SECS=""; RSS_KB="" ;; esac
}

ROWS=()
row() { # tool exit seconds rss_kb records mib_per_s
  ROWS+=("$(printf '%-22s %6s %9s %12s %12s %8s' "$@")")
}
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
rate() { awk -v b="$BYTES" -v s="$1" 'BEGIN { if (s > 0) printf "%.1f", b / 1048576 / s; else print "-" }'; }

# mapcheck: `drift --contract C FILE` (the form in use), or `drift C FILE` for a binary whose
# usage line has no --contract.
if [ -x "$BIN" ]; then
  if "$BIN" drift --help 2>/dev/null | grep -q -- '--contract'; then
    DRIFT=("$BIN" drift --contract "$CONTRACT" "$FILE" --format json)
  else
    DRIFT=("$BIN" drift "$CONTRACT" "$FILE" --format json)
  fi
  echo "running: ${DRIFT[*]}" >&2
  for run in $(seq "$REPEAT"); do
    measure "$DIR/mapcheck-drift" "${DRIFT[@]}"
    if [ "$RC" = 0 ] || [ "$RC" = 1 ]; then
      verdict=$([ "$RC" = 0 ] && echo clean || echo drift)
      row "mapcheck drift" "$RC" "$SECS" "$(mib "$RSS_KB")" "-" "$(rate "$SECS")"
      echo "mapcheck run $run: exit $RC ($verdict); report in $DIR/mapcheck-drift.out" >&2
      "$PY" - "$DIR/mapcheck-drift.out" <<'EOF' >&2 || true
import json, sys
try:
    s = json.load(open(sys.argv[1]))["summary"]
    print(f"  findings: {s.get('errors')} errors, {s.get('warnings')} warnings, {s.get('infos')} infos")
except Exception as e:
    print(f"  (report not read as JSON: {e})")
EOF
    else
      row "mapcheck drift FAILED" "$RC" "${SECS:--}" "$([ -n "$RSS_KB" ] && mib "$RSS_KB" || echo -)" "-" "-"
      echo "mapcheck run $run FAILED with exit code $RC; last lines of its stderr:" >&2
      tail -n 20 "$DIR/mapcheck-drift.err" | sed 's/^/  | /' >&2
    fi
  done
else
  echo "no mapcheck binary at $BIN (build one with cargo build --release, or pass its path)" >&2
  row "mapcheck drift" "-" "not run" "-" "-" "-"
fi

echo "running: fastavro reader ($("$PY" -c 'import fastavro; print(fastavro.__version__)'))" >&2
for run in $(seq "$REPEAT"); do
  measure "$DIR/fastavro-read" "$PY" "$HELPER" read "$FILE"
  if [ "$RC" = 0 ]; then
    records=$(tail -n 1 "$DIR/fastavro-read.out")
    [ "$records" = "$WRITTEN" ] || echo "warning: fastavro read $records records, $WRITTEN were written" >&2
    row "fastavro (Python)" "$RC" "$SECS" "$(mib "$RSS_KB")" "$records" "$(rate "$SECS")"
  else
    row "fastavro FAILED" "$RC" "${SECS:--}" "-" "-" "-"
    echo "fastavro run $run FAILED with exit code $RC:" >&2
    tail -n 20 "$DIR/fastavro-read.err" | sed 's/^/  | /' >&2
  fi
done

echo
echo "$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }') MiB, codec $CODEC, $WRITTEN records; $(nproc) cores"
printf '%-22s %6s %9s %12s %12s %8s\n' tool exit seconds "max RSS MiB" records "MiB/s"
printf '%s\n' "${ROWS[@]}"
echo "(records '-': mapcheck prints no record count; MiB/s is the file's size on disk, compressed"
echo " for a codec, divided by wall time; outputs and stderr of the last runs are in $DIR)"
