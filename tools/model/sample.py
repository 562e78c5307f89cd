"""Draw samples from the trained model and plot its training loss, for the docs.

Makes
  docs/img/samples.png  an 8x8 grid of samples (DDIM, eta 0, 50 steps by default; or ancestral DDPM
                        with --method ddpm, all 1000 steps), written by a small PNG encoder (zlib + struct)
  docs/img/loss.svg     the training loss from build/model/loss.csv: raw points, an exponentially
                        smoothed line, log-scaled y axis (hand-written SVG)

Seeded (--seed): the same weights give the same grid.

    /usr/bin/python3 tools/model/sample.py                       # both files
    /usr/bin/python3 tools/model/sample.py --method ddpm --out docs/img/samples-ddpm.png --no-loss
    /usr/bin/python3 tools/model/sample.py --no-samples          # only the loss plot
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEFAULT_CKPT, DEFAULT_SNAPSHOT, ROOT, be_nice, load_net  # noqa: E402
from unet import alphas_cumprod, linear_betas  # noqa: E402


# ---------------------------------------------------------------- sampling

def predict_x0(x, eps, a):
    return ((x - (1 - a).sqrt() * eps) / a.sqrt()).clamp(-1, 1)


@torch.no_grad()
def ddim(net, n: int, steps: int, gen: torch.Generator) -> torch.Tensor:
    """Deterministic DDIM (eta = 0) over `steps` evenly spaced timesteps from 999 to 0."""
    abar = alphas_cumprod().float()
    ts = np.unique(np.linspace(0, len(abar) - 1, steps).round().astype(int))[::-1]
    x = torch.randn(n, 1, 28, 28, generator=gen)
    for i, t in enumerate(ts):
        a = abar[t]
        a_prev = abar[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        eps = net(x, torch.full((n,), float(t)))
        x0 = predict_x0(x, eps, a)
        eps = (x - a.sqrt() * x0) / (1 - a).sqrt()  # consistent with the clipped x0
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return x


@torch.no_grad()
def ddpm(net, n: int, gen: torch.Generator) -> torch.Tensor:
    """Ancestral DDPM sampling through all timesteps, posterior variance beta~_t."""
    betas = linear_betas().float()
    abar = alphas_cumprod().float()
    x = torch.randn(n, 1, 28, 28, generator=gen)
    for t in range(len(betas) - 1, -1, -1):
        a, a_prev, b = abar[t], (abar[t - 1] if t > 0 else torch.tensor(1.0)), betas[t]
        x0 = predict_x0(x, net(x, torch.full((n,), float(t))), a)
        mean = (b * a_prev.sqrt() / (1 - a)) * x0 + ((1 - a_prev) * (1 - b).sqrt() / (1 - a)) * x
        if t > 0:
            x = mean + (b * (1 - a_prev) / (1 - a)).sqrt() * torch.randn(x.shape, generator=gen)
        else:
            x = mean
    return x


# ---------------------------------------------------------------- PNG

def write_png(path: str, img: np.ndarray) -> None:
    """8-bit grayscale PNG (colour type 0), filter 0 on every row."""
    h, w = img.shape
    raw = b"".join(b"\x00" + img[y].astype(np.uint8).tobytes() for y in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def grid(x: torch.Tensor, cols: int, pad: int, scale: int) -> np.ndarray:
    """[N,1,H,W] in [-1,1] -> uint8 mosaic with `pad` px gaps (mid-gray), each image upscaled `scale`x."""
    imgs = ((x[:, 0].numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
    imgs = imgs.repeat(scale, 1).repeat(scale, 2)
    n, h, w = imgs.shape
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), 128, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = imgs[i]
    return out


# ---------------------------------------------------------------- SVG

def nice_step(span: float, n: int = 6) -> float:
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def loss_svg(csv_path: str, svg_path: str, smooth: float) -> tuple[int, float]:
    with open(csv_path) as f:
        by_step = {int(r["step"]): float(r["loss"]) for r in csv.DictReader(f)}  # a resumed run overwrites
    steps = np.array(sorted(by_step))
    loss = np.array([by_step[s] for s in steps])
    if len(steps) < 2:
        raise SystemExit(f"{csv_path}: fewer than 2 points")
    sm = np.empty_like(loss)
    acc = loss[0]
    for i, v in enumerate(loss):  # exponential moving average in log space
        acc = math.exp(smooth * math.log(acc) + (1 - smooth) * math.log(v)) if i else v
        sm[i] = acc

    W, H, L, R, T, B = 640, 360, 70, 20, 36, 50
    x0, x1 = 0, int(steps[-1])
    lo, hi = math.log10(loss.min() * 0.9), math.log10(loss.max() * 1.1)
    px = lambda s: L + (s - x0) / max(1, x1 - x0) * (W - L - R)  # noqa: E731
    py = lambda v: T + (hi - math.log10(v)) / (hi - lo) * (H - T - B)  # noqa: E731
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
         'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">Training loss (ε-prediction MSE)</text>']
    # y ticks: 1, 2, 5 times powers of ten inside the range
    for e in range(math.floor(lo), math.ceil(hi) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo <= math.log10(v) <= hi:
                y = py(v)
                o.append(f'<line x1="{L}" x2="{W - R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
                o.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    st = nice_step(x1 - x0)
    for k in range(0, int(x1 // st) + 1):
        s = k * st
        x = px(s)
        o.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{H - B}" y2="{H - B + 5}" stroke="#333"/>')
        o.append(f'<text x="{x:.1f}" y="{H - B + 18}" text-anchor="middle">{s:g}</text>')
    o.append(f'<path d="M{L},{T} V{H - B} H{W - R}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{(L + W - R) / 2}" y="{H - 10}" text-anchor="middle">training step</text>')
    o.append(f'<text transform="translate(16,{(T + H - B) / 2}) rotate(-90)" text-anchor="middle">'
             'loss (log scale)</text>')
    pts = " ".join(f"{px(s):.1f},{py(v):.1f}" for s, v in zip(steps, loss))
    o.append(f'<polyline points="{pts}" fill="none" stroke="#9ecae1" stroke-width="1"/>')
    pts = " ".join(f"{px(s):.1f},{py(v):.1f}" for s, v in zip(steps, sm))
    o.append(f'<polyline points="{pts}" fill="none" stroke="#08519c" stroke-width="2"/>')
    o.append(f'<text x="{W - R}" y="{T + 14}" text-anchor="end" fill="#08519c">smoothed (EMA {smooth:g}); '
             f'last {sm[-1]:.4f} at step {steps[-1]}</text>')
    o.append("</svg>")
    with open(svg_path, "w") as f:
        f.write("\n".join(o) + "\n")
    return int(steps[-1]), float(sm[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights-file", default=None,
                    help="checkpoint or export snapshot (default: build/export/fashion-mnist-ddpm.pt when it "
                         "exists, else build/model/ckpt.pt)")
    ap.add_argument("--weights", choices=["ema", "net"], default="ema")
    ap.add_argument("--method", choices=["ddim", "ddpm"], default="ddim")
    ap.add_argument("--steps", type=int, default=50, help="DDIM steps")
    ap.add_argument("--n", type=int, default=64, help="number of samples (grid is 8 wide)")
    ap.add_argument("--scale", type=int, default=2, help="pixel upscaling in the PNG")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "img", "samples.png"))
    ap.add_argument("--loss-csv", default=os.path.join(ROOT, "build", "model", "loss.csv"))
    ap.add_argument("--loss-out", default=os.path.join(ROOT, "docs", "img", "loss.svg"))
    ap.add_argument("--smooth", type=float, default=0.9, help="EMA factor of the smoothed loss line")
    ap.add_argument("--no-samples", action="store_true")
    ap.add_argument("--no-loss", action="store_true")
    args = ap.parse_args()
    be_nice()

    if not args.no_samples:
        src = args.weights_file or (DEFAULT_SNAPSHOT if os.path.exists(DEFAULT_SNAPSHOT) else DEFAULT_CKPT)
        net, info = load_net(src, args.weights)
        gen = torch.Generator().manual_seed(args.seed)
        t0 = time.time()
        x = ddim(net, args.n, args.steps, gen) if args.method == "ddim" else ddpm(net, args.n, gen)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        write_png(args.out, grid(x, 8, 2, args.scale))
        print(f"{args.method} ({args.steps if args.method == 'ddim' else 1000} steps) x {args.n} from {src} "
              f"(step {info['step']}, {info['weights']}) in {time.time() - t0:.0f}s -> {args.out}")
    if not args.no_loss:
        os.makedirs(os.path.dirname(os.path.abspath(args.loss_out)), exist_ok=True)
        step, last = loss_svg(args.loss_csv, args.loss_out, args.smooth)
        print(f"loss plot up to step {step} (smoothed {last:.4f}) -> {args.loss_out}")


if __name__ == "__main__":
    main()
