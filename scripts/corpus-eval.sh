#!/bin/sh
# Runs the shared Markdown merge corpus against strata's generic Markdown merge.
# usage: scripts/corpus-eval.sh [eval.sh options, e.g. --repo owner/name]
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
corpus="$here/../shared/corpus"
if [ ! -x "$corpus/eval.sh" ] && [ ! -f "$corpus/eval.sh" ]; then
  echo "corpus not found at $corpus; nothing to evaluate"
  exit 0
fi
mkdir -p "$here/.tmp"
# tsx starts slowly; one bundled file started by node is what the real driver does too.
npx esbuild "$here/scripts/corpus-driver.ts" --bundle --platform=node --format=esm --target=node20 \
  --outfile="$here/.tmp/corpus-driver.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
exec sh "$corpus/eval.sh" -j 2 --label strata "$@" "node $here/.tmp/corpus-driver.mjs %O %A %B %L %P"
