#!/usr/bin/env bash
# The full Fashion-MNIST reproduction behind docs/results.md: every block × t of the default model
# probed on all 60,000 training and 10,000 test images, with the CLI (dist-cli/diffprobe.js, built
# by `npm ci` / `npm run build:cli`), plus the baselines: raw pixels (scikit-learn) and a randomly
# initialised network of the same shape. About 1.5 hours on the 2-vCPU development machine;
# nothing here is part of `npm test`.
#
#   bash tools/results/reproduce.sh            the full run (results in build/results/)
#   TRIAL=1 bash tools/results/reproduce.sh    the same commands on a few hundred images (minutes)
#
# Knobs: SHARDS (shards per split, default 4), PARALLEL (shards run at once, default 2: on this
# machine two 1-thread processes beat one 2-thread process by ~1.3×), THREADS (per process,
# default 1), T (the grid's timesteps), T_RANDOM (timesteps of the random-init baseline).
#
# Needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) for the IDX files,
# and Debian's python3 with torch, onnx and sklearn for the two baselines.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=${DATA_DIR:-/usr/share/datasets/fashion-mnist}
M=public/models/fashion-mnist-ddpm/manifest.json
OUT=${OUT:-build/results}
SHARDS=${SHARDS:-4}
PARALLEL=${PARALLEL:-2}
THREADS=${THREADS:-1}
T=${T:-0,10,25,50,100,200,500}
T_RANDOM=${T_RANDOM:-0,25}
PY=${PY:-/usr/bin/python3}
export DIFFPROBE_CACHE_DIR=${DIFFPROBE_CACHE_DIR:-$OUT/cache}
if [ "${TRIAL:-}" = 1 ]; then
  OUT=$OUT/trial
  ROWS=(--count 300)                   # features: the first 300 images of each split
  SIZES=(--n-train 600 --n-test 200)   # sweeps and probes: a stratified 600 / 200
else
  ROWS=()
  SIZES=(--n-train 60000 --n-test 10000)
fi
TRAIN="$D/train-images-idx3-ubyte.gz"
TEST="$D/t10k-images-idx3-ubyte.gz"
dp() { echo "+ diffprobe $*" >&2; node dist-cli/diffprobe.js "$@"; }
# Runs "$@ --shard i/N" for i = 0..N-1, PARALLEL at a time, and fails if any shard failed.
shards() {
  local n=$1; shift
  local pids=() i
  for ((i = 0; i < n; i++)); do
    dp "$@" --shard "$i/$n" &
    pids+=($!)
    while (($(jobs -rp | wc -l) >= PARALLEL)); do wait -n; done
  done
  for p in "${pids[@]}"; do wait "$p"; done
}
# The three blocks with the highest validation accuracy in a sweep.json (any t).
top3() {
  node -e '
    const s = require(process.argv[1]);
    const best = s.blocks.map((b, i) => [b, Math.max(...s.validationAccuracy[i].map((v) => v ?? -1))]);
    console.log(best.sort((a, b) => b[1] - a[1]).slice(0, 3).map((x) => x[0]).join(","));
  ' "$(realpath "$1")"
}
mkdir -p "$OUT"
SECONDS=0
stamp() { echo "[$(date -u +%H:%M:%S), ${SECONDS} s] $*" >&2; }

# 1. Pooled features (global average and 2×2) of every block at every t, train and test, in
#    shards (each shard is one task on a cluster: docs/scale-out.md), then merged. This fills the
#    content-addressed cache that every later step reads.
for split in train t10k; do
  shards "$SHARDS" features --manifest $M --data "$D/$split-images-idx3-ubyte.gz" --t "$T" \
    --pooling avg,avg2 "${ROWS[@]}" --threads "$THREADS" --out "$OUT/features-$split" --force --quiet
  dp merge "$OUT/features-$split" --out "$OUT/features-$split-merged" --force
done
stamp "features done"

