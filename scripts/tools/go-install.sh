#!/usr/bin/env bash
# go-install.sh NAME MODULE/cmd/path VERSION: build a Go command from the module proxy into
# .tools/go/NAME-VERSION/NAME once per machine (the binary is too large to commit, and
# a version bump gets its own folder, so an old build is never mistaken for the new one).
# Prints the binary's path. Idempotent: silent and instant when the binary is there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
name="$1"; pkg="$2"; version="$3"
dir="$ROOT/.tools/go/$name-$version"
bin="$dir/$name"
if [[ ! -x "$bin" ]]; then
  command -v go >/dev/null || { echo "go-install: Go is not installed; install Go >= 1.24 and rerun" >&2; exit 1; }
  printf 'setup: building %s %s from the Go module proxy into %s\n' "$name" "$version" "$dir" >&2
  mkdir -p "$dir.tmp"
  # GOFLAGS=-trimpath: reproducible paths; CGO off: one static binary that runs anywhere here.
  CGO_ENABLED=0 GOBIN="$dir.tmp" go install -trimpath -ldflags "-s -w" "$pkg@$version"
  built="$dir.tmp/$(basename "$pkg")"
  [[ -x "$built" ]] || { echo "go-install: $pkg@$version built no $(basename "$pkg") binary" >&2; exit 1; }
  mv "$built" "$dir.tmp/$name.new" 2>/dev/null || true
  rm -rf "$dir"; mkdir -p "$dir"; mv "$dir.tmp/$name.new" "$bin"; rm -rf "$dir.tmp"
fi
echo "$bin"
