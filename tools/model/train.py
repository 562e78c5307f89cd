"""Train the default DiffProbe model: an epsilon-predicting DDPM on Fashion-MNIST.

Seeded, logs the loss to <out>/loss.csv, keeps EMA weights, checkpoints to
<out>/ckpt.pt and resumes from it. Runs on CUDA when available, else CPU.

    /usr/bin/python3 tools/model/train.py --out build/model --steps 8000 --max-minutes 120
"""
from __future__ import annotations

import argparse
import copy
import math
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from data import load, to_model_input  # noqa: E402
from unet import UNet, alphas_cumprod  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/model")
    ap.add_argument("--steps", type=int, default=8000, help="total optimiser steps (resume continues to this)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--ch", type=int, default=32)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save-every", type=int, default=250)
    ap.add_argument("--max-minutes", type=float, default=float("inf"), help="stop (and save) after this wall time")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    images, _ = load("train")
    x_all = torch.from_numpy(to_model_input(images)).to(device)
    abar = alphas_cumprod().float().to(device)
    T = abar.numel()

    net = UNet(ch=args.ch, dropout=args.dropout).to(device)
    ema = copy.deepcopy(net).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    step = 0
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device)
        net.load_state_dict(ck["net"])
        ema.load_state_dict(ck["ema"])
        if "opt" in ck:
            opt.load_state_dict(ck["opt"])
        else:  # a weights-only checkpoint (e.g. the GPU run's, brought back as plain tensors)
            print("checkpoint has no optimiser state: Adam restarts", flush=True)
        step = ck["step"]
        rng = np.random.default_rng([args.seed, step])
        torch.manual_seed(args.seed * 1_000_003 + step)
        print(f"resumed at step {step}", flush=True)
    params = sum(p.numel() for p in net.parameters())
    print(f"device={device} params={params} batch={args.batch} lr={args.lr}", flush=True)

    def save() -> None:
        tmp = ckpt_path + ".tmp"
        torch.save({"net": net.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                    "config": {"ch": args.ch, "dropout": args.dropout, "batch": args.batch,
                               "device": torch.cuda.get_device_name() if device == "cuda" else "cpu"}}, tmp)
        os.replace(tmp, ckpt_path)

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))

    log = open(os.path.join(args.out, "loss.csv"), "a")
    if log.tell() == 0:
        log.write("step,loss,lr,seconds\n")
    t0 = time.time()
    running = 0.0
    net.train()
    while step < args.steps and not stop["now"]:
        idx = torch.from_numpy(rng.integers(0, x_all.shape[0], args.batch)).to(device)
        x0 = x_all[idx]
        flip = torch.from_numpy(rng.random(args.batch) < 0.5).to(device)
        x0 = torch.where(flip[:, None, None, None], x0.flip(-1), x0)
        t = torch.randint(0, T, (args.batch,), device=device)
        noise = torch.randn_like(x0)
        a = abar[t][:, None, None, None]
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise
        loss = F.mse_loss(net(x_t, t), noise)
        lr = args.lr * min(1.0, (step + 1) / args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            # One fused update over all tensors: on a GPU a per-tensor loop is hundreds of launches a step.
            ema_params = list(ema.parameters())
            torch._foreach_mul_(ema_params, decay)
            torch._foreach_add_(ema_params, [p.detach() for p in net.parameters()], alpha=1 - decay)
        running = loss.item() if step == 1 else 0.98 * running + 0.02 * loss.item()
        if step % 25 == 0:
            el = time.time() - t0
            log.write(f"{step},{loss.item():.5f},{lr:.2e},{el:.1f}\n")
            log.flush()
        if step % 100 == 0:
            print(f"step {step} loss~{running:.4f} {(time.time() - t0):.0f}s", flush=True)
        if step % args.save_every == 0:
            save()
        if (time.time() - t0) / 60 > args.max_minutes:
            print("time budget reached", flush=True)
            break
    save()
    print(f"saved step {step}", flush=True)


if __name__ == "__main__":
    main()
