# anycloud: the two commands a newcomer needs are `make demo` and `make test`
# (fresh Debian machine, as root, with Go): each installs the Debian packages
# it needs first (scripts/install-deps.sh, only those missing).
GO        ?= go
BIN       := bin/anycloud
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
FUZZTIME  ?= 30s
TESTFLAGS ?=

# Go from go.dev's tarball lives in /usr/local/go, often not on PATH (root's
# shell on a fresh machine); tests and packaging/build.sh run `go` too.
ifeq ($(shell command -v $(GO) 2>/dev/null),)
export PATH := /usr/local/go/bin:$(PATH)
endif

# Under CI, a test may not skip because something is missing (a package,
# root, ::1): internal/testenv turns that skip into a failure naming it.
ifeq ($(CI),true)
export ANYCLOUD_REQUIRE_ALL ?= 1
endif

# The three levels of `make test`, by package and by internal/testenv:
#   lab      ./internal/lab/cloud: the whole cloud in namespaces (root).
#   interop  tests that start a real knotd, nsd, bird or chromium; each calls
#            testenv.Interop (testpeer's StartPrimary, StartKnot, StartNSD do),
#            so they skip by choice with ANYCLOUD_TEST_LEVEL=unit. Their
#            packages: those whose tests call testenv.Interop or import
#            testpeer (their other tests run there too).
#   unit     every other test of every other package.
PKGS_lab     := ./internal/lab/cloud
PKGS_unit     = $(filter-out anycloud/internal/lab/cloud,$(shell $(GO) list ./...))
PKGS_interop  = $(sort ./internal/testpeer $(filter-out ./internal/lab/cloud,\
                $(patsubst %/,%,$(dir $(shell grep -rlE --include='*_test.go' \
                  -e 'testenv\.Interop|"anycloud/internal/testpeer"' .)))))

.PHONY: all build test test-unit test-interop test-lab test-internet test-bare deps-demo deps-test \
	vet fmt-check demo bench fuzz deb clean

all: build

build:
	$(GO) build -buildvcs=auto -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/anycloud

# The Debian packages of the demo and of the tests (a superset), installed
# when missing; as another user than root, missing ones are an error.
deps-demo:
	@bash scripts/install-deps.sh demo
deps-test:
	@bash scripts/install-deps.sh test

# Everything CI runs: formatting, vet, then unit, interop and lab tests.
# Nothing here needs the internet beyond apt and Go modules: the package
# test needs a Debian tree from a mirror, made by `make test-internet` (once
# cached, test-unit runs it too).
test: deps-test fmt-check vet test-unit test-interop test-lab

# One level each, its packages in PKGS_<level>. test-lab needs root and,
# its namespace names being fixed, runs one at a time on a machine.
test-unit test-interop test-lab: test-%: deps-test
	ANYCLOUD_TEST_LEVEL=$* $(GO) test -count=1 -timeout 40m $(TESTFLAGS) $(PKGS_$*)

# The package test in a Debian tree made by debootstrap from a mirror
# (ANYCLOUD_DEBIAN_MIRROR; cached under $$TMPDIR/anycloud-pkgtest). Root.
test-internet: deps-test
	ANYCLOUD_TEST_INTERNET=1 $(GO) test -count=1 -timeout 40m -run TestInstallInCleanTree $(TESTFLAGS) ./packaging

# The bare-machine promise itself: debootstrap bookworm into BARE_DIR, copy
# the repository and Go in, and run BARE_TARGET (default deps-test: the
# installer, twice, the second time with nothing to do) inside it. Needs
# root and a Debian mirror; not part of `make test`.
BARE_DIR    ?= /tmp/anycloud-bare
BARE_TARGET ?= deps-test
test-bare:
	bash scripts/test-bare.sh $(BARE_DIR) $(BARE_TARGET)

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# The main job: the whole cloud on this machine (root): Knot primaries for
# sv., do. and gt., the hub, three anycast nodes behind BIRD routers in six
# cities, the monitor; `lab up` returns once every city is served. A demo
# run replaces the previous demo lab.
demo: deps-demo build
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
