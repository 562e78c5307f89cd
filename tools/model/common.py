"""Small helpers shared by the model tools (export, fixtures, evaluate_probe, sample).

Nothing here writes files; it loads networks and hashes things.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # repository root
sys.path.insert(0, HERE)
from unet import UNet  # noqa: E402

DEFAULT_CKPT = os.path.join(ROOT, "build", "model", "ckpt.pt")
DEFAULT_MODEL_DIR = os.path.join(ROOT, "public", "models", "fashion-mnist-ddpm")
# export.py leaves a copy of exactly the weights it exported here, so that fixtures.py
# (and anything else that needs "the weights inside model.onnx") does not race a
# checkpoint that training keeps rewriting.
DEFAULT_SNAPSHOT = os.path.join(ROOT, "build", "export", "fashion-mnist-ddpm.pt")


def be_nice(level: int = 10) -> None:
    """Lower our CPU priority: the tools share one effective core with training."""
    try:
        os.nice(level)
    except OSError:
        pass
    torch.set_num_threads(1)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_state(state: dict) -> str:
    """A hash of a state dict's tensors (names, shapes and float32 bytes), independent of pickling."""
    h = hashlib.sha256()
    for k in sorted(state):
        v = state[k].detach().cpu().contiguous()
        h.update(k.encode())
        h.update(str(tuple(v.shape)).encode())
        h.update(v.numpy().tobytes())
    return h.hexdigest()


def load_net(path: str, weights: str = "ema") -> tuple[UNet, dict]:
    """Load a training checkpoint (keys net, ema, step, config) or an export snapshot
    (keys state, step, config, weights, onnx_sha256) and return (net in eval mode, info)."""
    ck = torch.load(path, map_location="cpu")
    cfg = ck.get("config", {})
    net = UNet(ch=cfg.get("ch", 32), dropout=cfg.get("dropout", 0.0))
    if "state" in ck:  # export snapshot
        net.load_state_dict(ck["state"])
        weights = ck.get("weights", "?")
    else:
        if weights not in ("net", "ema"):
            raise ValueError(f"--weights must be net or ema, got {weights!r}")
        net.load_state_dict(ck[weights])
    net.eval()
    info = {"path": path, "step": int(ck.get("step", 0)), "config": cfg, "weights": weights,
            "onnx_sha256": ck.get("onnx_sha256")}
    return net, info


def net_from_onnx(path: str, ch: int) -> UNet:
    """The UNet whose weights an exported model.onnx holds (export.py's graph), in eval mode.

    The exporter keeps parameter names as initializer names ("net.<param>"), except GroupNorm's
    weight and bias, which become anonymous inputs of the Mul and Add after InstanceNormalization;
    those are found by their nodes' names ("/net/<module path>/Mul", ".../Add").
    """
    import numpy as np
    import onnx
    from onnx import numpy_helper

    m = onnx.load(path)
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    for node in m.graph.node:
        if node.op_type in ("Mul", "Add") and node.name.endswith(("norm1/Mul", "norm2/Mul", "norm/Mul", "out_norm/Mul",
                                                                   "norm1/Add", "norm2/Add", "norm/Add", "out_norm/Add")):
            weight = [i for i in node.input if i in init]
            key = node.name.strip("/").replace("/", ".")
            key = key[: -len(".Mul")] + ".weight" if key.endswith(".Mul") else key[: -len(".Add")] + ".bias"
            init[key] = init[weight[0]].reshape(-1)
    net = UNet(ch=ch, dropout=0.0)
    state = {k: torch.from_numpy(np.array(init["net." + k]).reshape(v.shape).copy()) for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    return net.eval()


def random_net(seed: int, ch: int = 32) -> UNet:
    """An untrained network of the default shape, seeded, as a probing baseline.

    unet.py zero-initialises the last conv of each residual branch, the attention projections and
    the output conv, so that training starts from identity blocks. Probed as is, that network has
    several blocks that are exact copies of each other and eps == 0: a degenerate baseline. Here
    every layer gets PyTorch's ordinary default initialisation instead (reset_parameters()).
    """
    torch.manual_seed(seed)
    net = UNet(ch=ch, dropout=0.0)
    for module in net.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            module.reset_parameters()
    return net.eval()


def run_check_onnx(model: str, case_dir: str, tol: float) -> dict | None:
    """Run tools/model/check_onnx.mjs with node; returns its JSON report, or None when node
    or onnxruntime-node is not available (a note is printed)."""
    node = shutil.which("node")
    if node is None:
        print("note: node not found; ONNX parity check skipped")
        return None
    if not os.path.isdir(os.path.join(ROOT, "node_modules", "onnxruntime-node")):
        print("note: node_modules/onnxruntime-node missing (npm install); ONNX parity check skipped")
        return None
    cmd = [node, os.path.join(HERE, "check_onnx.mjs"), model, case_dir, "--tol", str(tol), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.stderr.strip():
        print(p.stderr.strip(), file=sys.stderr)
    try:
        report = json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise SystemExit(f"check_onnx.mjs failed (exit {p.returncode}):\n{p.stdout}")
    return report


def print_parity(report: dict) -> None:
    print(f"  ONNX vs torch (onnxruntime-node {report.get('ort', '?')}, batch {report['batch']}):")
    for r in report["outputs"]:
        if "error" in r:
            print(f"    {r['name']:8s} ERROR {r['error']}")
            continue
        print(f"    {r['name']:8s} {str(r['shape']):18s} max|err| {r['maxAbsErr']:.2e}   max|ref| {r['maxAbsRef']:.3g}")
    print(f"  worst {report['worstAbsErr']:.2e} (tolerance {report['tol']:g}) -> {'OK' if report['ok'] else 'FAIL'}")
