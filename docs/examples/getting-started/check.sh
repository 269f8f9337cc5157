#!/usr/bin/env bash
# Walks docs/getting-started.md for real, so the guide stays true: export the tiny DiT with the
# export helper, serve a local Hub, publish to it, run first-run.ts from a fresh project that links
# @aotihub/loader, lock it, then run it again offline with the Hub stopped.
# Needs the checkout set up (bash scripts/bootstrap.sh). Takes about a minute (the export).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
here="$root/docs/examples/getting-started"
work="$(mktemp -d -t aotihub-getting-started-XXXXXX)"
aotihub() { node "$root/packages/loader/dist/cli/main.js" "$@"; }
step() { printf '\n== %s\n' "$*"; }

export AOTIHUB_PYTHON="${AOTIHUB_PYTHON:-$root/.venv/bin/python}"
export HF_HOME="$work/hf" # a throwaway Hugging Face cache
unset HF_HUB_CACHE HF_HUB_OFFLINE HF_TOKEN

step "1. export"
PYTHONPATH="$root/python/aotihub_export/src" "$AOTIHUB_PYTHON" -m aotihub_export \
  --spec "$root/python/aotihub_export/src/aotihub_export/examples/tiny_dit.py" \
  --out "$work/out/tiny-dit" 2> >(grep -v "Warning\|__new__" >&2)

step "2. local Hub"
mkdir -p "$work/hub"
echo '{ "tokens": { "hf_local_write_token": { "user": "me", "write": true } } }' \
  >"$work/hub/.aotihub-server.json"
# node itself in the background (not the shell function), so that $! is the server's pid.
node "$root/packages/loader/dist/cli/main.js" serve "$work/hub" >"$work/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
until grep -q HF_ENDPOINT= "$work/serve.log"; do sleep 0.1; done
export HF_ENDPOINT="$(sed -n 's/^ *HF_ENDPOINT=//p' "$work/serve.log")"
export HF_TOKEN=hf_local_write_token
echo "HF_ENDPOINT=$HF_ENDPOINT"

step "3. publish"
aotihub publish "$work/out/tiny-dit" me/tiny-dit --create

step "4. first run"
mkdir -p "$work/app"
cp "$here/first-run.ts" "$here/aotihub.config.json" "$work/app/"
cd "$work/app"
echo '{ "name": "app", "private": true, "type": "module" }' >package.json
pnpm add --silent "link:$root/packages/loader"
"$root/node_modules/.bin/tsx" first-run.ts

step "5. lock, then run offline with the Hub stopped"
pnpm exec aotihub lock tiny-dit
kill "$server" && wait "$server" || true
HF_HUB_OFFLINE=1 "$root/node_modules/.bin/tsx" first-run.ts
rm -rf "$work"
echo "getting-started: OK"
