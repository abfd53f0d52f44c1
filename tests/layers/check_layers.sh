#!/usr/bin/env bash
# The layers hold: dependencies flow tools -> net -> app -> store -> core ->
# proto and never back, and only the store sees the storage engine and only
# the network sees Asio. Fails naming each include that breaks a rule.
#
#   check_layers.sh REPO_ROOT
set -euo pipefail
root=${1:?usage: check_layers.sh REPO_ROOT}
cd "$root"
broken=0

# forbid LAYER PATTERN WHY: no file of LAYER may include what PATTERN matches.
forbid() {
  local layer=$1 pattern=$2 why=$3 hits
  hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" \
           "$layer"/*.h "$layer"/*.cc 2>/dev/null || true)
  if [[ -n "$hits" ]]; then
    echo "layer $layer: $why:"
    echo "$hits" | sed 's/^/  /'
    broken=1
  fi
}

forbid core 'store/|app/|net/|tools/' "the domain depends on nothing but the schemas"
forbid core 'rocksdb/|boost/asio|boost/beast|spdlog/' "the domain does no I/O"
forbid store 'app/|net/|tools/' "the store knows no application"
forbid app 'net/|tools/' "the application knows no front door"
forbid app 'rocksdb/|boost/asio|boost/beast' "the application knows no socket and no storage engine"
forbid app 'store/(internal|rocksdb|append_pipeline|pipeline|reach|salvage)' \
  "the application sees the store's interface only"
forbid net 'tools/' "the network knows no program"
forbid net 'rocksdb/|store/(internal|rocksdb|append_pipeline|pipeline|reach|salvage)' \
  "the network sees the store's interface only"
# The store's contract is the interface a second log implements.
if grep -nE '#include[[:space:]]*<rocksdb/' store/event_store.h >/dev/null 2>&1; then
  echo "store/event_store.h: the store's interface names no storage engine"
  broken=1
fi

if [[ $broken -ne 0 ]]; then
  echo "layers: broken"
  exit 1
fi
echo "layers: hold"
