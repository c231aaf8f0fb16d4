#!/usr/bin/env bash
# Copies a small, curated set of Google's API protos (npm google-proto-files, Apache-2.0) into
# tests/fixtures/proto-corpus/, the seed corpus of the Protobuf differential test. The files keep
# their licence headers; the package's LICENSE is copied next to them.
#
#   bash ci/proto-differential/fetch-corpus.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
version=6.0.1
dest=tests/fixtures/proto-corpus
files=(
  google/api/annotations.proto
  google/api/client.proto
  google/api/field_behavior.proto
  google/api/http.proto
  google/api/launch_stage.proto
  google/api/resource.proto
  google/longrunning/operations.proto
  google/pubsub/v1/pubsub.proto
  google/pubsub/v1/schema.proto
  google/rpc/code.proto
  google/rpc/error_details.proto
  google/rpc/status.proto
  google/type/date.proto
  google/type/dayofweek.proto
  google/type/latlng.proto
  google/type/money.proto
  google/type/postal_address.proto
  google/type/timeofday.proto
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "google-proto-files@$version" >/dev/null && tar xzf "google-proto-files-$version.tgz")
rm -rf "$dest"
mkdir -p "$dest"
for f in "${files[@]}"; do
  mkdir -p "$dest/$(dirname "$f")"
  cp "$work/package/$f" "$dest/$f"
done
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "copied ${#files[@]} files of google-proto-files $version into $dest"
