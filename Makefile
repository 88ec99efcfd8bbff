# nsj: run host binaries inside a running container's namespaces.
# Every target needs cgo (gcc); test, bench and demo need root.

GO        ?= go
PREFIX    ?= /usr/local
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The commit is stamped by the linker: go's own VCS stamp (vcs.revision)
# is missing when GOFLAGS holds -buildvcs=false or git cannot be run.
COMMIT    ?= $(shell c=$$(git rev-parse HEAD 2>/dev/null) && { git diff --quiet HEAD 2>/dev/null || c=$$c-dirty; echo $$c; })
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
LINK_STATIC := -linkmode external -extldflags "-static"
STATIC    := -tags netgo,osusergo -ldflags '$(LDFLAGS) $(LINK_STATIC)'
# The integration tests run bin/nsj-test, built with the tag nsjtest: it
# obeys their hooks (_NSJ_TEST_STOP_AT, internal/plan/hook_nsjtest.go).
# bin/nsj (make build, make install) and make release leave the hooks out.
TESTHOOKS := -tags netgo,osusergo,nsjtest -ldflags '$(LDFLAGS) $(LINK_STATIC)'
# Release binaries are stripped of their symbol table and DWARF (-s -w);
# panics still print file:line (the pclntab stays).
RELEASE   := -tags netgo,osusergo -trimpath -ldflags '$(LDFLAGS) -s -w $(LINK_STATIC)'
NSJ_BIN   := $(CURDIR)/bin/nsj-test
export CGO_ENABLED := 1

.PHONY: help deps docs-check build test-build kubectl-nsj release release-amd64 man lint test unit integration containerd2 test-containerd2 test-cgroup2 test-arm64 k8s cluster cluster-down playground playground-down bench soak demo install uninstall clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# bin/nsj is linked statically: nsj executes itself once per run, and a
# dynamic loader costs milliseconds per exec (see docs/design.md); it also
# runs on nodes without Go or the same glibc.
build: ## build bin/nsj, statically linked
	$(GO) build $(STATIC) -o bin/nsj ./cmd/nsj

# bin/nsj-test is bin/nsj with the integration tests' hooks.
test-build:
	$(GO) build $(TESTHOOKS) -o bin/nsj-test ./cmd/nsj

# The kubectl plugin talks to the API server only: pure Go, no cgo, any OS.
kubectl-nsj: ## build bin/kubectl-nsj, the kubectl plugin (kubectl nsj POD -- COMMAND; docs/kubernetes.md)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS) -s -w' -o bin/kubectl-nsj ./cmd/kubectl-nsj

# make lint: gofmt, go vet and staticcheck over the Go, and the
# constructor's C through gcc's warnings and its static analyser
# (-fanalyzer), compiled to /dev/null as cgo compiles it. staticcheck is
# built once from its module, pinned, into NSJ_TOOLS_DIR; the directory
# names its version and Go's, so a new pin or a new Go builds it afresh.
STATICCHECK_VERSION := v0.8.2
NSJ_TOOLS_DIR ?= $(HOME)/.cache/nsj/bin
C_LINT        := -Wall -Wextra -Wshadow -Werror -O2

