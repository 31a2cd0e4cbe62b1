# Strand: the two commands a new user needs.
#   make run   install what is missing, build, start a standalone broker
#   make test  install what is missing, build, run every test
# Other targets: build, deps, test-sanitize (the suite under ASan+UBSan),
# bench, clean.

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN ?= 127.0.0.1:9092
DATA ?= ./data

.PHONY: all deps build run test test-sanitize bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p $(DATA)
	exec $(BUILD)/bin/strand-broker --listen $(LISTEN) --data-dir $(DATA)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-sanitize: deps
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DSTRAND_SANITIZE=ON >/dev/null
	cmake --build build-sanitize -j $(JOBS)
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ctest --test-dir build-sanitize --output-on-failure -j $(JOBS)

bench: build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-sanitize
