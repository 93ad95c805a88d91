#!/usr/bin/env bash
# Command 2: every test, native and in the browser. Installs what is missing first.
#   1. native: cargo test (engine, reference cases, properties, command line, doc tests)
#   2. wasm-bindgen-test in headless Chromium (tests/web.rs)
#   3. end-to-end: the real page in Debian's Chromium driven by playwright-core (www/tests/)
set -euo pipefail
cd "$(dirname "$0")/../.."
source www/scripts/tools.sh
ensure_chromium
ensure_rust_wasm
ensure_node_packages
export CHROMEDRIVER=/usr/bin/chromedriver

echo "== 1/3 native tests"
cargo test --all-targets
cargo test --doc

echo "== 2/3 wasm-bindgen tests in headless Chromium"
cargo test --target wasm32-unknown-unknown --no-default-features --test web

echo "== 3/3 end-to-end tests of the page in Chromium"
cargo build --bin optimizer-playground
bash www/scripts/build.sh
node --test --test-reporter=spec www/tests/