lint: ## gofmt, go vet, staticcheck, and the C through gcc -Wall -Wextra -Wshadow -Werror -fanalyzer (staticcheck: needs the Go module proxy once)
	@files=$$(gofmt -l .); \
		if [ -n "$$files" ]; then echo "lint: not gofmt-formatted (run gofmt -w on them):" >&2; echo "$$files" >&2; exit 1; fi
	$(GO) vet ./...
	@sc=$(NSJ_TOOLS_DIR)/staticcheck-$(STATICCHECK_VERSION)-$$($(GO) env GOVERSION); \
		if [ ! -x $$sc/staticcheck ]; then echo "lint: building staticcheck $(STATICCHECK_VERSION) into $$sc"; \
			GOBIN=$$sc $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) || exit 1; fi; \
		echo "staticcheck ./..."; $$sc/staticcheck ./...
	for f in nsjoin/*.c; do gcc $(C_LINT) -fanalyzer -c -o /dev/null $$f || exit 1; done

# make test and make demo install the Debian/Ubuntu packages they need
# first, when missing (scripts/deps.sh; quick when all are there).
deps: ## install the Debian/Ubuntu packages make test needs, if missing (as root; docker.io without starting dockerd)
	./scripts/deps.sh test

# The docs name files, tests, flags and make targets, and quote numbers:
# scripts/docscheck checks that each exists and recomputes each number.
docs-check: build kubectl-nsj ## check that the files, tests, flags and make targets the docs name exist, and recompute the numbers they quote
	$(GO) run ./scripts/docscheck

test: deps docs-check test-build k8s ## the docs check, unit and integration tests (as root; starts its own containerd and one-node cluster), then the cgroup v2 run
	NSJ_K8S_DIR=$(NSJ_K8S_DIR) NSJ_BIN=$(NSJ_BIN) $(GO) test -count=1 -timeout 60m ./...
	$(MAKE) --no-print-directory test-cgroup2

unit: ## unit tests only
	$(GO) test -count=1 ./nsjoin/... ./runtime/... ./cmd/... ./internal/...

integration: deps test-build k8s ## end-to-end tests only
	NSJ_K8S_DIR=$(NSJ_K8S_DIR) NSJ_BIN=$(NSJ_BIN) $(GO) test -count=1 -timeout 40m -v ./integration/

# The whole suite runs against containerd 2.x as well (the one-node
# cluster's CRI containerd too), built from its Go module once into
# NSJ_CONTAINERD2_DIR, but for Docker (dockerd 20.10 starts the containerd
# it was built for) and make cluster (a person's cluster, tried once).
NSJ_CONTAINERD2_DIR ?= $(HOME)/.cache/nsj/containerd-v2.4.2
CONTAINERD2_SKIP    := ^(TestDocker|TestMakeCluster)

containerd2: ## build containerd 2.x and its runc shim into NSJ_CONTAINERD2_DIR (cached; needs the Go module proxy)
	./scripts/containerd2.sh $(NSJ_CONTAINERD2_DIR)

test-containerd2: test-build containerd2 k8s ## the integration suite against containerd 2.x (but Docker's)
	PATH=$(NSJ_CONTAINERD2_DIR):$$PATH NSJ_CONTAINERD_VERSION=2. NSJ_K8S_DIR=$(NSJ_K8S_DIR) NSJ_BIN=$(NSJ_BIN) \
		$(GO) test -count=1 -timeout 40m -skip '$(CONTAINERD2_SKIP)' ./integration/

# The containerd and task tests again, with containerd and runc in a
# private mount namespace whose /sys/fs/cgroup is cgroup2 (NSJ_CGROUP=2;
# integration/cgroup2_test.go). The CRI pod tests are skipped: CRI sets
# cpu.weight on every sandbox, and on a hybrid host the cpu controller is
# bound to cgroup v1 (docs/compatibility.md).
CGROUP2_TESTS := ^(TestContainerdServers|TestConnect|TestFind|TestList|TestRecheck|TestRunc|TestSpec|TestInspect|TestTask|TestAddress|TestUnreachable|TestHostNetwork|TestPaused|TestCgroup)
CGROUP2_SKIP := ^(TestPod|TestK8s|TestCrashLooping|TestSharedPID|TestHostNetworkPod|TestListPods)

test-cgroup2: test-build ## the containerd and task tests with containerd and runc on cgroup v2 (as root)
	NSJ_CGROUP=2 NSJ_BIN=$(NSJ_BIN) $(GO) test -count=1 -timeout 30m \
		-run '$(CGROUP2_TESTS)' -skip '$(CGROUP2_SKIP)' ./integration/

# The arm64 binary, cross-built as make release does, run under Debian's
# qemu-user-static (qemu-aarch64-static). Not part of make test: the cross
# build takes minutes. Only --version: qemu-user does not translate nsj's
# namespace ioctls (NS_GET_NSTYPE: ENOSYS), so a join is not tried here.
test-arm64: ## cross-build the static arm64 nsj and run it under qemu-aarch64-static (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static)
	GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc $(GO) build $(STATIC) -trimpath -o bin/nsj-linux-arm64 ./cmd/nsj
	qemu-aarch64-static bin/nsj-linux-arm64 --version

# The kubelet tests (integration/k8s_*) run a one-node cluster (and the
# k8s_nodes tests a two-node one, started only for them): etcd and
# kube-apiserver, kubelet, kubectl, kube-controller-manager, kube-scheduler,
# built from their Go modules once into NSJ_K8S_DIR (about 15 minutes cold).
NSJ_K8S_DIR ?= $(HOME)/.cache/nsj/k8s-v1.37.2

k8s: ## build etcd and the Kubernetes binaries into NSJ_K8S_DIR (cached; needs the Go module proxy)
	./scripts/k8s.sh $(NSJ_K8S_DIR)

# make cluster: the tests' one-node cluster, detached, for a person to try
# kubectl nsj on this machine (README: "Try kubectl nsj on one machine").
# Its state (processes, saved host state, kubeconfig, bin/) is in
# NSJ_CLUSTER_DIR; make cluster-down stops it and puts the host back.
NSJ_CLUSTER_DIR ?= /var/lib/nsj-cluster
NSJ_CLUSTER     := NSJ_K8S_DIR=$(NSJ_K8S_DIR) NSJ_BIN=$(CURDIR)/bin/nsj bin/nsj-cluster -dir $(NSJ_CLUSTER_DIR)

bin/nsj-cluster: $(wildcard integration/harness/*.go integration/harness/cluster/*.go integration/harness/cmd/nsj-cluster/*.go)
	$(GO) build -o $@ ./integration/harness/cmd/nsj-cluster

# NODES=N (2 or more): nodes nsj-node-1..N, each a kubelet and containerd
# in a network namespace of its own (ip netns, veth to a bridge).
NODES ?= 1

cluster: build kubectl-nsj k8s bin/nsj-cluster ## start a cluster with the nsj agent (as root; NODES=2 for two nodes) and print the exports to paste
	$(NSJ_CLUSTER) -plugin bin/kubectl-nsj -nodes $(NODES) up

cluster-down: k8s bin/nsj-cluster ## stop the cluster of make cluster and put the host back as it was
	$(NSJ_CLUSTER) down

# make playground: a containerd of its own with named containers (web with
# a network, db, app without a shell), detached, for a person to try the
# README's examples on (README: "Try it"). Its socket is in a new
# directory under /tmp, not /run/containerd's; its state is in
# NSJ_PLAYGROUND_DIR. make playground-down removes it all.
NSJ_PLAYGROUND_DIR ?= /var/lib/nsj-playground
NSJ_PLAYGROUND     := bin/nsj-playground -dir $(NSJ_PLAYGROUND_DIR) -bin $(CURDIR)/bin

bin/nsj-playground: $(wildcard integration/harness/*.go integration/harness/cmd/nsj-playground/*.go)
	$(GO) build -o $@ ./integration/harness/cmd/nsj-playground

playground: ## start a throwaway containerd with named containers to try nsj on (as root) and print the commands to try
	$(NEED_ROOT)
	./scripts/deps.sh demo
	$(MAKE) --no-print-directory build bin/nsj-playground
	@$(NSJ_PLAYGROUND) up

playground-down: ## remove the playground of make playground and put the host back as it was
	$(NEED_ROOT)
	$(MAKE) --no-print-directory bin/nsj-playground
	@$(NSJ_PLAYGROUND) down

bench: build ## nsj against nsenter/unshare and ctr, side by side (prints medians and ratios)
	NSJ_BIN=$(CURDIR)/bin/nsj $(GO) test -count=1 -run '^$$' -bench . -benchtime 40x -timeout 60m ./integration/

soak: test-build ## 10,000 runs against one task, serially and 64 at a time; nothing may leak (docs/security.md)
	NSJ_BIN=$(NSJ_BIN) NSJ_SOAK_RUNS=10000 $(GO) test -count=1 -run '^TestSoak' -timeout 120m -v ./integration/

# The amd64 nsj of make release alone, into DIST (default dist/):
# integration/testhook_test.go builds it so to check that a release
# binary ignores the test hooks.
DIST ?= dist
release-amd64: ## the static, stripped nsj for linux/amd64 of make release, into DIST (default dist/)
	mkdir -p $(DIST)
	GOOS=linux GOARCH=amd64 CC=gcc $(GO) build $(RELEASE) -o $(DIST)/nsj-linux-amd64 ./cmd/nsj

release: ## static, stripped nsj for linux/amd64 and arm64, kubectl-nsj for linux/darwin/windows, SHA-256 sums, in dist/ (needs gcc-aarch64-linux-gnu)
	@command -v aarch64-linux-gnu-gcc >/dev/null || { echo "release: install the arm64 cross compiler: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross" >&2; exit 1; }
	rm -rf dist
	$(MAKE) --no-print-directory release-amd64
	GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc $(GO) build $(RELEASE) -o dist/nsj-linux-arm64 ./cmd/nsj
	for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS) -s -w' \
			-o dist/kubectl-nsj-$$os-$$arch$$ext ./cmd/kubectl-nsj || exit 1; \
	done
	cd dist && sha256sum nsj-* kubectl-nsj-* > SHA256SUMS && cat SHA256SUMS

man: ## render docs/nsj.1 from docs/nsj.1.md (go-md2man)
	$(GO) run github.com/cpuguy83/go-md2man/v2@v2.0.7 -in docs/nsj.1.md -out docs/nsj.1

# Root is checked first: as another user go build would fail on the Go
# cache before the demo could say what it needs.
NEED_ROOT = @[ "$$(id -u)" = 0 ] || { echo "$@: nsj joins namespaces and starts containerd: run it as root (sudo make $@)" >&2; exit 1; }

demo: ## install containerd, runc and busybox-static if missing, start a throwaway containerd and container, run host ps/ip in it, tear down (as root)
	$(NEED_ROOT)
	./scripts/deps.sh demo
	$(MAKE) --no-print-directory build
	./scripts/demo.sh $(CURDIR)/bin/nsj

# The completions go where each shell looks by default (Debian, Ubuntu)
# for this PREFIX. PREFIX=/usr is the distribution's: zsh's vendor-completions,
# fish's vendor_completions.d. Any other PREFIX (/usr/local): zsh's
# PREFIX/share/zsh/site-functions (on Debian's default $$fpath for
# /usr/local), and fish's SYSCONFDIR/fish/completions, as fish looks under
# PREFIX/share only when $$XDG_DATA_DIRS names it, which Debian does not set.
# bash-completion finds PREFIX/share/bash-completion/completions from
# where nsj is (PREFIX/bin).
SYSCONFDIR      ?= /etc
BASH_COMPLETION := $(DESTDIR)$(PREFIX)/share/bash-completion/completions/nsj
ifeq ($(PREFIX),/usr)
ZSH_COMPLETION  := $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_nsj
FISH_COMPLETION := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/nsj.fish
else
ZSH_COMPLETION  := $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_nsj
FISH_COMPLETION := $(DESTDIR)$(SYSCONFDIR)/fish/completions/nsj.fish
endif

install: build kubectl-nsj ## install nsj, its man page and shell completions, and kubectl-nsj, under PREFIX (default /usr/local)
	install -D -m 0755 bin/nsj $(DESTDIR)$(PREFIX)/bin/nsj
	install -D -m 0755 bin/kubectl-nsj $(DESTDIR)$(PREFIX)/bin/kubectl-nsj
	install -D -m 0644 docs/nsj.1 $(DESTDIR)$(PREFIX)/share/man/man1/nsj.1
	install -d $(dir $(BASH_COMPLETION)) $(dir $(ZSH_COMPLETION)) $(dir $(FISH_COMPLETION))
	bin/nsj --completion bash > $(BASH_COMPLETION)
	bin/nsj --completion zsh > $(ZSH_COMPLETION)
	bin/nsj --completion fish > $(FISH_COMPLETION)

uninstall: ## remove what install installed
	rm -f $(DESTDIR)$(PREFIX)/bin/nsj $(DESTDIR)$(PREFIX)/share/man/man1/nsj.1
	rm -f $(DESTDIR)$(PREFIX)/bin/kubectl-nsj
	rm -f $(BASH_COMPLETION) $(ZSH_COMPLETION) $(FISH_COMPLETION)

clean: ## remove build output
	rm -rf bin dist
