#!/usr/bin/env bash
# scripts/deps.sh [test|demo]: install the Debian or Ubuntu packages that
# make test (the default) or make demo and make playground need, once.
#
# Quick when everything is there: dpkg-query is asked first, and apt-get
# runs only for what is missing. docker.io is installed without starting
# the host's dockerd (the tests start their own): a policy-rc.d that says
# no is in place while apt-get runs, and removed after if this script put
# it there. Go (>= 1.26.6, from go.dev) is not a Debian package here.
set -euo pipefail

# What make demo and make playground run: containerd, its runc shim, ctr,
# a static busybox for the containers' root filesystems, ip and ps.
DEMO=(containerd runc busybox-static iproute2 procps)
# What make test runs besides: gcc for cgo, the CNI plugins of the CRI
# pod tests, dockerd for the Docker tests (iptables: its bridge), the
# tools the tests run in containers and the shells whose completion they
# try, python3 (the seccomp test asks libseccomp through ctypes), tshark
# (reads the merged captures back), socat and iperf3 (the capture and
# forward tests and benchmarks).
# README.md ("Test") lists the same packages.
TEST=("${DEMO[@]}" ca-certificates gcc libc6-dev make git containernetworking-plugins docker.io iptables
	util-linux hostname tcpdump strace zsh fish python3 tshark socat iperf3)

case "${1:-test}" in
test) want=("${TEST[@]}") ;;
demo) want=("${DEMO[@]}") ;;
*)
	echo "deps: unknown set ${1}: say test or demo" >&2
	exit 2
	;;
esac

if ! command -v dpkg-query >/dev/null; then
	echo "deps: not a Debian or Ubuntu system (no dpkg-query): install these by hand: ${want[*]}" >&2
	exit 0
fi
# One dpkg-query for all: the installed ones, one per line.
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Abbrev}\n' "${want[@]}" 2>/dev/null | sed -n 's/:ii *$//p' | tr '\n' ' ' || true)"
missing=()
for p in "${want[@]}"; do
	[[ $installed == *" $p "* ]] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages ${missing[*]}: run this as root (sudo), or apt-get install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
own_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	own_policy=1
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -z "$own_policy" ] || { rm -f /usr/sbin/policy-rc.d; trap - EXIT; }
echo "deps: installed ${missing[*]}"
