"""Write reference fixtures for the app's ONNX parity tests.

Makes, in --out-dir (default tools/model/fixtures/fashion-mnist-ddpm/), float32 .npy files for K
cases taken from the Fashion-MNIST TEST split (default indices 0,1,2 at t = 0,90,500, seed 1234):
  x0.npy [K,1,28,28]     data.to_model_input(image)            (clean image in [-1, 1])
  noise.npy [K,1,28,28]  rng.image_noise(seed, x0 flat float32) (the app's noise, bit-exact)
  x_t.npy [K,1,28,28]    float32(sqrt(abar_t) x0 + sqrt(1 - abar_t) noise), computed in float64
  t.npy [K]              the timesteps, float32
  eps.npy [K,1,28,28]    the network's epsilon prediction
  block_<name>.npy       [K,C,H,W] for each of the 16 blocks
  index.json             model sha256, onnx file, seed, cases, output names, shapes, files

The reference outputs come from PyTorch (eval mode) with exactly the weights inside model.onnx: the
weights snapshot export.py leaves in build/export/<model dir name>.pt, whose recorded ONNX sha256
must equal the manifest's. Regenerate the fixtures after every export. At the end the fixtures are
checked against the ONNX in onnxruntime-node (check_onnx.mjs) when node is available.

    /usr/bin/python3 tools/model/fixtures.py
    /usr/bin/python3 tools/model/fixtures.py --indices 0,1,2 --t 0,90,500 --seed 1234
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import rng  # noqa: E402
from common import (DEFAULT_MODEL_DIR, HERE, ROOT, be_nice, load_net, print_parity,  # noqa: E402
                    run_check_onnx, sha256_file)
from unet import alphas_cumprod  # noqa: E402

MAX_TOTAL_BYTES = 4 * 1000 * 1000


def ints(s: str) -> list[int]:
    return [int(v) for v in s.split(",") if v.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=DEFAULT_MODEL_DIR, help="folder with manifest.json and the ONNX")
    ap.add_argument("--weights-file", default=None,
                    help="weights snapshot written by export.py (default build/export/<model-dir name>.pt)")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "fixtures", "fashion-mnist-ddpm"))
    ap.add_argument("--indices", type=ints, default=[0, 1, 2], help="test-split image indices")
    ap.add_argument("--t", type=ints, default=[0, 90, 500], help="one timestep per index")
    ap.add_argument("--seed", type=int, default=1234, help="noise seed (rng.image_noise)")
    ap.add_argument("--tol", type=float, default=1e-4, help="max abs ONNX-vs-torch error allowed at the end")
    args = ap.parse_args()
    if len(args.t) != len(args.indices):
        raise SystemExit("--t needs one timestep per index")
    be_nice()

    model_dir = os.path.abspath(args.model_dir)
    with open(os.path.join(model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    onnx_path = os.path.join(model_dir, manifest["model"]["file"])
    sha = sha256_file(onnx_path)
    if sha != manifest["model"]["sha256"]:
        raise SystemExit(f"{onnx_path} sha256 {sha} does not match its manifest; re-run export.py")
    snap = args.weights_file or os.path.join(ROOT, "build", "export", os.path.basename(model_dir) + ".pt")
    net, info = load_net(snap)
    if info["onnx_sha256"] != sha:
        raise SystemExit(f"{snap} was saved for ONNX {info['onnx_sha256']}, not {sha}: re-run export.py")
    names = ["eps", *net.block_names]
    print(f"weights: {snap} (step {info['step']}, {info['weights']}), onnx sha256 {sha[:16]}…")

    images, labels = data.load("t10k")
    idx = np.array(args.indices)
    x0 = data.to_model_input(images[idx])  # float32 [K,1,28,28]
    noise = np.stack([rng.image_noise(args.seed, x0[k].ravel()).reshape(x0.shape[1:]) for k in range(len(idx))])
    noise = noise.astype(np.float32)
    abar = alphas_cumprod().numpy()[np.array(args.t)][:, None, None, None]  # float64
    x_t = (np.sqrt(abar) * x0.astype(np.float64) + np.sqrt(1.0 - abar) * noise.astype(np.float64)).astype(np.float32)
    t = np.array(args.t, dtype=np.float32)
    with torch.no_grad():
        eps, blocks = net(torch.from_numpy(x_t), torch.from_numpy(t), return_blocks=True)

    os.makedirs(args.out_dir, exist_ok=True)
    for old in glob.glob(os.path.join(args.out_dir, "*.npy")):
        os.remove(old)
    arrays = {"x0": x0, "noise": noise, "x_t": x_t, "t": t, "eps": eps.numpy()}
    arrays.update({f"block_{n}": b.numpy() for n, b in zip(net.block_names, blocks)})
    for key, arr in arrays.items():
        np.save(os.path.join(args.out_dir, f"{key}.npy"), np.ascontiguousarray(arr, dtype=np.float32))
    index = {
        "model": {"sha256": sha, "onnx": os.path.relpath(onnx_path, ROOT).replace(os.sep, "/"),
                  "manifest": os.path.relpath(os.path.join(model_dir, "manifest.json"), ROOT).replace(os.sep, "/"),
                  "step": info["step"], "weights": info["weights"]},
        "seed": args.seed,
        "noise": "rng.image_noise(seed, x0 flattened as float32), reshaped to [1,28,28]",
        "x_t": "float32(sqrt(abar[t]) * x0 + sqrt(1 - abar[t]) * noise) in float64; abar from the linear schedule",
        "split": "test",
        "cases": [{"index": int(i), "label": int(labels[i]), "class": data.CLASSES[labels[i]], "t": int(tt)}
                  for i, tt in zip(idx, args.t)],
        "inputs": ["x_t", "t"],
        "outputs": names,
        "files": {k: f"{k}.npy" for k in ["x0", "noise", "x_t", "t", "eps"]}
        | {n: f"block_{n}.npy" for n in net.block_names},
        "shapes": {k: list(a.shape) for k, a in arrays.items()},
        "dtype": "float32",
    }
    with open(os.path.join(args.out_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(args.out_dir, "*")))
    print(f"wrote {len(arrays)} arrays + index.json to {args.out_dir}: {total:,} bytes")
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"fixtures are {total} bytes > {MAX_TOTAL_BYTES}")

    report = run_check_onnx(onnx_path, args.out_dir, args.tol)
    if report is not None:
        print_parity(report)
        if not report["ok"]:
            raise SystemExit("fixtures do not match the ONNX model")


if __name__ == "__main__":
    main()
