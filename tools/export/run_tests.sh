#!/usr/bin/env bash
# The exporter's tests (npm run test:py). They need Debian's python3 with torch and onnx: the
# python3 first on PATH may be another build without them, so Debian's is named explicitly.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, onnx, numpy' 2>/dev/null; then
  echo "test:py: $PY cannot import torch, onnx and numpy." >&2
  echo "Install them with: apt-get install -y python3-torch python3-onnx python3-numpy" >&2
  exit 1
fi
# tools/model: the sampler's PyTorch reference (sampler_reference.py).
"$PY" -m unittest discover -s tools/model -p 'test_*.py'
exec "$PY" -m unittest discover -s tools/export -p 'test_*.py'
