#!/bin/sh
# Scores the real merge driver (dist/git-strata.cjs, as git runs it) on the shared corpus of real
# three-way Markdown merges. Run `npm run build` first (npm run corpus does).
# usage: scripts/corpus-eval.sh [eval.sh options, e.g. --repo owner/name, -j N]
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
corpus="$here/../shared/corpus"
if [ ! -f "$corpus/eval.sh" ]; then
  echo "corpus not found at $corpus; nothing to evaluate"
  exit 0
fi
[ -f "$here/dist/git-strata.cjs" ] || { echo "dist/git-strata.cjs is missing: run npm run build" >&2; exit 2; }
exec sh "$corpus/eval.sh" -j 2 --label strata "$@" "$(command -v node) $here/dist/git-strata.cjs merge %O %A %B %L %P"
