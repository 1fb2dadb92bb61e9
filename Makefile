# Tollgate — the two commands: `make run` and `make test`. See README.md.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build run test unit e2e bench asan fuzz format tidy clean

all: build

deps:
	@bash scripts/install-deps.sh test

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Starts authz (127.0.0.1:9000), gateway (127.0.0.1:8080) and network
# (127.0.0.1:9200) in one process with SQLite in ./data.
run: build
	./$(BUILD_DIR)/tollgate run --data-dir ./data

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 900

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit

e2e: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L e2e

bench: build
	@bash scripts/install-deps.sh bench
	bash bench/run.sh

# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTOLLGATE_SANITIZE=ON -DTOLLGATE_BENCH=OFF
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure --timeout 1200

# libFuzzer targets (clang 16, installed by the script; not part of make test),
# each run for FUZZ_SECONDS (default 60).
fuzz:
	bash scripts/fuzz.sh

format:
	find src bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

tidy: build
	find src -name '*.cc' ! -name '*_test.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
