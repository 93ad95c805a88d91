#!/usr/bin/env bash
# Builds the WebAssembly module into www/pkg (installing the wasm32 target and the matching
# wasm-bindgen-cli when they are missing). Usage: bash www/scripts/build.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/../.."
source www/scripts/tools.sh
ensure_rust_wasm
profile=release
[ "${1:-}" = "--dev" ] && profile=dev
echo "== building the wasm module ($profile)"
if [ "$profile" = release ]; then
  cargo build --lib --release --target wasm32-unknown-unknown --no-default-features
  wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/optimizer_playground.wasm"
else
  cargo build --lib --target wasm32-unknown-unknown --no-default-features
  wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/debug/optimizer_playground.wasm"
fi
rm -rf www/pkg
wasm-bindgen --target web --no-typescript --out-dir www/pkg "$wasm"
if [ "$profile" = release ] && [ -x node_modules/.bin/wasm-opt ]; then
  node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --zero-filled-memory --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-simd \
    www/pkg/optimizer_playground_bg.wasm -o www/pkg/optimizer_playground_bg.opt.wasm
  mv www/pkg/optimizer_playground_bg.opt.wasm www/pkg/optimizer_playground_bg.wasm
fi
# What the page offers (surfaces, optimizers, schedules, …), from the engine's declarations.
cargo run --quiet --bin optimizer-playground -- catalog > www/pkg/catalog.json
raw=$(stat -c %s www/pkg/optimizer_playground_bg.wasm)
gz=$(gzip -9 -c www/pkg/optimizer_playground_bg.wasm | wc -c)
echo "== www/pkg/optimizer_playground_bg.wasm: $raw bytes, $gz gzipped"
