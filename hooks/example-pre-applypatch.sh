#!/bin/sh
# git-strata hook shim (pre-applypatch): written by 'git strata install', removed by 'git strata uninstall'.
# Runs the hook that was here before (pre-applypatch.pre-strata), then strata. STRATA=0 skips strata only.
strata_node='/usr/bin/node'
strata_cli='/opt/strata/dist/git-strata.cjs'
strata_prev="$(dirname -- "$0")/pre-applypatch.pre-strata"
strata_status=0
if [ -x "$strata_prev" ]; then
  "$strata_prev" "$@" || exit $?
fi
[ "${STRATA:-}" = 0 ] && exit $strata_status
if [ ! -x "$strata_node" ] || [ ! -f "$strata_cli" ]; then
  echo "strata: warning: $strata_node or $strata_cli is missing, so strata's pre-applypatch hook did not run." >&2
  echo "strata: fix: reinstall strata (./install.sh in its checkout), then run 'git strata install' here again (STRATA=0 silences this)." >&2
  exit $strata_status
fi
strata_staged=$(git diff --cached --name-only --no-renames --diff-filter=ACMD 2>/dev/null) || strata_staged='?'
[ -z "$strata_staged" ] && exit $strata_status
strata_attrs=$(printf '%s\n' "$strata_staged" | git check-attr --stdin strata 2>/dev/null) || strata_attrs='?'
printf '%s\n' "$strata_attrs" | grep -qv -e ': strata: unspecified$' -e ': strata: unset$' ||
  printf '%s\n' "$strata_staged" | grep -q -e '^\.gitattributes$' -e '/\.gitattributes$' || exit $strata_status
exec "$strata_node" "$strata_cli" hook pre-applypatch "$@"
