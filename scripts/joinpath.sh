#!/usr/bin/env bash
# scripts/joinpath.sh [COMMIT]: count the files one join passes through, from
# nsj's main to the execve in the C constructor, in the working tree or at
# COMMIT (issue 20's measure; what is counted: scripts/joinpath/main.go).
# Prints two lines: the exec path alone, and the path with every function of
# nsj that it calls. JOINPATH_TRACE=1 prints the walk too.
#
# Needs the Go module proxy once: callgraph is built, pinned, into
# ~/.cache/nsj/bin as make lint builds staticcheck.
set -euo pipefail
CALLGRAPH_VERSION=v0.51.0
here=$(cd "$(dirname "$0")/.." && pwd)
tools=${NSJ_TOOLS_DIR:-$HOME/.cache/nsj/bin}/callgraph-$CALLGRAPH_VERSION-$(go env GOVERSION)
if [ ! -x "$tools/callgraph" ]; then
	echo "joinpath: building callgraph $CALLGRAPH_VERSION into $tools" >&2
	GOBIN=$tools go install golang.org/x/tools/cmd/callgraph@$CALLGRAPH_VERSION
fi
work=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$work/tree" 2>/dev/null || true; rm -rf "$work"' EXIT
tree=$here
if [ $# -gt 0 ]; then
	tree=$work/tree
	git -C "$here" worktree add --detach --quiet "$tree" "$1"
fi
mkdir -p "$work/out/c"
(cd "$tree" &&
	"$tools/callgraph" -algo=vta \
		-format='{{.Caller}}	{{(.Caller.Prog.Fset.Position .Caller.Pos).Filename}}	{{.Callee}}	{{(.Callee.Prog.Fset.Position .Callee.Pos).Filename}}	{{.Line}}' \
		./cmd/nsj >"$work/out/go.tsv" &&
	go list -deps -f '{{.ImportPath}} {{join .Imports " "}}' ./cmd/nsj >"$work/out/deps.txt")
for f in "$tree"/nsjoin/*.c; do
	(cd "$work/out/c" && gcc -c -O0 -fcallgraph-info -I"$tree/nsjoin" -dumpbase "$(basename "$f" .c)" -o /dev/null "$f")
done
(cd "$here" && go run ./scripts/joinpath "$work/out" "$tree")
