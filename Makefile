# gcat — build, demo, test, lint, fuzz, bench, install, release.
GO ?= go
BIN ?= bin/gcat
PEERS := ncat socat nc curl python3 openssl systemd-socket-activate mandoc man fish zsh telnet
DEMO_PORT ?= 9999

# The version comes from git (a tag, commits since, -dirty); a source tree
# without git says "devel" unless VERSION is given.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
# urfave_cli_no_docs leaves out urfave/cli's markdown and man generators:
# gcat's man page is generated from its own option table (make docs).
TAGS := urfave_cli_no_docs
LDFLAGS := -X github.com/gcat-dev/gcat/internal/version.stamped=$(VERSION)

# make install: PREFIX (default /usr/local) and DESTDIR, as GNU tools do.
PREFIX ?= /usr/local
BINDIR = $(DESTDIR)$(PREFIX)/bin
MAN1DIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

# Every platform gcat is built for: make cross vets (tests included) and
# builds each, make release packs each.
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 freebsd/amd64 openbsd/amd64 netbsd/amd64 windows/amd64

.PHONY: build run test unit integration lint cross docs install uninstall release fuzz bench bench-more bench-broker bench-attacks peers clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gcat

# Regenerates the man page and the shell completions from the option table
# (cmd/gcat/optiontable.go); a test fails when the committed ones differ.
docs:
	$(GO) test -count=1 -run '^TestGeneratedCurrent$$' ./cmd/gcat -update

install: build
	install -d $(BINDIR) $(MAN1DIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 755 $(BIN) $(BINDIR)/gcat
	install -m 644 docs/gcat.1 $(MAN1DIR)/gcat.1
	install -m 644 completions/gcat.bash $(BASHDIR)/gcat
	install -m 644 completions/_gcat $(ZSHDIR)/_gcat
	install -m 644 completions/gcat.fish $(FISHDIR)/gcat.fish

uninstall:
	rm -f $(BINDIR)/gcat $(MAN1DIR)/gcat.1 $(BASHDIR)/gcat $(ZSHDIR)/_gcat $(FISHDIR)/gcat.fish

# Stripped, reproducible archives for every platform in dist/, with
# SHA256SUMS: the binary (gcat.exe on Windows), the man page, the
# completions and the README. The same commit gives the same bytes.
RELEASE_TIME = $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
release:
	@set -e; rm -rf dist; mkdir -p dist; \
	for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; name=gcat-$(VERSION)-$$os-$$arch; dir=dist/$$name; exe=gcat; \
	  [ $$os = windows ] && exe=gcat.exe; \
	  echo "release: $$name"; \
	  mkdir -p $$dir/completions; \
	  GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build -trimpath -tags $(TAGS) \
	    -ldflags "-s -w -buildid= $(LDFLAGS)" -o $$dir/$$exe ./cmd/gcat; \
	  cp docs/gcat.1 README.md $$dir/; cp completions/gcat.bash completions/_gcat completions/gcat.fish $$dir/completions/; \
	  find $$dir -exec touch -h -d @$(RELEASE_TIME) {} +; \
	  if [ $$os = windows ]; then \
	    (cd dist && find $$name | LC_ALL=C sort | TZ=UTC zip -X -q -@ $$name.zip); \
	  else \
	    tar -C dist --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(RELEASE_TIME) -cf - $$name | gzip -n -9 > dist/$$name.tar.gz; \
	  fi; \
	  rm -rf $$dir; \
	done; \
	cd dist && sha256sum gcat-* > SHA256SUMS && cat SHA256SUMS

# A demo of gcat's main job: expose a program (here an upper-casing filter)
# to the network, one child per connection. Talk to it from another terminal:
#   echo hello | bin/gcat 127.0.0.1 9999      -> HELLO
run: build
	@echo "gcat: serving 'tr a-z A-Z' on 127.0.0.1:$(DEMO_PORT); try: echo hello | $(BIN) 127.0.0.1 $(DEMO_PORT)   (Ctrl-C stops)"
	$(BIN) -lkv 127.0.0.1 $(DEMO_PORT) -c 'tr a-z A-Z'

# Everything CI checks: lint, every platform's vet and build, unit tests and
# integration tests with -race.
test: peers lint cross
	GCAT_TEST_RACE=1 $(GO) test -race -count=1 -timeout 30m ./...

unit:
	$(GO) test -race -count=1 ./pkg/... ./cmd/...

integration:
	GCAT_TEST_RACE=1 $(GO) test -race -count=1 -timeout 30m ./tests/...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# go vet and staticcheck for every platform (vet compiles the tests too),
# then a build of the binary for each. staticcheck is built for this
# machine once, then pointed at each GOOS/GOARCH; its unused-code check is
# left to make lint, since code used on some platforms only is not dead.
cross:
	@set -e; sc=$$(mktemp -d)/staticcheck; $(GO) build -o $$sc honnef.co/go/tools/cmd/staticcheck; \
	for p in $(PLATFORMS); do \
	  echo "cross: $$p"; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./...; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} $$sc -checks inherit,-U1000 ./...; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build -tags $(TAGS) -o /dev/null ./cmd/gcat; \
	done; rm -rf $$(dirname $$sc)

