# videoflow: every target installs what it needs first (safe to run again).
#   make demo   run the pipeline on sample videos (a generated clip and real footage)
#   make test   check the code (lint, format, layers), then run the test suite
#   make lint   the checks alone: ESLint, Prettier, and the layers (dependency-cruiser)
#   make bench  run the benchmark (writes bench-results.json)
#   make image  build the Flex Template's image with buildah and smoke-test it inside itself
SHELL := /bin/bash
SAMPLES := .cache/samples
# The project's own Node (.node-version, the image's too), fetched by
# scripts/setup-node.sh and first on PATH for every recipe, npm's included.
NODE_VERSION := $(shell tr -d ' \n' < .node-version)
NODE_BIN := $(CURDIR)/.cache/node/v$(NODE_VERSION)/bin
NODE := $(NODE_BIN)/node
export PATH := $(NODE_BIN):$(PATH)
# Named by the Node version: the OpenCV binding is built for its ABI, so after
# a switch of Node `make` runs set-up again and it rebuilds the binding.
DEPS_STAMP := node_modules/.videoflow-deps-node$(NODE_VERSION)

.PHONY: node deps build lint samples runners emulators demo test bench image generate listen clean

node: $(NODE)

$(NODE): .node-version scripts/setup-node.sh scripts/system-deps.sh
	bash scripts/system-deps.sh
	bash scripts/setup-node.sh
	touch $@

deps: $(DEPS_STAMP)

# System packages, the pinned ffmpeg, npm packages (dependencies' install
# scripts are off, see .npmrc), then the Beam SDK patch, the native OpenCV binding and the posix_spawn addon.
# (System packages come first, with the Node: its rule runs system-deps.sh, and runs again when that changes.)
$(DEPS_STAMP): $(NODE) package.json package-lock.json $(wildcard patches/*.patch) scripts/setup-native.js scripts/gdal-stub.cc scripts/gdcm-stub.cc pipeline/native/processes.c pipeline/native/binding.gyp scripts/setup-ffmpeg.sh
	bash scripts/setup-ffmpeg.sh
	npm ci --no-audit --no-fund
	npm run setup
	touch $@

build: deps
	npm run build

samples: $(SAMPLES)/vtest.avi

# Beam's Flink job server (a Maven-resolved class path), Beam's Python SDK
# for its Dataflow job service and the storage emulator, cached in .cache/runners.
runners: deps
	bash scripts/setup-runners.sh

# The local stack's Cloud Storage emulator (fake-gcs-server) alone: what the demo needs.
emulators:
	bash scripts/setup-runners.sh fakegcs

$(SAMPLES)/vtest.avi: scripts/fetch-samples.sh
	bash scripts/fetch-samples.sh $(SAMPLES)
	touch $@

demo: build samples emulators
	bash scripts/demo.sh

# TEST_HOME=DIR runs the tests with that home directory, so that caches kept
# there (Beam's artifact cache, ~/.apache_beam) start empty: .ci/run proves a first run.
test: lint build samples runners
	$(if $(TEST_HOME),HOME=$(TEST_HOME) )npm test

# ESLint's rules, Prettier's layout (`npm run format` applies it) and the code's
# layers (.dependency-cruiser.js: no import circles, no lower layer importing a higher one).
lint: deps
	npm run lint

bench: build samples runners
	bash scripts/system-deps.sh --bench
	npm run bench

# The image from docker/Dockerfile, on stand-in bases made here (no registry is reachable);
# IMAGE=name to tag it otherwise. Cloud Build builds the same Dockerfile from the real bases.
image: node
	bash docker/build-image.sh

# metadata.json and the README's parameter table, from pipeline/src/options.ts.
generate: build
	npm run generate

# videoflow listen against real Pub/Sub and Cloud Storage (Application Default Credentials).
listen: build
	bin/videoflow listen --inputSubscription "$(SUBSCRIPTION)" --output "$(OUTPUT)"

clean:
	rm -rf dist out .cache/bench
