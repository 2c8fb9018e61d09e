#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (cargo-fuzz) of the parser, the compiler, the style
# scoper and the language server's framing. Each target runs RUNS inputs (2,500,000 by default:
# 10 million for the four), starting from its committed corpus plus the repository's components,
# with a 10 s limit per input (a hang is a failure) and 4 GiB of memory. A crash leaves its
# input under fuzz/artifacts/TARGET/; `cargo fuzz run TARGET FILE` replays it.
#   scripts/fuzz.sh [RUNS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-2500000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse compile css framing)

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# cargo-fuzz passes -Z flags to rustc, and the one toolchain here is stable.
export RUSTC_BOOTSTRAP=1

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/egh" "$seeds/css"
i=0
while IFS= read -r -d '' file; do
  i=$((i + 1))
  cp "$file" "$seeds/egh/$i.egh"
  # The style blocks alone seed the scoper.
  awk '/<style[^>]*>/{on=1; sub(/.*<style[^>]*>/, "")} /<\/style>/{sub(/<\/style>.*/, ""); print; on=0} on' "$file" > "$seeds/css/$i.css"
done < <(find crates/*/tests/fixtures examples tests -name '*.egh' -print0 | sort -z)

for target in "${targets[@]}"; do
  case $target in
    parse | compile) extra=("$seeds/egh") ;;
    css) extra=("$seeds/css") ;;
    *) extra=() ;;
  esac
  mkdir -p "fuzz/corpus/$target"
  echo "==> $target: $runs inputs"
  (cd fuzz && cargo fuzz run --sanitizer none "$target" "corpus/$target" "${extra[@]}" -- \
    -runs="$runs" -timeout=10 -rss_limit_mb=4096 -max_len=16384 -print_final_stats=1)
done
