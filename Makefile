# gcat — build, demo, test, lint, fuzz, bench.
GO ?= go
BIN := bin/gcat
PEERS := ncat socat nc curl python3 openssl systemd-socket-activate
DEMO_PORT ?= 9999

# Every platform gcat is built for: make cross vets (tests included) and
# builds each, make release packs each.
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 freebsd/amd64 openbsd/amd64 netbsd/amd64 windows/amd64

.PHONY: build run test unit integration lint cross fuzz bench bench-more bench-broker peers clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/gcat

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

# go vet for every platform (which compiles the tests too), then a build of
# the binary for each.
cross:
	@set -e; for p in $(PLATFORMS); do \
	  echo "cross: $$p"; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./...; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/gcat; \
	done

# Installs the real peers the integration tests run against, when missing and
# when we are root; otherwise those tests skip and say why.
peers:
	@missing=""; for p in $(PEERS); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing test peers:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ncat socat netcat-openbsd curl python3 openssl systemd >/dev/null; \
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

clean:
	rm -rf bin
