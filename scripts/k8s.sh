#!/usr/bin/env bash
# Build etcd and the Kubernetes binaries the one-node cluster bed needs
# (kube-apiserver, kubelet, kubectl; kube-controller-manager and
# kube-scheduler, which a DaemonSet needs) into DIR, once: make k8s, make
# cluster and the kubelet tests in integration/ use them. A DIR whose stamp names
# these versions is left alone.
#
# go install refuses k8s.io/kubernetes (its go.mod replaces the staging
# modules with ./staging/src/...), so each build runs in a throwaway module
# made here: it requires the release and replaces every staging module with
# the same module at its published v0.x version. Needs Go and the Go module
# proxy; about 15 minutes on 2 cores, cold.
set -euo pipefail
dir=${1:?usage: $0 DIR}
k8s=${K8S_VERSION:-v1.37.2}
etcd=${ETCD_VERSION:-v3.7.3}
stamp="etcd $etcd kubernetes $k8s"
cmds=(kube-apiserver kubelet kubectl kube-controller-manager kube-scheduler)
bins=(etcd "${cmds[@]}")

cached() {
	local b
	for b in "${bins[@]}"; do [ -x "$dir/$b" ] || return 1; done
	[ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]
}
if cached; then
	echo "k8s: $stamp cached in $dir"
	exit 0
fi
mkdir -p "$dir"
rm -f "$dir/.stamp"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOTOOLCHAIN=local
echo "k8s: building $stamp into $dir (about 15 minutes, once)"
start=$(date +%s)

# tools_module DIR NAME PACKAGE...: a module whose tools.go imports PACKAGE...
tools_module() {
	local d=$1 name=$2 p
	shift 2
	mkdir -p "$d"
	printf 'module %s\n\ngo 1.26\n' "$name" >"$d/go.mod"
	{
		printf '//go:build tools\n\npackage tools\n\nimport (\n'
		for p in "$@"; do printf '\t_ "%s"\n' "$p"; done
		printf ')\n'
	} >"$d/tools.go"
}

# etcd: one module, its siblings follow from its own requirements.
tools_module "$work/etcd" nsj-k8s/etcd go.etcd.io/etcd/server/v3
(
	cd "$work/etcd"
	go mod edit -require="go.etcd.io/etcd/server/v3@$etcd"
	go mod tidy
	go build -o "$dir/etcd" go.etcd.io/etcd/server/v3
)

# Kubernetes: replace each staging module the release's go.mod lists.
kmod=$(go mod download -json "k8s.io/kubernetes@$k8s" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
[ -f "$kmod" ] || { echo "k8s: no go.mod for k8s.io/kubernetes@$k8s" >&2; exit 1; }
staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#\1#p' "$kmod")
[ -n "$staging" ] || { echo "k8s: no staging modules in $kmod" >&2; exit 1; }
pkgs=("${cmds[@]/#/k8s.io/kubernetes/cmd/}")
tools_module "$work/k8s" nsj-k8s/kubernetes "${pkgs[@]}"
(
	cd "$work/k8s"
	go mod edit -require="k8s.io/kubernetes@$k8s"
	minor=${k8s#v1.}
	for m in $staging; do go mod edit -replace="$m=$m@v0.$minor"; done
	go mod tidy
	minor=${minor%%.*}
	go build -o "$dir/" -ldflags "-X k8s.io/component-base/version.gitVersion=$k8s \
		-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
		"${pkgs[@]}"
)
echo "$stamp" >"$dir/.stamp"
"$dir/etcd" --version | head -1
"$dir/kubectl" version --client | head -1
echo "k8s: built in $(($(date +%s) - start)) s"
