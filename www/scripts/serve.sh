#!/usr/bin/env bash
# Command 1: installs what is missing, builds, and serves the page on 127.0.0.1.
# Usage: bash www/scripts/serve.sh [port]   (default 8080)
set -euo pipefail
cd "$(dirname "$0")/../.."
source www/scripts/tools.sh
ensure_node_packages
bash www/scripts/build.sh
exec node www/scripts/serve.mjs "${1:-8080}"
