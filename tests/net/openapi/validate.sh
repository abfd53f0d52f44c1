#!/usr/bin/env bash
# CTest's OpenApiValidates: prints the OpenAPI document and sample messages
# with print_openapi, and checks them with validate.mjs (its npm packages are
# installed here by scripts/setup, from package-lock.json).
#   validate.sh PATH/TO/print_openapi
set -euo pipefail
printer=$1
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d "$here/node_modules/@seriousme/openapi-schema-validator" ]]; then
  echo "openapi: no validator in $here/node_modules: run scripts/setup (it runs npm ci there)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$printer" >"$work/openapi.json"
"$printer" --samples >"$work/samples.ndjson"
node "$here/validate.mjs" "$work/openapi.json" "$work/samples.ndjson"
