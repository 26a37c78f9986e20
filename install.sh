#!/usr/bin/env bash
# Installs strata from this checkout: checks node and git, installs dependencies, builds
# dist/git-strata.cjs, puts `git-strata` on the PATH (so `git strata …` works), installs the man page
# (so `git strata --help` works), and with repository arguments runs `git strata install` in each.
# Re-running it is harmless.
#
#   ./install.sh [--no-deps] [REPO...]
#
#   --no-deps           do not run npm ci (node_modules is already there); also STRATA_SKIP_DEPS=1
#   PREFIX=/some/prefix put git-strata in $PREFIX/bin and the man page in $PREFIX/share/man/man1
#                       (default: the first writable of /usr/local/bin, ~/.local/bin, ~/bin and a
#                       node directory under $HOME that is on the PATH; else of /usr/local/bin and
#                       ~/.local/bin, with a warning)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
cli="$here/dist/git-strata.cjs"
marker='# git-strata launcher written by install.sh'

say() { printf 'strata: %s\n' "$*"; }
warn() { printf 'strata: warning: %s\n' "$*" >&2; }
die() {
  printf 'strata: error: %s\n' "$1" >&2
  if [ $# -gt 1 ]; then printf 'hint: %s\n' "$2" >&2; fi
  exit 1
}

skip_deps="${STRATA_SKIP_DEPS:-0}"
repos=()
for arg in "$@"; do
  case "$arg" in
    --no-deps) skip_deps=1 ;;
    -h | --help)
      sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option $arg" "./install.sh --help" ;;
    *) repos+=("$arg") ;;
  esac
done

# --- node and git -----------------------------------------------------------------------------------
node="$(command -v node || true)"
[ -n "$node" ] || die 'node is not on the PATH' 'install node 20 or later (https://nodejs.org or your package manager), then run ./install.sh again'
node_version="$("$node" -p 'process.versions.node')"
[ "${node_version%%.*}" -ge 20 ] || die "node $node_version at $node is too old: strata needs node 20 or later" 'install node 20+, or put it first on your PATH'
git_bin="$(command -v git || true)"
[ -n "$git_bin" ] || die 'git is not on the PATH' 'install git 2.38 or later'
git_version="$(git --version | sed -n 's/^git version \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')"
git_major="${git_version%%.*}"
git_minor="${git_version#*.}"
if [ -z "$git_version" ] || [ "$git_major" -lt 2 ] || { [ "$git_major" -eq 2 ] && [ "$git_minor" -lt 31 ]; }; then
  die "git ${git_version:-?} is too old: strata needs git 2.31 or later (2.38 recommended)" 'upgrade git'
fi
if [ "$git_major" -eq 2 ] && [ "$git_minor" -lt 38 ]; then
  warn "git $git_version works, but verify/resolve need git merge-tree --write-tree (git 2.38 or later)"
fi
say "node $node_version ($node), git $git_version"

# --- dependencies and build -------------------------------------------------------------------------
if [ "$skip_deps" = 1 ]; then
  [ -d "$here/node_modules" ] || die 'node_modules is missing and --no-deps was given' 'run ./install.sh without --no-deps'
  say 'dependencies: skipped (--no-deps)'
else
  command -v npm >/dev/null || die 'npm is not on the PATH' 'install npm (it comes with node)'
  if [ -f "$here/package-lock.json" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
    say 'dependencies: npm ci'
  else
    (cd "$here" && npm install --no-audit --no-fund --loglevel=error)
    say 'dependencies: npm install'
  fi
fi
if command -v npm >/dev/null; then
  (cd "$here" && npm run --silent build)
else
  (cd "$here" && "$node" scripts/build.mjs)
fi
[ -f "$cli" ] || die "the build did not produce $cli" 'run npm run build and read its output'
"$node" "$cli" --version >/dev/null || die "$cli does not run" 'run npm run build and read its output'
# --version does not load the merge driver's own bundle (dist/driver.cjs) nor its Markdown merge.
case "$("$node" "$cli" merge --self-check 2>&1 || true)" in
  'strata merge driver: ok'*) ;;
  *) die "the merge driver in $(dirname "$cli") does not load" 'run npm run build and read its output' ;;
esac
say "built $cli"

