#!/usr/bin/env bash
# Instructions per line of "classify + mine" (bench/templates.ts), counted by callgrind: bundles
# bench/templates-instructions.ts with esbuild (as the Lambda bundle is built: const enums inlined),
# runs it under callgrind with LO and HI measured passes (after WARM warm-up passes each; the two
# runs in parallel), and prints (Ir(HI) - Ir(LO)) / ((HI - LO) * lines): start-up, loading and JIT
# warm-up cancel out. With TOP=n it also prints the n functions whose instructions grew most between
# the two runs (the steady state's hot spots; JIT frames named from node's --perf-basic-prof map).
# NODE_FLAGS adds node options (e.g. --no-turbo-inlining, to see each function on its own). Niced: the box is shared.
#   bench/templates-instructions.sh [mode=both|classify|mine] [lo=1] [hi=3] [warm=2]
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-both}; LO=${2:-1}; HI=${3:-3}; WARM=${4:-2}
OUT=${TMPDIR:-/tmp}/templates-instructions.$$
mkdir -p "$OUT"
# BUNDLE=<file> measures a bundle built elsewhere (e.g. of an older commit, for a before/after).
if [ -n "${BUNDLE:-}" ]; then cp "$BUNDLE" "$OUT/bundle.mjs"; else
  nice -n 19 node_modules/.bin/esbuild bench/templates-instructions.ts --bundle --platform=node --format=esm \
    --external:esbuild --log-level=warning --outfile="$OUT/bundle.mjs"
fi
export LOGHUB_DIR="$PWD/test/fixtures/loghub"
run() {
  nice -n 19 valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$1.out" \
    node_modules/.bin/node --perf-basic-prof ${NODE_FLAGS:-} "$OUT/bundle.mjs" "$1" "$MODE" "$WARM" >"$OUT/run.$1.txt" 2>"$OUT/vg.$1.txt"
}
run "$LO" & run "$HI" & wait
ir() { grep -o 'Collected : [0-9]*' "$OUT/vg.$1.txt" | grep -o '[0-9]*'; }
A=$(ir "$LO"); B=$(ir "$HI")
LINES=$(grep -o '"lines":[0-9]*' "$OUT/run.$HI.txt" | grep -o '[0-9]*')
echo "mode=$MODE lines=$LINES warm=$WARM Ir($LO)=$A Ir($HI)=$B instructions/line=$(( (B - A) / ((HI - LO) * LINES) )) (callgrind files in $OUT)"
if [ -n "${TOP:-}" ]; then
  python3 - "$OUT" "$LO" "$HI" "$TOP" "$(( (HI - LO) * LINES ))" <<'PY'
import re, sys, subprocess, bisect, glob, collections
out, lo, hi, top, lines = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def costs(n):
    pid = re.search(r'==(\d+)==', open(f'{out}/vg.{n}.txt').read()).group(1)
    syms = []
    try:
        for l in open(f'/tmp/perf-{pid}.map'):
            a, s, name = l.rstrip('\n').split(' ', 2)
            syms.append((int(a, 16), int(s, 16), name))
    except FileNotFoundError:
        pass
    syms.sort(); starts = [s[0] for s in syms]
    txt = subprocess.run(['callgrind_annotate', '--threshold=100', f'{out}/cg.{n}.out'], capture_output=True, text=True).stdout
    c = collections.Counter()
    for l in txt.splitlines():
        m = re.match(r'\s*([\d,]+) \([^)]*\)\s+(\S+?):(.*)$', l)
        if not m: continue
        ir = int(m.group(1).replace(',', '')); fn = m.group(3).strip()
        h = re.match(r'0x([0-9a-f]+)', fn)
        if h:
            a = int(h.group(1), 16); k = bisect.bisect_right(starts, a) - 1
            if k >= 0 and a < syms[k][0] + syms[k][1]: fn = syms[k][2]
        fn = re.sub(r' \[.*\]$', '', fn)
        c[fn] += ir
    return c
a, b = costs(lo), costs(hi)
d = collections.Counter({k: b[k] - a.get(k, 0) for k in b})
for k, v in d.most_common(top): print(f'{v / lines:9.0f} /line  {k}')
PY
fi
