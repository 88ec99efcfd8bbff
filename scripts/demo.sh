#!/usr/bin/env bash
# make demo: nsj's main job, end to end, on a throwaway containerd.
#
# Needs containerd, runc and busybox-static (scripts/deps.sh demo); starts a
# containerd of its own (temporary root, state and socket), runs a busybox
# container from a local rootfs, runs the host's ps and ip inside it with nsj,
# shows that the host's view did not change, and removes everything it made.
set -euo pipefail

NSJ=${1:-$(dirname "$0")/../bin/nsj}
NSJ=$(realpath "$NSJ")
NS=nsj-demo
ID=web

if [ "$(id -u)" != 0 ]; then
	echo "demo: nsj joins namespaces and starts containerd: run it as root (sudo make demo)" >&2
	exit 1
fi
# scripts/deps.sh demo (make demo) installed what is missing.
for cmd in containerd containerd-shim-runc-v2 runc ctr busybox ip ps; do
	command -v "$cmd" >/dev/null || { echo "demo: $cmd is missing: run scripts/deps.sh demo (or make demo)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/nsj-demo.XXXXXX)
SOCK=$WORK/containerd.sock
CGROUP=/nsj-demo-$$
CTD_PID=
# containerd 1.6's shims and ctr use /run/containerd/{s,fifo} whatever the
# socket: remove them afterwards if this demo made them.
RUN_DIRS=()
for d in /run/containerd /run/containerd/s /run/containerd/fifo; do [ -e "$d" ] || RUN_DIRS=("$d" "${RUN_DIRS[@]}"); done
ctr() { command ctr -a "$SOCK" -n "$NS" "$@"; }

cleanup() {
	set +e
	if [ -n "$CTD_PID" ]; then
		ctr task kill -s SIGKILL "$ID" >/dev/null 2>&1
		for _ in $(seq 50); do ctr task ls -q 2>/dev/null | grep -qx "$ID" && [ "$(ctr task ls 2>/dev/null | awk -v id="$ID" '$1==id{print $3}')" != STOPPED ] || break; sleep 0.1; done
		ctr task rm -f "$ID" >/dev/null 2>&1
		ctr container rm "$ID" >/dev/null 2>&1
		kill "$CTD_PID" 2>/dev/null && wait "$CTD_PID" 2>/dev/null
	fi
	for d in /sys/fs/cgroup/*"$CGROUP" /sys/fs/cgroup/*/"$CGROUP" /sys/fs/cgroup"$CGROUP"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	grep -q " $WORK" /proc/self/mountinfo && awk -v w="$WORK" '$5 ~ "^"w {print $5}' /proc/self/mountinfo | sort -r | xargs -r umount -l
	rm -rf "$WORK"
	for d in "${RUN_DIRS[@]}"; do rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# A containerd of our own: nothing shared with the node's.
cat >"$WORK/config.toml" <<CONF
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$SOCK.debug"
[metrics]
  address = ""
CONF
containerd --config "$WORK/config.toml" >"$WORK/containerd.log" 2>&1 &
CTD_PID=$!
for _ in $(seq 100); do command ctr -a "$SOCK" version >/dev/null 2>&1 && break; sleep 0.1; done

# A busybox root filesystem, no registry needed.
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/proc" "$WORK/rootfs/sys" "$WORK/rootfs/dev" "$WORK/rootfs/tmp"
cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
for app in $(busybox --list); do
	[ "$app" = busybox ] || ln -s busybox "$WORK/rootfs/bin/$app"
done
echo "root:x:0:0:root:/root:/bin/sh" >"$WORK/rootfs/etc/passwd"
ctr run -d --null-io --runc-root "$WORK/runc" --cgroup "$CGROUP/$ID" --rootfs "$WORK/rootfs" \
	"$ID" /bin/sh -c 'sleep 100000 & exec sleep 100001' >/dev/null

hosts_ps=$(ps -e --no-headers | wc -l)
mounts=$(cat /proc/self/mountinfo)

step "ctr -n $NS task ls"
ctr task ls
step "nsj -a $SOCK -n $NS $ID ps -ef            # the host's ps, the container's processes"
"$NSJ" -a "$SOCK" -n "$NS" "$ID" ps -ef
step "nsj -a $SOCK -n $NS $ID ip addr           # the host's ip, the container's network"
"$NSJ" -a "$SOCK" -n "$NS" "$ID" ip addr
step "nsj -a $SOCK -n $NS $ID sh -c 'ls \$NSJ_ROOT/bin | head -3'   # the container's files"
"$NSJ" -a "$SOCK" -n "$NS" "$ID" sh -c 'ls $NSJ_ROOT/bin | head -3'
step "ps -e | wc -l   # on the host: unchanged"
echo "before: $hosts_ps processes, after: $(ps -e --no-headers | wc -l); host mounts unchanged: $([ "$mounts" = "$(cat /proc/self/mountinfo)" ] && echo yes || echo NO)"
echo
echo "demo: done; removing the container, containerd and $WORK"