# --- git-strata on the PATH -------------------------------------------------------------------------
writable_dir() {
  # A directory we can write to, creating it if its parent allows.
  local dir="$1"
  if [ -d "$dir" ]; then [ -w "$dir" ]; else mkdir -p "$dir" 2>/dev/null; fi
}
on_path() { case ":$PATH:" in *":$1:"*) return 0 ;; *) return 1 ;; esac; }
bindir=''
if [ -n "${PREFIX:-}" ]; then
  writable_dir "$PREFIX/bin" && bindir="$(cd "$PREFIX/bin" && pwd -P)"
  [ -n "$bindir" ] || die "cannot write to $PREFIX/bin" 'set PREFIX to a directory you own, e.g. PREFIX=$HOME/.local ./install.sh'
else
  # So that `git strata` works right away: the first writable directory that is already on the PATH
  # (the last candidate is node's own under $HOME, as npm -g would use), else the first writable one,
  # with a warning below.
  nodedir="$(dirname "$node")"
  case "$nodedir" in "$HOME"/*) ;; *) nodedir='' ;; esac # nvm, volta, fnm: never a system directory
  for candidate in /usr/local/bin "$HOME/.local/bin" "$HOME/bin" ${nodedir:+"$nodedir"}; do
    if on_path "$candidate" && writable_dir "$candidate"; then
      bindir="$(cd "$candidate" && pwd -P)"
      break
    fi
  done
  if [ -z "$bindir" ]; then
    for candidate in /usr/local/bin "$HOME/.local/bin"; do
      if writable_dir "$candidate"; then
        bindir="$(cd "$candidate" && pwd -P)"
        break
      fi
    done
  fi
  [ -n "$bindir" ] || die 'no writable bin directory among /usr/local/bin and ~/.local/bin' 'set PREFIX to a directory you own, e.g. PREFIX=$HOME/.local ./install.sh'
fi

launcher="$bindir/git-strata"
if [ -e "$launcher" ] || [ -L "$launcher" ]; then
  if ! grep -qF "$marker" "$launcher" 2>/dev/null; then
    die "$launcher exists and is not strata's launcher (an npm -g install?)" "remove it, or set PREFIX to install elsewhere"
  fi
fi
# A launcher rather than a symlink: it pins the node this script checked, whatever node comes first on
# the PATH of a shell, an IDE or a git GUI later.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
text="#!/bin/sh
$marker; re-run install.sh to update.
exec $(q "$node") $(q "$cli") \"\$@\""
if [ -f "$launcher" ] && [ "$(cat "$launcher")" = "$text" ]; then
  say "git-strata: $launcher (unchanged)"
else
  tmp="$launcher.tmp.$$"
  printf '%s\n' "$text" >"$tmp"
  chmod 755 "$tmp"
  mv -f "$tmp" "$launcher"
  say "git-strata: $launcher"
fi
on_path "$bindir" || warn "$bindir is not on your PATH, so 'git strata' will not find git-strata; add it, e.g.: echo 'export PATH=\"$bindir:\$PATH\"' >> ~/.profile"

# --- man page (git strata --help = git help strata = man git-strata) ---------------------------------
mandir="$(dirname "$bindir")/share/man/man1"
if mkdir -p "$mandir" 2>/dev/null && [ -w "$mandir" ]; then
  cp "$here/man/man1/git-strata.1" "$mandir/git-strata.1.tmp.$$"
  chmod 644 "$mandir/git-strata.1.tmp.$$"
  mv -f "$mandir/git-strata.1.tmp.$$" "$mandir/git-strata.1"
  say "man page: $mandir/git-strata.1"
  if ! command -v man >/dev/null; then
    warn "man is not installed, so 'git strata --help' cannot show the page; use 'git strata help' (or install man-db)"
  elif ! man -w git-strata >/dev/null 2>&1; then
    warn "man does not find $mandir; add it: export MANPATH=\"$(dirname "$mandir"):\$MANPATH\" (or use 'git strata help')"
  fi
else
  warn "cannot write $mandir; 'git strata help' shows the same commands"
fi

# --- repositories -----------------------------------------------------------------------------------
if [ "${#repos[@]}" -gt 0 ]; then
  for repo in "${repos[@]}"; do
    [ -d "$repo" ] || die "$repo is not a directory"
    say "installing into $repo"
    (cd "$repo" && "$node" "$cli" install)
  done
else
  say "next: run 'git strata install' inside each repository (or ./install.sh path/to/repo), then 'git strata doctor'"
fi
