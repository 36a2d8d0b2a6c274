# spampots — see README.md. Everything builds with CGO_ENABLED=0.
export CGO_ENABLED := 0
GO      ?= go
BIN     := bin/spampots
RUNDIR  := run
# Packages the tests need (real clients and servers): installed by `make deps`.
APT_PKGS := swaks postfix nmap zstd procmail proxychains4 curl tcpdump iproute2 p0f dnsmasq-base unbound

.PHONY: build run test deps deps-generate check check-generated fuzz bench generate image data clean

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/spampots

# A collector and a sensor shipping to it, on loopback and the embedded
# defaults (SMTP on 127.0.0.1:2525 and :5870), state under ./run.
run: build
	BIN=$(BIN) RUNDIR=$(RUNDIR) deploy/run-dev.sh

# Installs what the tests need (Debian 12, as root), then runs every test.
test: deps
	$(GO) vet ./...
	CGO_ENABLED=1 $(GO) test -race -shuffle=on -timeout 20m ./...

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# What make generate (and make check, which regenerates) needs: clang for
# the XDP program.
GEN_PKGS := clang llvm libbpf-dev linux-libc-dev

check: check-generated
	$(GO) vet ./...
	test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

FUZZTIME ?= 30s
fuzz:
	$(GO) test -run XXX -fuzz FuzzSMTP -fuzztime $(FUZZTIME) ./sensor/smtp
	$(GO) test -run XXX -fuzz FuzzScan -fuzztime $(FUZZTIME) ./spool/zframe
	$(GO) test -run XXX -fuzz FuzzReader -fuzztime $(FUZZTIME) ./spool/mbox
	$(GO) test -run XXX -fuzz FuzzRoundTrip -fuzztime $(FUZZTIME) ./spool/mbox
	$(GO) test -run XXX -fuzz FuzzParse -fuzztime $(FUZZTIME) ./spool/ship
	$(GO) test -run XXX -fuzz FuzzRequests -fuzztime $(FUZZTIME) ./miner/collect
	$(GO) test -run XXX -fuzz FuzzExtract -fuzztime $(FUZZTIME) ./miner/features
	$(GO) test -run XXX -fuzz FuzzSOCKS -fuzztime $(FUZZTIME) ./sensor/socks
	$(GO) test -run XXX -fuzz FuzzHTTPProxy -fuzztime $(FUZZTIME) ./sensor/httpproxy
	$(GO) test -run XXX -fuzz FuzzWeb -fuzztime $(FUZZTIME) ./sensor/web
	$(GO) test -run XXX -fuzz FuzzClassify -fuzztime $(FUZZTIME) ./sensor/testmsg
	$(GO) test -run XXX -fuzz FuzzParseIP -fuzztime $(FUZZTIME) ./fingerprint
	$(GO) test -run XXX -fuzz FuzzParseDB -fuzztime $(FUZZTIME) ./fingerprint
	$(GO) test -run XXX -fuzz FuzzParseASN -fuzztime $(FUZZTIME) ./enrich
	$(GO) test -run XXX -fuzz FuzzParseDNSBL -fuzztime $(FUZZTIME) ./enrich
	$(GO) test -run XXX -fuzz FuzzTCPDstPort -fuzztime $(FUZZTIME) ./fingerprint/capture
	$(GO) test -run XXX -fuzz FuzzSplit -fuzztime $(FUZZTIME) ./miner/mine

bench: build
	$(GO) test -run XXX -bench . -benchmem ./...

# The IP databases (ASN with prefixes, country) from the @ip-location-db npm
# packages into data/ipdb; needs npm, caches in ~/.cache/spampots/ipdb.
data:
	enrich/data/build.sh data/ipdb

generate: deps-generate
	$(GO) generate ./...

deps-generate:
	@missing=""; for p in $(GEN_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# bpf2go output committed next to its C source must be what `make generate`
# makes from it: regenerate into a scratch directory and compare.
BPF_GEN_DIRS := bpf/synfp
check-generated: deps-generate
	@set -e; for d in $(BPF_GEN_DIRS); do \
		tmp=$$(mktemp -d); \
		args=$$(sed -n 's|^//go:generate go run github.com/cilium/ebpf/cmd/bpf2go ||p' $$d/gen.go); \
		(cd $$d && GOPACKAGE=$$(basename $$d) $(GO) run github.com/cilium/ebpf/cmd/bpf2go -output-dir $$tmp $$args) >/dev/null; \
		for f in $$tmp/*; do \
			cmp -s $$f $$d/$${f##*/} || { echo "$$d/$${f##*/} is stale: run make generate"; rm -rf $$tmp; exit 1; }; \
		done; \
		rm -rf $$tmp; \
	done

image:
	@echo "appliance image: not built yet (appliance-image/ arrives with its issue)"; exit 1

clean:
	rm -rf bin $(RUNDIR)
