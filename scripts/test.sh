#!/usr/bin/env bash
# Installs what the tests need (idempotently) and runs the whole suite: the Rust tests
# (unit, fixture snapshots, bounded fuzzing, CLI end-to-end, the language server driven by headless
# Neovim, the image shaders on Mesa's lavapipe), the browser tests that run compiled components
# in headless Chromium (the dev server's hot replacement included: tests/browser/dev.test.mjs), and the VS Code extension's tests (typecheck, unit tests with a fake
# editor and server, grammar snapshots, `vsce package`).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing Debian's chromium"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1; then
  echo "==> installing Node.js"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
fi
if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  echo "==> installing Mesa's lavapipe (Vulkan on the CPU, so crates/gpu/tests run the real shaders)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq mesa-vulkan-drivers >/dev/null
fi
if ! command -v nvim >/dev/null 2>&1; then
  echo "==> installing Debian's neovim (a real LSP client for crates/lsp/tests/neovim.rs)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq neovim >/dev/null
fi

echo "==> remote-cache test services (PostgreSQL, BuildGrid, nginx, a BuildGrid with TLS and tokens, on loopback)"
scripts/remote-cluster/up.sh
trap 'scripts/remote-cluster/down.sh' EXIT

echo "==> npm dependencies of the browser tests and of examples/npm"
(cd tests/browser && npm ci --no-audit --no-fund --silent)
(cd examples/npm && npm ci --no-audit --no-fund --silent)

echo "==> cargo build"
cargo build --workspace --all-targets

echo "==> cargo test"
cargo test --workspace

echo "==> browser tests (headless Chromium)"
./target/debug/eghact build examples/app
node --test tests/browser/

echo "==> VS Code extension (typecheck, unit and grammar tests, vsce package)"
(cd vscode-extension && npm ci --no-audit --no-fund --silent && npm test)
