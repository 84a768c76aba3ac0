# anycloud: the two commands a newcomer needs are `make demo` and `make test`.
GO        ?= go
BIN       := bin/anycloud
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
FUZZTIME  ?= 30s
DEMO_ADDR ?= 127.0.0.1:5300

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

# The main job: serve the sample zones on this machine and show how to ask.
demo: build
	@echo "anycloud serving the sample zones on $(DEMO_ADDR) (Ctrl-C stops it). Try:"
	@echo "  dig @$(firstword $(subst :, ,$(DEMO_ADDR))) -p $(lastword $(subst :, ,$(DEMO_ADDR))) sv. SOA +nsid"
	@echo "  dig @$(firstword $(subst :, ,$(DEMO_ADDR))) -p $(lastword $(subst :, ,$(DEMO_ADDR))) www.sv. A"
	@echo "  dig @$(firstword $(subst :, ,$(DEMO_ADDR))) -p $(lastword $(subst :, ,$(DEMO_ADDR))) x.gob.sv. A +norec   (a referral)"
	@echo "  dig @$(firstword $(subst :, ,$(DEMO_ADDR))) -p $(lastword $(subst :, ,$(DEMO_ADDR))) id.server CH TXT"
	$(BIN) serve --listen $(DEMO_ADDR) --zone sv.=examples/zones/sv.zone --zone do.=examples/zones/do.zone \
		--zone gt.=examples/zones/gt.zone --nsid demo-node

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
