#!/usr/bin/env bash
# Runs docs/http.md as a script a user would write from it, against a real
# accordd: every ```sh block, in order, in one shell (set -euo pipefail), and
# every ```python block that names its file ("# file: NAME") written there
# first. ACCORD, TOKEN, AUDITOR and ADMIN are set as the page says. A block
# that fails fails the test, naming its line in the page.
#   http_docs_test.sh ACCORDD REPOSITORY
set -euo pipefail
accordd="$1"
repository="$2"
source "$(dirname "$0")/real_accordd.sh"

tokens="$work/data.tokens"
TOKEN=$("$accordd" --tokens "$tokens" --add-user legal-affairs --role logger 2>/dev/null)
AUDITOR=$("$accordd" --tokens "$tokens" --add-user auditor --role auditor 2>/dev/null)
ADMIN=$("$accordd" --tokens "$tokens" --add-user admin --role admin 2>/dev/null)
start_accordd "$accordd" --data "$work/data" --tokens "$tokens"
export ACCORD="http://127.0.0.1:$http_port/api/v1" TOKEN AUDITOR ADMIN

# The page's blocks: sh blocks into one script, python blocks into their files.
python3 - "$repository/docs/http.md" "$work" <<'EXTRACT'
import re, sys
page, work = sys.argv[1], sys.argv[2]
lines = open(page).read().split("\n")
script = ["set -euo pipefail"]
i = 0
blocks = 0
while i < len(lines):
    fence = re.match(r"^```(sh|python)\s*$", lines[i])
    if not fence:
        i += 1
        continue
    start = i + 1
    body = []
    i += 1
    while lines[i] != "```":
        body.append(lines[i])
        i += 1
    i += 1
    blocks += 1
    if fence.group(1) == "python":
        name = re.match(r"^# file: (\S+)$", body[0]).group(1)
        open(f"{work}/{name}", "w").write("\n".join(body) + "\n")
    else:
        script.append(f"echo '--- docs/http.md line {start}' >&2")
        script.extend(body)
open(f"{work}/page.sh", "w").write("\n".join(script) + "\n")
print(f"{blocks} blocks", file=sys.stderr)
EXTRACT

ln -s "$repository/examples" "$work/examples"
cd "$work"
if ! bash page.sh >"$work/out.txt" 2>"$work/err.txt"; then
  echo "a block of docs/http.md failed:" >&2
  tail -n 30 "$work/err.txt" >&2
  echo "its output:" >&2
  tail -n 20 "$work/out.txt" >&2
  exit 1
fi
blocks=$(grep -c '^--- docs/http.md line' "$work/err.txt")
# The page's proof checker refuses a proof with one hash changed.
python3 - inclusion.json <<'TAMPER'
import base64, json, sys
proof = json.load(open(sys.argv[1]))
first = bytearray(base64.b64decode(proof["hashes"][0]))
first[0] ^= 1
proof["hashes"][0] = base64.b64encode(bytes(first)).decode()
json.dump(proof, open("tampered.json", "w"))
TAMPER
if python3 check_proofs.py inclusion tampered.json >/dev/null 2>&1; then
  echo "the page's proof checker took a tampered inclusion proof" >&2
  exit 1
fi
[[ -n "${ACCORD_DOCS_VERBOSE:-}" ]] && cat "$work/out.txt"
echo "docs/http.md: $blocks blocks ran"
