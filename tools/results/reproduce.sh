#!/usr/bin/env bash
# The full Fashion-MNIST reproduction behind docs/results.md: every block × t of the default model
# probed on all 60,000 training and 10,000 test images, with the CLI (dist-cli/diffprobe.js, built
# by `npm ci` / `npm run build:cli`). About an hour of CPU on 2 cores; nothing here is part of
# `npm test`.
#
#   bash tools/results/reproduce.sh            the full run (results in build/results/)
#   TRIAL=1 bash tools/results/reproduce.sh    the same commands on a few hundred images (minutes)
#
# Needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) for the IDX files.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=${DATA_DIR:-/usr/share/datasets/fashion-mnist}
M=public/models/fashion-mnist-ddpm/manifest.json
OUT=${OUT:-build/results}
SHARDS=${SHARDS:-4}
THREADS=${THREADS:-2}
T=0,25,100,200,500
export DIFFPROBE_CACHE_DIR=${DIFFPROBE_CACHE_DIR:-$OUT/cache}
if [ "${TRIAL:-}" = 1 ]; then
  OUT=$OUT/trial
  ROWS=(--count 300)                    # features: the first 300 images of each split
  SIZES=(--n-train 600 --n-test 200)   # sweep and probes: a stratified 600 / 200
else
  ROWS=()
  SIZES=(--n-train 60000 --n-test 10000)
fi
dp() { echo "+ diffprobe $*" >&2; node dist-cli/diffprobe.js "$@"; }
mkdir -p "$OUT"

# 1. Pooled features of every block at every t, train and test, in shards (fills the cache;
#    on a cluster each shard is a task: see docs/scale-out.md), then merged.
for split in train t10k; do
  for ((i = 0; i < SHARDS; i++)); do
    dp features --manifest $M --data "$D/$split-images-idx3-ubyte.gz" --t $T --pooling avg \
      "${ROWS[@]}" --threads "$THREADS" --shard "$i/$SHARDS" --out "$OUT/features-$split" --force
  done
  dp merge "$OUT/features-$split" --out "$OUT/features-$split-merged" --force
done

# 2. The sweep: a probe per block × t, judged on the validation images (20% of the training
#    images of each class), the best cell tested once. Features come from the cache.
dp sweep --manifest $M --train "$D/train-images-idx3-ubyte.gz" --test "$D/t10k-images-idx3-ubyte.gz" \
  "${SIZES[@]}" --t $T --pooling avg --threads "$THREADS" --out "$OUT/sweep" --force

# 3. Probes on the test images for the table's other rows: every block concatenated at each t.
BLOCKS=$(node -e "console.log(require('./$M').blocks.map((b) => b.name).join(','))")
for t in ${T//,/ }; do
  dp probe --manifest $M --train "$D/train-images-idx3-ubyte.gz" --test "$D/t10k-images-idx3-ubyte.gz" \
    "${SIZES[@]}" --blocks "$BLOCKS" --t "$t" --threads "$THREADS" --out "$OUT/probe-all-t$t" --force
done
echo "results in $OUT: sweep/sweep.csv, sweep/sweep.json, sweep/sweep.svg, probe-all-t*/result.json" >&2
