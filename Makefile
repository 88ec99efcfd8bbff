# nsj: run host binaries inside a running container's namespaces.
# Every target needs cgo (gcc); test, bench and demo need root.

GO        ?= go
PREFIX    ?= /usr/local
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
STATIC    := -tags netgo,osusergo -ldflags '$(LDFLAGS) -linkmode external -extldflags "-static"'
NSJ_BIN   := $(CURDIR)/bin/nsj
export CGO_ENABLED := 1

.PHONY: help build static test unit integration bench demo install uninstall clean

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

demo: build ## start a throwaway containerd and container, run host ps/ip in it, tear down
	./scripts/demo.sh $(NSJ_BIN)

install: build ## install nsj and its man page under PREFIX
	install -D -m 0755 bin/nsj $(DESTDIR)$(PREFIX)/bin/nsj
	install -D -m 0644 docs/nsj.1 $(DESTDIR)$(PREFIX)/share/man/man1/nsj.1

uninstall: ## remove what install installed
	rm -f $(DESTDIR)$(PREFIX)/bin/nsj $(DESTDIR)$(PREFIX)/share/man/man1/nsj.1

clean: ## remove build output
	rm -rf bin dist
