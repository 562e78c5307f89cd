"""Checks of an exported ONNX: onnxruntime-node parity runs, frozen-batch clues, the app's validator.

Also the small graph utilities the exporter and the e2e fixture script share (output shapes,
the node that produces a tensor, file hashes). Nothing here traces a model.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from typing import Iterable, Sequence

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from unet_blocks import ExportError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUNNER = os.path.join(HERE, "run_onnx.ts")
# tsx runs the TypeScript runner, which imports the app's own float16 and .npy code (src/core).
TSX = os.path.join(ROOT, "node_modules", ".bin", "tsx")


def frozen_batch_suspects(model: onnx.ModelProto, batch: int) -> list[str]:
    """Nodes whose shape-like input is a constant starting with the example batch size: where a
    traced ``len(x)`` usually ends up (Reshape/Expand/Tile to [batch, ...])."""
    consts = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    consts[n.output[0]] = numpy_helper.to_array(a.t)
    shape_input = {"Reshape": 1, "Expand": 1, "Tile": 1, "ConstantOfShape": 0}
    out = []
    for n in model.graph.node:
        k = shape_input.get(n.op_type)
        if k is None or len(n.input) <= k or n.input[k] not in consts:
            continue
        v = consts[n.input[k]]
        if v.dtype.kind == "i" and v.ndim == 1 and v.size >= 2 and int(v[0]) == batch:
            out.append(f"{n.name} ({n.op_type} to constant shape {v.tolist()})")
    return out


def set_output_shapes(model: onnx.ModelProto, known: dict[str, Sequence[int]]) -> None:
    """Graph outputs' shapes as [N, *known[name]]: the batch symbolic, every other size fixed."""
    for out in model.graph.output:
        shape = out.type.tensor_type.shape
        del shape.dim[:]
        shape.dim.add().dim_param = "N"
        for v in known[out.name]:
            shape.dim.add().dim_value = int(v)


def tracer_batch_hints(caught: Iterable[warnings.WarningMessage]) -> list[str]:
    """Source lines where the tracer saw a size become a Python int (``len(x)``, ``int(...)``): the
    usual origin of a frozen batch size. Other tracer chatter (math.sqrt of a channel count) is dropped."""
    hints = []
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, torch.jit.TracerWarning) and ("Using len" in text or "Python integer" in text):
            where = f"{os.path.relpath(w.filename)}:{w.lineno}"
            if where not in hints:
                hints.append(where)
    return hints[:4]


def node_runner_available() -> str | None:
    """Why the onnxruntime-node check cannot run, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not os.path.isdir(os.path.join(ROOT, "node_modules", "onnxruntime-node")):
        return "node_modules/onnxruntime-node is missing (npm install)"
    if not os.path.exists(TSX):
        return "node_modules/.bin/tsx is missing (npm install)"
    return None


def run_cases(onnx_path: str, cases: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
              tol: float, against: str | None = None) -> dict:
    """Runs tools/export/run_onnx.ts on (inputs, reference outputs) cases; returns its JSON report.
    With ``against`` (another ONNX file) the references are that model's outputs on the same inputs."""
    why = node_runner_available()
    if why:
        raise ExportError(f"cannot check the ONNX in onnxruntime-node: {why} (check=False skips the check)")
    with tempfile.TemporaryDirectory() as d:
        dirs = []
        for k, (inputs, refs) in enumerate(cases):
            cd = os.path.join(d, f"case{k}")
            os.makedirs(cd)
            spec = {"inputs": [], "outputs": []}
            for kind, arrays in (("inputs", inputs), ("outputs", refs)):
                for i, (name, arr) in enumerate(arrays.items()):
                    fname = f"{kind[:-1]}_{i}.npy"
                    np.save(os.path.join(cd, fname), np.ascontiguousarray(arr))
                    spec[kind].append({"name": name, "file": fname})
            with open(os.path.join(cd, "case.json"), "w") as f:
                json.dump(spec, f)
            dirs.append(cd)
        p = subprocess.run([TSX, RUNNER, onnx_path, *dirs, "--tol", str(tol),
                            *(["--against", against] if against else [])], capture_output=True, text=True, cwd=ROOT)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise ExportError(f"run_onnx.ts failed (exit {p.returncode}):\n{p.stdout}\n{p.stderr}") from None


def validate_manifest(path: str) -> str | None:
    """The app's own validator (src/core/manifest/validate.ts through the CLI). Returns its message,
    None when the CLI is not installed; raises ExportError when the manifest is refused."""
    if not os.path.exists(os.path.join(ROOT, "node_modules", ".bin", "tsx")):
        return None
    p = subprocess.run(["npm", "run", "--silent", "cli", "--", "validate", path], cwd=ROOT,
                       capture_output=True, text=True)
    out = (p.stdout + p.stderr).strip()
    if p.returncode != 0:
        raise ExportError(f"the app's validator refused the manifest (exit {p.returncode}):\n{out}")
    return out


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def producer_nodes(model: onnx.ModelProto, tensors: Iterable[str]) -> dict[str, dict]:
    """For each tensor name, the node that computes it, looking through the Identity nodes torch adds
    when one tensor is returned twice: {tensor: {"node", "op", "tensor"}} where "tensor" is the
    name of the producing node's output (the original tensor behind any Identity)."""
    by_output = {o: n for n in model.graph.node for o in n.output}
    found = {}
    for name in tensors:
        cur = name
        node = by_output.get(cur)
        while node is not None and node.op_type == "Identity" and node.input[0] in by_output:
            cur = node.input[0]
            node = by_output[cur]
        if node is not None:
            found[name] = {"node": node.name, "op": node.op_type, "tensor": cur}
    return found


def short_ort_error(error: str | None) -> str:
    """onnxruntime's messages carry a source path and assertion text: keep the node and the reason."""
    if not error:
        return ""
    line = error.strip().splitlines()[0]
    node = re.search(r"Name:'([^']+)'", line)
    reason = line.rsplit(" was false. ", 1)[-1] if " was false. " in line else line
    return (f"at node {node.group(1)}: " if node else "") + reason[-200:].strip()
