# nsj: run host binaries inside a running container's namespaces.
# Every target needs cgo (gcc); test, bench and demo need root.

GO        ?= go
PREFIX    ?= /usr/local
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
STATIC    := -tags netgo,osusergo -ldflags '$(LDFLAGS) -linkmode external -extldflags "-static"'
NSJ_BIN   := $(CURDIR)/bin/nsj
export CGO_ENABLED := 1

.PHONY: help build static release man test unit integration bench demo install uninstall clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# bin/nsj is linked statically as well: nsj executes itself once per run,
# and a dynamic loader costs milliseconds per exec (see docs/design.md).
build: ## build bin/nsj (statically linked)
	$(GO) build $(STATIC) -o bin/nsj ./cmd/nsj

static: ## build bin/nsj-static, statically linked (runs without glibc), for copying to other nodes
	$(GO) build $(STATIC) -o bin/nsj-static ./cmd/nsj

test: build ## unit and integration tests (as root; starts its own containerd)
	NSJ_BIN=$(NSJ_BIN) $(GO) test -count=1 -timeout 40m ./...

unit: ## unit tests only
	$(GO) test -count=1 ./nsjoin/... ./runtime/... ./cmd/...

integration: build ## end-to-end tests only
	NSJ_BIN=$(NSJ_BIN) $(GO) test -count=1 -timeout 40m -v ./integration/

bench: build ## nsj against nsenter/unshare and ctr, side by side (prints medians and ratios)
	NSJ_BIN=$(NSJ_BIN) $(GO) test -count=1 -run '^$$' -bench . -benchtime 40x -timeout 60m ./integration/

release: ## static nsj for linux/amd64 and linux/arm64 with SHA-256 sums in dist/ (needs gcc-aarch64-linux-gnu)
	@command -v aarch64-linux-gnu-gcc >/dev/null || { echo "release: install the arm64 cross compiler: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross" >&2; exit 1; }
	rm -rf dist && mkdir -p dist
	GOOS=linux GOARCH=amd64 CC=gcc $(GO) build $(STATIC) -trimpath -o dist/nsj-linux-amd64 ./cmd/nsj
	GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc $(GO) build $(STATIC) -trimpath -o dist/nsj-linux-arm64 ./cmd/nsj
	cd dist && sha256sum nsj-* > SHA256SUMS && cat SHA256SUMS

man: ## render docs/nsj.1 from docs/nsj.1.md (go-md2man)
	$(GO) run github.com/cpuguy83/go-md2man/v2@v2.0.7 -in docs/nsj.1.md -out docs/nsj.1

demo: build ## start a throwaway containerd and container, run host ps/ip in it, tear down
	./scripts/demo.sh $(NSJ_BIN)

BASH_COMPLETION := $(DESTDIR)$(PREFIX)/share/bash-completion/completions/nsj
ZSH_COMPLETION  := $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_nsj
FISH_COMPLETION := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/nsj.fish

install: build ## install nsj, its man page and shell completions under PREFIX (default /usr/local)
	install -D -m 0755 bin/nsj $(DESTDIR)$(PREFIX)/bin/nsj
	install -D -m 0644 docs/nsj.1 $(DESTDIR)$(PREFIX)/share/man/man1/nsj.1
	install -d $(dir $(BASH_COMPLETION)) $(dir $(ZSH_COMPLETION)) $(dir $(FISH_COMPLETION))
	bin/nsj --completion bash > $(BASH_COMPLETION)
	bin/nsj --completion zsh > $(ZSH_COMPLETION)
	bin/nsj --completion fish > $(FISH_COMPLETION)

uninstall: ## remove what install installed
	rm -f $(DESTDIR)$(PREFIX)/bin/nsj $(DESTDIR)$(PREFIX)/share/man/man1/nsj.1
	rm -f $(BASH_COMPLETION) $(ZSH_COMPLETION) $(FISH_COMPLETION)

clean: ## remove build output
	rm -rf bin dist
