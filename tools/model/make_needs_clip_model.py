"""Train and export the sampler tests' "model that needs clipping": a small DDPM (the default model's
U-Net at 16 base channels, 0.41 M parameters) trained briefly on Fashion-MNIST. Like many young or
third-party DDPMs, its x̂_0 overshoots the data range at the noisy end, so DDIM without clipping
gives flat squares or pixel noise, and with clipping gives shapes.

    nice -n 10 /usr/bin/python3 tools/model/make_needs_clip_model.py [--steps 700] [--max-minutes 90]

1. trains with tools/model/train.py (--ch 16 --dropout 0, batch 64, seed 0) into build/needs-clip/,
   resuming there (CPU time varies with the machine's load; the step count is what matters);
2. exports the EMA weights with tools/model/export.py to e2e/fixtures/models/needs-clip/
   (model.onnx, manifest.json; onnxruntime-node parity checked);
3. samples 8 images (DDIM, 25 and 50 steps, seed 0; sampler_reference.py) with and without clipping
   and prints how many are flat, noise or structured (src/testing/image-structure.ts's criterion).

Regenerate the sampler fixtures afterwards (tools/model/make_sampler_fixtures.py).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import sampler_reference as R  # noqa: E402
from common import be_nice, net_from_onnx  # noqa: E402
from unet import alphas_cumprod  # noqa: E402

OUT_DIR = os.path.join(ROOT, "e2e", "fixtures", "models", "needs-clip")
CH = 16


def structure(img: np.ndarray) -> str:
    """src/testing/image-structure.ts: flat (byte std < 20), noise (neighbour correlation < 0.5), else structured."""
    b = np.clip(np.round((img + 1) * 127.5), 0, 255).astype(np.float64)
    if b.std() < 20:
        return "flat"
    a = np.concatenate([b[:, :-1].ravel(), b[:-1, :].ravel()])
    c = np.concatenate([b[:, 1:].ravel(), b[1:, :].ravel()])
    corr = np.corrcoef(a, c)[0, 1] if a.std() > 0 and c.std() > 0 else 0.0
    return "noise" if corr < 0.5 else "structured"


def report(onnx_path: str) -> None:
    net = net_from_onnx(onnx_path, CH)
    abar = alphas_cumprod().numpy()

    def model(x, t):
        with torch.no_grad():
            return net(x, torch.full((x.shape[0],), float(t))), None

    for steps in (25, 50):
        for x0 in ("clip", "none"):
            st = R.sample(model, 8, (1, 28, 28), abar, R.Options(steps=steps, x0=x0), seed=0)
            kinds = [structure(img[0]) for img in st[-1].x]
            left = sum(1 for s in st if s.outside)
            lo, hi = min(s.x0_min for s in st), max(s.x0_max for s in st)
            print(f"  DDIM {steps} steps, x0 {x0:4s}: {kinds.count('structured')} structured, "
                  f"{kinds.count('flat')} flat, {kinds.count('noise')} noise; x̂0 left [-1, 1] at {left} steps "
                  f"({lo:.1f} … {hi:.1f}); final {st[-1].x.min():.1f} … {st[-1].x.max():.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=700, help="training steps")
    ap.add_argument("--max-minutes", type=float, default=90.0, help="stop training (and export) after this long")
    ap.add_argument("--ckpt-dir", default=os.path.join(ROOT, "build", "needs-clip"))
    ap.add_argument("--report-only", action="store_true", help="only sample the exported model")
    args = ap.parse_args()
    be_nice()
    if not args.report_only:
        subprocess.run([sys.executable, os.path.join(HERE, "train.py"), "--out", args.ckpt_dir, "--ch", str(CH),
                        "--dropout", "0", "--batch", "64", "--seed", "0", "--steps", str(args.steps),
                        "--max-minutes", str(args.max_minutes), "--save-every", "100"], check=True)
        ckpt = os.path.join(args.ckpt_dir, "ckpt.pt")
        step = int(torch.load(ckpt, map_location="cpu")["step"])
        subprocess.run([sys.executable, os.path.join(HERE, "export.py"), "--ckpt", ckpt, "--out-dir", OUT_DIR,
                        "--name", f"Fashion-MNIST DDPM, 16 channels, {step} steps (needs clipping)"], check=True)
        path = os.path.join(OUT_DIR, "manifest.json")
        with open(path) as f:
            manifest = json.load(f)
        manifest["description"] = (
            f"The sampler tests' model that needs clipping: the default model's U-Net at 16 base channels "
            f"({manifest['training']['params']:,} parameters), trained on Fashion-MNIST for only {step} steps "
            "(tools/model/make_needs_clip_model.py). Its x̂₀ leaves [-1, 1] far at the noisy end: DDIM without "
            "clipping gives flat squares or pixel noise.")
        manifest.pop("dataset", None)  # the test opens it by file; it has no data set of its own
        manifest.pop("classes", None)
        with open(path, "w") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
    report(os.path.join(OUT_DIR, "model.onnx"))


if __name__ == "__main__":
    main()
