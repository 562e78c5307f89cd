#!/usr/bin/env bash
# Rebuild every artefact that comes from the trained checkpoint (not the training itself):
#   export (ONNX + manifest) -> fixtures -> bundled data -> probe evaluation -> samples + loss plot.
# Usage: tools/model/rebuild.sh [--quick]
#   --quick   a tiny probe evaluation (for checking the chain; do not commit its model card)
# Environment: PYTHON (default /usr/bin/python3, Debian's python with python3-torch etc.),
#              CKPT (default build/model/ckpt.pt).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-/usr/bin/python3}"
CKPT="${CKPT:-build/model/ckpt.pt}"
run() { echo "+ $*" >&2; nice -n 10 "$@"; }

run "$PY" tools/model/export.py --ckpt "$CKPT"
run "$PY" tools/model/fixtures.py
run "$PY" tools/model/make_data.py
if [[ "${1:-}" == "--quick" ]]; then
  run "$PY" tools/model/evaluate_probe.py --train 500 --test 200 --t 0,100 --out build/eval/probe-quick.json \
    --md build/eval/model-card-probe-quick.md
else
  run "$PY" tools/model/evaluate_probe.py
fi
run "$PY" tools/model/sample.py
echo "done: public/models/fashion-mnist-ddpm/, tools/model/fixtures/fashion-mnist-ddpm/, public/data/fashion-mnist/," \
  "build/eval/probe.json, docs/model-card-probe.md, docs/img/samples.png, docs/img/loss.svg" >&2
