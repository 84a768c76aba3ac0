# anycloud: the two commands a newcomer needs are `make demo` and `make test`.
GO        ?= go
BIN       := bin/anycloud
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
FUZZTIME  ?= 30s

.PHONY: all build test vet fmt-check demo bench fuzz deb clean

all: build

build:
	$(GO) build -buildvcs=auto -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/anycloud

# Everything CI runs: formatting, vet, and every test (the interop tests
# start real Knot DNS and NSD; the lab tests need root).
test: fmt-check vet
	$(GO) test -count=1 -timeout 40m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# The main job: the whole cloud on this machine (root): Knot primaries for
# sv., do. and gt., the hub, three anycast nodes behind BIRD routers in six
# cities, the monitor; `lab up` returns once every city is served. A demo
# run replaces the previous demo lab.
demo: build
	@$(BIN) lab down
	$(BIN) lab up
	@echo "open http://127.0.0.1:8053/ for the dashboard, and try:"
	@echo "  $(BIN) lab exec santiago -- dig @198.51.100.53 sv. SOA +nsid"
	@echo "  $(BIN) lab exec bogota -- dig @2001:db8:53::53 www.do. AAAA +nsid +tcp"
	@echo "  $(BIN) lab status"
	@echo "  $(BIN) lab fail node-mexico-city stop-dns && $(BIN) lab status && $(BIN) lab heal node-mexico-city"
	@echo "  $(BIN) lab bump sv."
	@echo "  $(BIN) lab down      # stops everything, removes every namespace"

# Benchmark against NSD and Knot DNS (dnsperf, one run, ratios); see docs/bench.md.
bench: build
	$(GO) run ./bench $(BENCH_ARGS)

# Debian packages (amd64, arm64) into dist/; see docs/install.md.
deb:
	VERSION=$(VERSION) sh packaging/build.sh

# Run every native fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin dist
