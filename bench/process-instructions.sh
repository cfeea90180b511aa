#!/usr/bin/env bash
# Instructions per event of the process stage's CPU path and of its essential work, counted by
# callgrind (see bench/process-instructions.ts): for each mode, LO and HI measured passes after WARM
# warm-up passes (the two runs in parallel); prints (Ir(HI) - Ir(LO)) / ((HI - LO) * events), and
# the CPU path as a share of the essential work by instructions. Niced: the box is shared.
#   bench/process-instructions.sh [modes="stage essential stage-nomine essential-nomine"] [lo=1] [hi=3] [warm=3]
set -euo pipefail
cd "$(dirname "$0")/.."
MODES=${1:-stage essential stage-nomine essential-nomine}; LO=${2:-1}; HI=${3:-3}; WARM=${4:-3}
OUT=${TMPDIR:-/tmp}/process-instructions.$$
mkdir -p "$OUT"
nice -n 19 node_modules/.bin/esbuild bench/process-instructions.ts --bundle --platform=node --format=esm \
  --external:esbuild --external:@opensearch-project/opensearch --log-level=warning --outfile="$OUT/bundle.mjs" \
  --banner:js="import { createRequire } from 'module'; const require = createRequire(import.meta.url);"
count() {
  nice -n 19 valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$1.$2.out" \
    node_modules/.bin/node ${NODE_FLAGS:-} "$OUT/bundle.mjs" "$2" "$1" "$WARM" >"$OUT/run.$1.$2.txt" 2>"$OUT/vg.$1.$2.txt"
  grep -o 'Collected : [0-9]*' "$OUT/vg.$1.$2.txt" | grep -o '[0-9]*' >"$OUT/ir.$1.$2"
}
declare -A PER
for m in $MODES; do
  count "$m" "$LO" & count "$m" "$HI" & wait
  PER[$m]=$(( ($(cat "$OUT/ir.$m.$HI") - $(cat "$OUT/ir.$m.$LO")) / ((HI - LO) * 10000) ))
  echo "mode=$m instructions/event=${PER[$m]}"
done
if [ -n "${PER[stage]:-}" ] && [ -n "${PER[essential]:-}" ]; then
  echo "CPU path / essential work, by instructions: $(python3 -c "print(round(${PER[essential]} / ${PER[stage]}, 3))") (callgrind files in $OUT)"
fi
