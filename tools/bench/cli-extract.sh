#!/usr/bin/env bash
# The CLI's `extract` and `features` speed, one build against another, side by side (alternating
# runs, so a busy machine slows both alike): the medians of each and their ratio, and the largest
# difference between the two builds' features.
#   bash tools/bench/cli-extract.sh <before/diffprobe.js> <after/diffprobe.js> [rounds=3] [count=2000]
# (#23 §3: the CLI on the worker's extraction engine must not be slower than its own copy was.)
set -euo pipefail
BEFORE=$1 AFTER=$2 ROUNDS=${3:-3} COUNT=${4:-2000}
M=public/models/fashion-mnist-ddpm/manifest.json
BLOCKS=down1_1,mid,up1_0,up0_2
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() { # label build args…
  local label=$1 build=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  node "$build" "$@" --manifest "$M" --count "$COUNT" --blocks "$BLOCKS" --no-cache --quiet --force >/dev/null
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc)" >>"$OUT/times"
}
for r in $(seq "$ROUNDS"); do
  for side in before after; do
    build=$BEFORE; [ "$side" = after ] && build=$AFTER
    run "extract-$side" "$build" extract --t 100 --pooling avg2 --out "$OUT/extract-$side"
    run "features-$side" "$build" features --t 0,100 --pooling avg,avg2,max --out "$OUT/features-$side"
  done
done
/usr/bin/python3 - "$OUT" <<'PY'
import sys, statistics, pathlib, numpy as np
out = pathlib.Path(sys.argv[1])
times = {}
for line in (out / 'times').read_text().split('\n'):
    if line: k, v = line.split(); times.setdefault(k, []).append(float(v))
for cmd in ('extract', 'features'):
    b, a = statistics.median(times[f'{cmd}-before']), statistics.median(times[f'{cmd}-after'])
    print(f'{cmd}: before {b:.2f} s, after {a:.2f} s (medians of {len(times[f"{cmd}-before"])}); after/before = {a / b:.3f}')
worst = 0.0
for f in (out / 'extract-before').rglob('*.npy'):
    if f.name.startswith('labels'): continue
    g = out / 'extract-after' / f.relative_to(out / 'extract-before')
    worst = max(worst, float(np.abs(np.load(f) - np.load(g)).max()))
for f in (out / 'features-before').rglob('*.npy'):
    if f.name.startswith('labels'): continue
    g = out / 'features-after' / f.relative_to(out / 'features-before')
    worst = max(worst, float(np.abs(np.load(f) - np.load(g)).max()))
print(f'largest |after - before| over every feature: {worst:.3g}')
PY
