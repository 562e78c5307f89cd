#!/usr/bin/env bash
# The model card's probe table, end to end (after training and export):
#   1. export a random-init network of the same shape (the baseline),
#   2. extract features with the app's own pipeline (npm run cli -- features: onnxruntime-node,
#      same noise and pooling as the browser) for 5,000 train / 2,000 test images,
#   3. fit scikit-learn probes on them (tools/model/probe_table.py).
# Usage: tools/model/evaluate.sh   (env: PYTHON, T="0,10,25,50,100,200,500", THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-/usr/bin/python3}"
T="${T:-0,10,25,50,100,200,500}"
THREADS="${THREADS:-2}"
M=public/models/fashion-mnist-ddpm/manifest.json
R=build/export/random-init/manifest.json
run() { echo "+ $*" >&2; "$@"; }

run "$PY" tools/model/export.py --random-init --seed 0
for side in "train 5000" "test 2000"; do
  set -- $side
  run npm run --silent cli -- features --manifest "$M" --out "build/eval/$1" --split "$1" --count "$2" --t "$T" --pooling avg,avg2 --threads "$THREADS" --force
  run npm run --silent cli -- features --manifest "$R" --out "build/eval/rand-$1" --split "$1" --count "$2" --t "$T" --pooling avg --threads "$THREADS" --force
done
run "$PY" tools/model/probe_table.py --train build/eval/train --test build/eval/test \
  --random-train build/eval/rand-train --random-test build/eval/rand-test \
  --json build/eval/probe.json --md docs/model-card-probe.md
