#!/usr/bin/env bash
# Rebuild every artefact that comes from the trained checkpoint (not the training itself):
#   export (ONNX + manifest) -> fixtures -> bundled data -> probe evaluation -> samples + loss plot.
# Usage: tools/model/rebuild.sh [--quick]
#   --quick   tiny evaluation and sampling into build/quick/ (checks the chain; docs/ untouched)
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
if [[ "${1:-}" == "--quick" ]]; then   # tiny versions, written under build/quick/ instead of docs/
  run "$PY" tools/model/evaluate_probe.py --train 500 --test 200 --t 0,100 --out build/quick/probe.json \
    --md build/quick/model-card-probe.md
  run "$PY" tools/model/sample.py --n 16 --steps 20 --out build/quick/samples.png --loss-out build/quick/loss.svg
else
  run tools/model/evaluate.sh
  run "$PY" tools/model/sample.py
fi
echo "done: public/models/fashion-mnist-ddpm/, tools/model/fixtures/fashion-mnist-ddpm/, public/data/fashion-mnist/," \
  "$([[ "${1:-}" == "--quick" ]] && echo build/quick/ || echo "build/eval/probe.json, docs/model-card-probe.md, docs/img/")" >&2