# Installs the real peers the integration tests run against, when missing and
# when we are root; otherwise those tests skip and say why.
peers:
	@missing=""; for p in $(PEERS); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing test peers:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ncat socat netcat-openbsd curl python3 openssl systemd mandoc man-db fish zsh telnet >/dev/null; \
	else echo "test peers missing:$$missing (not root: tests that need them will skip)"; fi

FUZZTIME ?= 20s
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzNormalize -fuzztime=$(FUZZTIME) ./cmd/gcat
	$(GO) test -run='^$$' -fuzz=FuzzSplit -fuzztime=$(FUZZTIME) ./pkg/exec
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./pkg/timespec
	$(GO) test -run='^$$' -fuzz=FuzzCiphers -fuzztime=$(FUZZTIME) ./pkg/tlsconf
	$(GO) test -run='^$$' -fuzz=FuzzParseRate -fuzztime=$(FUZZTIME) ./pkg/ratelimit
	$(GO) test -run='^$$' -fuzz=FuzzReader -fuzztime=$(FUZZTIME) ./pkg/crlf
	$(GO) test -run='^$$' -fuzz=FuzzDump -fuzztime=$(FUZZTIME) ./pkg/hexdump
	$(GO) test -run='^$$' -fuzz=FuzzFilter -fuzztime=$(FUZZTIME) ./pkg/telnet
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./pkg/hostspec
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./pkg/portspec
	$(GO) test -run='^$$' -fuzz='^FuzzParseAuthItems$$' -fuzztime=$(FUZZTIME) ./pkg/httpproxy
	$(GO) test -run='^$$' -fuzz='^FuzzDigestRoundTrip$$' -fuzztime=$(FUZZTIME) ./pkg/httpproxy
	$(GO) test -run='^$$' -fuzz='^FuzzReadResponse$$' -fuzztime=$(FUZZTIME) ./pkg/httpproxy
	$(GO) test -run='^$$' -fuzz='^FuzzServe$$' -fuzztime=$(FUZZTIME) ./pkg/httpproxy
	$(GO) test -run='^$$' -fuzz='^FuzzServerRequest4$$' -fuzztime=$(FUZZTIME) ./pkg/socks
	$(GO) test -run='^$$' -fuzz='^FuzzServerRequest5$$' -fuzztime=$(FUZZTIME) ./pkg/socks
	$(GO) test -run='^$$' -fuzz='^FuzzXNetRequest$$' -fuzztime=$(FUZZTIME) ./pkg/socks
	$(GO) test -run='^$$' -fuzz='^FuzzClientReply5$$' -fuzztime=$(FUZZTIME) ./pkg/socks
	$(GO) test -run='^$$' -fuzz='^FuzzClientReply4$$' -fuzztime=$(FUZZTIME) ./pkg/socks
	$(GO) test -run='^$$' -fuzz='^FuzzParseEnv$$' -fuzztime=$(FUZZTIME) ./pkg/activation

bench: build
	scripts/bench

bench-more: build
	scripts/bench-more

bench-broker: build
	scripts/bench-broker

bench-attacks: build
	scripts/bench-attacks

clean:
	rm -rf bin dist
