"""Turn the weights.npz that tools/model/train_gpu.sh brings back from a GPU machine into the
build/model/ckpt.pt that export.py reads (weights and config only: no optimiser state).

    /usr/bin/python3 tools/model/weights_to_ckpt.py weights.npz --batch 128 --device "NVIDIA H100 80GB HBM3"
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("npz")
    ap.add_argument("--out", default="build/model/ckpt.pt")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--ch", type=int, default=32)
    ap.add_argument("--device", default="cuda", help="recorded in the manifest's training facts")
    args = ap.parse_args()
    z = np.load(args.npz)
    part = lambda prefix: {k[len(prefix):]: torch.from_numpy(z[k].copy()) for k in z.files if k.startswith(prefix)}
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    torch.save({"net": part("net."), "ema": part("ema."), "step": int(z["step"]),
                "config": {"ch": args.ch, "dropout": 0.0, "batch": args.batch, "device": args.device}}, args.out)
    print(f"wrote {args.out} (step {int(z['step'])})")


if __name__ == "__main__":
    main()
