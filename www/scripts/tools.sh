# Shared install steps (sourced). Installs only what is missing; nothing is downloaded but
# packages from the registries (crates.io, npm, Debian).

# The wasm-bindgen version pinned in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_rust_wasm() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo "== installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  [ -f Cargo.lock ] || cargo generate-lockfile
  local want have
  want=$(wasm_bindgen_version)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    echo "== installing wasm-bindgen-cli $want (to match Cargo.lock; takes a few minutes once)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_node_packages() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "== installing Node.js and npm"
    apt_install nodejs npm
  fi
  # Every devDependency of package.json at its pinned version (playwright-core, binaryen,
  # d3-contour, lighthouse, axe-core, …), else a clean install from package-lock.json.
  local missing
  missing=$(node -e '
    const fs = require("fs");
    const want = require("./package.json").devDependencies || {};
    const have = (n) => { try { return JSON.parse(fs.readFileSync(`node_modules/${n}/package.json`, "utf8")).version; } catch { return null; } };
    console.log(Object.entries(want).filter(([n, v]) => have(n) !== v).map(([n, v]) => `${n}@${v}`).join(" "));')
  if [ -n "$missing" ]; then
    echo "== installing npm packages (missing: $missing)"
    npm ci --no-audit --no-fund
  fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "== installing Debian's chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
}
