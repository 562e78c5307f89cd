#!/bin/bash
# A Slurm job array: one task per shard (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN is the shard,
# SLURM_ARRAY_TASK_COUNT the number of shards: the CLI reads both by itself), then a merge that
# runs only when every task succeeded.
#
#   bash deploy/cli/slurm.sh            (from the repository root, after `npm ci`)
#
# The last line printed is "array <job id> merge <job id>", for scripts that wait on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARDS=${SHARDS:-8}
OUT=${OUT:-results/train-grid}
LOGS=${LOGS:-results}
MANIFEST=${MANIFEST:-public/models/fashion-mnist-ddpm/manifest.json}
DATA=${DATA:-/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz}
EXTRA=${EXTRA:-}   # more options, e.g. EXTRA="--count 400" for a small trial
export DIFFPROBE_CACHE_DIR=${DIFFPROBE_CACHE_DIR:-$PWD/results/cache}
mkdir -p "$LOGS" "$(dirname "$OUT")"

array=$(sbatch --parsable --job-name=diffprobe-grid --array=0-$((SHARDS - 1)) \
  --cpus-per-task=2 --mem=6G --time=02:00:00 --output="$LOGS/slurm-%A_%a.log" \
  --wrap="node dist-cli/diffprobe.js features --manifest $MANIFEST --data $DATA \
          --t 0,25,100,200,500 --pooling avg --threads \$SLURM_CPUS_PER_TASK $EXTRA --out $OUT")
merge=$(sbatch --parsable --job-name=diffprobe-merge --dependency=afterok:"$array" --time=00:30:00 \
  --output="$LOGS/slurm-merge-%j.log" \
  --wrap="node dist-cli/diffprobe.js merge $OUT --out $OUT-merged")
echo "submitted array $array ($SHARDS shards) and its merge $merge (waits for the array: afterok)"
echo "array $array merge $merge"
