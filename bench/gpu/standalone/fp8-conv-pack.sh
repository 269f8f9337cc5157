#!/usr/bin/env bash
# Here (CPU machine): the standalone pack (pack.sh: the built addon, the bundled standalone-gpu
# script, the specs and scripts, this branch's export helper) with the fp8/conv run's entry points:
# <dest>/compile.sh, <dest>/device.sh and <dest>/run.sh (from fp8-conv-compile.sh,
# fp8-conv-device.sh and fp8-conv-run.sh). Default <dest>: /work/main/.gpu/fp8.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${1:-/work/main/.gpu/fp8}"
bash "$here/pack.sh" "$dest" >/dev/null
cp "$here/fp8-conv-compile.sh" "$dest/compile.sh"
cp "$here/fp8-conv-device.sh" "$dest/device.sh"
cp "$here/fp8-conv-run.sh" "$dest/run.sh"
du -sh "$dest"