# 2. The sweep: a probe per block × t on global average pooling, judged on the validation images
#    (20% of each class of the training images), the best cell tested once. Sharded over its
#    cells, then merged (byte-identical to one run).
shards "$PARALLEL" sweep --manifest $M --train "$TRAIN" --test "$TEST" "${SIZES[@]}" --t "$T" \
  --pooling avg --threads "$THREADS" --out "$OUT/sweep-shards" --force --quiet
dp merge "$OUT/sweep-shards" --out "$OUT/sweep" --force
stamp "sweep done"

# 3. 2×2 pooling for the three best blocks: the same sweep on those rows.
BEST3=$(top3 "$OUT/sweep/sweep.json")
dp sweep --manifest $M --train "$TRAIN" --test "$TEST" "${SIZES[@]}" --t "$T" --blocks "$BEST3" \
  --pooling avg2 --threads "$THREADS" --out "$OUT/sweep-avg2" --force --quiet
stamp "2x2 sweep done"

# 4. Baselines: raw pixels (scikit-learn, all 60,000 / 10,000), and a randomly initialised
#    network of the same shape (seed 0), every block at T_RANDOM, through the same CLI. Both are
#    kept when already there (delete them to recompute).
[ -f "$OUT/pixels/result.json" ] || $PY tools/results/pixels_baseline.py --out "$OUT/pixels/result.json"
R=$OUT/random-init/manifest.json
[ -f "$R" ] || $PY tools/model/export.py --random-init --seed 0 --out-dir "$OUT/random-init"
for split in train t10k; do
  shards "$PARALLEL" features --manifest "$R" --data "$D/$split-images-idx3-ubyte.gz" --t "$T_RANDOM" \
    --pooling avg "${ROWS[@]}" --threads "$THREADS" --out "$OUT/random-features-$split" --force --quiet
done
dp sweep --manifest "$R" --train "$TRAIN" --test "$TEST" "${SIZES[@]}" --t "$T_RANDOM" --pooling avg \
  --threads "$THREADS" --out "$OUT/sweep-random" --force --quiet
stamp "baselines done"

# 4b. The default model's random-weights twin (init seed 0): the same graph with every learned
#     weight re-drawn as PyTorch initialises that layer (`--random-weights`), at T_RANDOM.
for split in train t10k; do
  shards "$PARALLEL" features --manifest $M --random-weights --init-seed 0 --data "$D/$split-images-idx3-ubyte.gz" \
    --t "$T_RANDOM" --pooling avg "${ROWS[@]}" --threads "$THREADS" --out "$OUT/twin-features-$split" --force --quiet
done
dp sweep --manifest $M --random-weights --init-seed 0 --train "$TRAIN" --test "$TEST" "${SIZES[@]}" --t "$T_RANDOM" \
  --pooling avg --threads "$THREADS" --out "$OUT/sweep-twin" --force --quiet
stamp "random-weights twin done"

# 5. Every block concatenated at the chosen t, tested once.
BLOCKS=$(node -e "console.log(require('./$M').blocks.map((b) => b.name).join(','))")
BEST_T=$(node -e 'console.log(require(process.argv[1]).chosen.t)' "$(realpath "$OUT/sweep/sweep.json")")
dp probe --manifest $M --train "$TRAIN" --test "$TEST" "${SIZES[@]}" --blocks "$BLOCKS" --t "$BEST_T" \
  --threads "$THREADS" --out "$OUT/probe-all-t$BEST_T" --force --quiet

# 6. CKA on 1,000 test images at the chosen t: every block × every block, and the trained model ×
#    its random-weights twin.
dp cka --manifest $M --t "$BEST_T" --count 1000 --threads "$THREADS" --out "$OUT/cka-t$BEST_T" --force --quiet
dp cka --manifest $M --t "$BEST_T" --count 1000 --threads "$THREADS" --versus random-weights \
  --out "$OUT/cka-twin-t$BEST_T" --force --quiet
stamp "all done"
echo "results in $OUT: sweep/, sweep-avg2/, sweep-random/, sweep-twin/ (sweep.csv, sweep.json, sweep.svg, run.json), pixels/result.json, probe-all-t$BEST_T/, cka-t$BEST_T/, cka-twin-t$BEST_T/" >&2
