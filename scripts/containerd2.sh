#!/usr/bin/env bash
# Build containerd 2.x and its runc shim from their Go module into DIR (the
# integration tests run against them too: make test-containerd2). The
# binaries are kept: a DIR that already holds this version is left alone.
# Needs Go and the Go module proxy; no cgo (btrfs left out).
set -euo pipefail
dir=${1:?usage: $0 DIR}
version=${CONTAINERD2_VERSION:-v2.4.2}
if [ -x "$dir/containerd" ] && [ -x "$dir/containerd-shim-runc-v2" ] &&
	"$dir/containerd" --version | grep -q " ${version#v}"; then
	echo "containerd $version: cached in $dir"
	exit 0
fi
mkdir -p "$dir"
echo "containerd $version: building into $dir (a few minutes, once)"
CGO_ENABLED=0 GOBIN="$dir" GOFLAGS=-buildvcs=false go install -tags no_btrfs \
	"github.com/containerd/containerd/v2/cmd/containerd@$version" \
	"github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$version"
"$dir/containerd" --version
