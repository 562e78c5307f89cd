#!/usr/bin/env bash
# The shipped model's training run, as done on one GPU (an H100) in one go: a constant-rate phase,
# then a low-rate cool-down, each bounded by wall time. Writes build/model/{ckpt.pt,loss.csv} and,
# when $OUT is set (a lent device machine), copies them there.
#
#   FASHION_MNIST_DIR=/path/to/gz/files tools/model/train_gpu.sh [minutes_main] [minutes_cooldown]
#
# On a CPU it runs too, but use train.py directly there (see README.md): the step counts differ.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python3}
MAIN=${1:-5.2}
COOL=${2:-1.4}
export PYTHONUNBUFFERED=1
$PY -c 'import torch, numpy; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "numpy", numpy.__version__)'
$PY tools/model/train.py --out build/model --steps 1000000 --batch 128 --lr 8e-4 --dropout 0 --max-minutes "$MAIN"
$PY tools/model/train.py --out build/model --steps 1000000 --batch 128 --lr 2e-4 --warmup 1 --dropout 0 --max-minutes "$COOL"
if [ -n "${OUT:-}" ]; then
  cp build/model/ckpt.pt build/model/loss.csv "$OUT"/
  # A plain-tensor copy of the weights as well, in case the checkpoint's pickle does not load in an older torch.
  $PY - <<'PY'
import os, numpy as np, torch
ck = torch.load("build/model/ckpt.pt", map_location="cpu")
np.savez(os.path.join(os.environ["OUT"], "weights.npz"), step=ck["step"],
         **{"ema." + k: v.numpy() for k, v in ck["ema"].items()}, **{"net." + k: v.numpy() for k, v in ck["net"].items()})
print("step", ck["step"])
PY
fi
