"""Linear-probe quality table for the model card (the recipe of "Diffusion Models Beat GANs on
Image Classification": noise an image to timestep t, run the U-Net once, pool a block's feature
map, train a linear classifier on it).

For every block and every t: x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps with eps =
rng.image_noise(seed, x0) (the app's noise), one forward pass, then the block's map is pooled
(global average -> C features, and 2x2 adaptive average -> 4C features, channel-major), standardised
(StandardScaler fit on train) and classified by multinomial logistic regression (lbfgs). Also: raw
pixels, all blocks' GAP features concatenated per t, and the GAP table of a randomly initialised
network of the same shape (seeded). Data: the first --train images of the Fashion-MNIST train split
and the first --test images of the test split.

Makes build/eval/probe.json (every number) and docs/model-card-probe.md (markdown tables).

    /usr/bin/python3 tools/model/evaluate_probe.py                        # full run
    /usr/bin/python3 tools/model/evaluate_probe.py --train 300 --test 100 --t 0,100 \\
        --blocks mid,up1_0 --out /tmp/probe.json --md /tmp/probe.md       # tiny, while developing
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import rng  # noqa: E402
from common import (DEFAULT_CKPT, DEFAULT_SNAPSHOT, ROOT, be_nice, load_net, random_net,  # noqa: E402
                    sha256_state)
from linear_probe import fit_probe  # noqa: E402
from unet import UNet, alphas_cumprod  # noqa: E402

T0 = time.time()


def log(msg: str) -> None:
    """Progress line with wall time and this process's CPU time (the CPU time is what to scale
    from when the machine is shared)."""
    el, cpu = time.time() - T0, time.process_time()
    print(f"[{int(el // 60):3d}:{el % 60:04.1f} wall, {cpu:6.0f}s cpu] {msg}", flush=True)


def noise_for(x0: np.ndarray, seed: int) -> np.ndarray:
    """rng.image_noise for every image (vectorised when rng.image_noise_batch exists)."""
    if hasattr(rng, "image_noise_batch"):
        out = rng.image_noise_batch(seed, x0).reshape(x0.shape)
        check = rng.image_noise(seed, x0[0].ravel()).reshape(x0.shape[1:])
        assert np.max(np.abs(out[0] - check)) < 1e-5, "image_noise_batch disagrees with image_noise"
        return out.astype(np.float32)
    return np.stack([rng.image_noise(seed, x.ravel()).reshape(x.shape) for x in x0]).astype(np.float32)


def extract(net: UNet, x0: np.ndarray, noise: np.ndarray, t: int, blocks: list[str], pools: list[str],
            batch: int) -> dict[tuple[str, str], np.ndarray]:
    """Pooled features {(block, pool): [N, D]} for all images at timestep t."""
    abar = float(alphas_cumprod()[t])
    want = {n: i for i, n in enumerate(net.block_names) if n in blocks}
    feats: dict[tuple[str, str], list[np.ndarray]] = {(n, p): [] for n in want for p in pools}
    for i in range(0, len(x0), batch):
        x_t = (np.sqrt(abar) * x0[i:i + batch].astype(np.float64)
               + np.sqrt(1.0 - abar) * noise[i:i + batch].astype(np.float64)).astype(np.float32)
        tt = torch.full((len(x_t),), float(t), dtype=torch.float32)
        with torch.no_grad():
            _, maps = net(torch.from_numpy(x_t), tt, return_blocks=True)
        for n, j in want.items():
            if "gap" in pools:
                feats[(n, "gap")].append(maps[j].mean(dim=(2, 3)).numpy())
            if "2x2" in pools:
                feats[(n, "2x2")].append(F.adaptive_avg_pool2d(maps[j], 2).flatten(1).numpy())
    return {k: np.concatenate(v) for k, v in feats.items()}


def probe(xtr: np.ndarray, ytr: np.ndarray, xte: np.ndarray, yte: np.ndarray, args) -> dict:
    t0, c0 = time.time(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scaler, clf = fit_probe(xtr, ytr, C=args.C, max_iter=args.max_iter, solver=args.solver)
    acc = float((clf.predict(scaler.transform(xte)) == yte).mean())
    return {"acc": round(acc, 5), "dim": int(xtr.shape[1]), "iters": int(np.max(clf.n_iter_)),
            "converged": bool(np.max(clf.n_iter_) < args.max_iter), "seconds": round(time.time() - t0, 2),
            "cpuSeconds": round(time.process_time() - c0, 2)}


def run_net(tag: str, net: UNet, x0, noise, ytr, ntr, ts, blocks, pools, concat: bool, args, cache: dict) -> dict:
    """Probes for every (block, pool, t) of one network. `cache` holds finished t's of an interrupted
    run with the same settings (--resume); it is updated and saved after every t."""
    res: dict = {p: {b: {} for b in blocks} for p in pools}
    if concat:
        res["concatGap"] = {}
    for t in ts:
        key = f"{tag}/t={t}"
        if key in cache["done"]:
            for p, v in cache["done"][key].items():
                if p == "concatGap":
                    res[p][str(t)] = v["all"]
                else:
                    for b, r in v.items():
                        res[p][b][str(t)] = r
            log(f"{tag} t={t}: reused from {args.out}.partial")
            continue
        t_start, c_start = time.time(), time.process_time()
        feats = extract(net, x0, noise, t, blocks, pools, args.batch)
        fwd, fwd_cpu = time.time() - t_start, time.process_time() - c_start
        fit = 0.0
        for b in blocks:
            for p in pools:
                f = feats[(b, p)]
                r = probe(f[:ntr], ytr[0], f[ntr:], ytr[1], args)
                res[p][b][str(t)] = r
                fit += r["seconds"]
        if concat:
            f = np.concatenate([feats[(b, "gap")] for b in blocks], axis=1)
            r = probe(f[:ntr], ytr[0], f[ntr:], ytr[1], args)
            res["concatGap"][str(t)] = r
            fit += r["seconds"]
        done = {p: {b: res[p][b][str(t)] for b in blocks} for p in pools}
        if concat:
            done["concatGap"] = {"all": res["concatGap"][str(t)]}
        cache["done"][key] = done
        save_cache(args, cache)
        best = max((res[p][b][str(t)]["acc"], b, p) for b in blocks for p in pools)
        log(f"{tag} t={t}: forward {fwd:.1f}s ({fwd_cpu:.1f}s cpu, {len(x0)} images), probes {fit:.1f}s; "
            f"best {best[1]}/{best[2]} {best[0]:.3f}"
            + (f", concat {res['concatGap'][str(t)]['acc']:.3f}" if concat else ""))
    return res


def save_cache(args, cache: dict) -> None:
    path = args.out + ".partial"
    with open(path + ".tmp", "w") as f:
        json.dump(cache, f)
    os.replace(path + ".tmp", path)


def load_cache(args, signature: dict) -> dict:
    path = args.out + ".partial"
    if args.resume and os.path.exists(path):
        with open(path) as f:
            cache = json.load(f)
        if cache.get("signature") == signature:
            log(f"resuming: {len(cache['done'])} finished results in {path}")
            return cache
        log(f"not resuming: {path} was made with other settings")
    return {"signature": signature, "done": {}}


def fmt(v: float | None, bold: bool = False) -> str:
    if v is None:
        return "–"
    s = f"{v:.3f}".lstrip("0") if v < 1 else f"{v:.3f}"
    return f"**{s}**" if bold else s


def table(title: str, res: dict, meta: dict, blocks: list[str], ts: list[int], extra: dict | None = None) -> list[str]:
    cells = [(res[b][str(t)]["acc"], b, t) for b in blocks for t in ts]
    best = max(cells)
    lines = [f"#### {title}", "", "| block | size | " + " | ".join(f"t={t}" for t in ts) + " |",
             "|---|---|" + "---|" * len(ts)]
    for b in blocks:
        m = meta[b]
        size = f"{m['channels']}×{m['resolution'][0]}×{m['resolution'][1]}"
        row = [fmt(res[b][str(t)]["acc"], res[b][str(t)]["acc"] == best[0]) for t in ts]  # ties all bold
        lines.append(f"| {b} | {size} | " + " | ".join(row) + " |")
    if extra:
        lines.append(f"| {extra['label']} | {extra['size']} | " + " | ".join(fmt(extra['res'][str(t)]['acc'])
                                                                         for t in ts) + " |")
    lines.append("")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights-file", default=None,
                    help="checkpoint or export snapshot (default: build/export/fashion-mnist-ddpm.pt when it "
                         "exists, i.e. exactly the exported weights; else build/model/ckpt.pt)")
    ap.add_argument("--weights", choices=["ema", "net"], default="ema", help="which weights of a training checkpoint")
    ap.add_argument("--train", type=int, default=5000, help="first N images of the train split")
    ap.add_argument("--test", type=int, default=2000, help="first N images of the test split")
    ap.add_argument("--t", default="0,10,25,50,100,200,500", help="comma-separated timesteps")
    ap.add_argument("--blocks", default="all", help="comma-separated block names, or 'all'")
    ap.add_argument("--pools", default="gap,2x2", help="gap and/or 2x2")
    ap.add_argument("--seed", type=int, default=1234, help="noise seed (rng.image_noise, as in the app)")
    ap.add_argument("--random-seed", type=int, default=0, help="seed of the randomly initialised baseline network")
    ap.add_argument("--no-random", action="store_true", help="skip the random-init baseline")
    ap.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the logistic regression")
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--solver", default="lbfgs")
    ap.add_argument("--batch", type=int, default=250, help="forward batch size")
    ap.add_argument("--resume", action="store_true",
                    help="reuse finished (network, t) results of an interrupted run with the same settings "
                         "(kept in <out>.partial)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "eval", "probe.json"))
    ap.add_argument("--md", default=os.path.join(ROOT, "docs", "model-card-probe.md"))
    args = ap.parse_args()
    be_nice()

    ts = [int(v) for v in args.t.split(",")]
    pools = [p for p in args.pools.split(",") if p]
    assert set(pools) <= {"gap", "2x2"} and pools, "--pools takes gap and/or 2x2"
    src = args.weights_file or (DEFAULT_SNAPSHOT if os.path.exists(DEFAULT_SNAPSHOT) else DEFAULT_CKPT)
    net, info = load_net(src, args.weights)
    blocks = net.block_names if args.blocks == "all" else [b for b in net.block_names if b in args.blocks.split(",")]
    unknown = set(args.blocks.split(",")) - set(net.block_names) if args.blocks != "all" else set()
    if unknown:
        raise SystemExit(f"unknown blocks {sorted(unknown)}; known: {net.block_names}")
    meta = {m["name"]: m for m in net.block_meta}
    log(f"weights {src} (step {info['step']}, {info['weights']}); {args.train} train / {args.test} test; "
        f"t={ts}; {len(blocks)} blocks; pools {pools}")

    tr_img, tr_lab = data.load("train")
    te_img, te_lab = data.load("t10k")
    x0 = data.to_model_input(np.concatenate([tr_img[:args.train], te_img[:args.test]]))
    ys = (tr_lab[:args.train].astype(np.int64), te_lab[:args.test].astype(np.int64))
    noise = noise_for(x0, args.seed)
    log(f"noise for {len(x0)} images ready")

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    signature = {"weights": sha256_state(net.state_dict()), "train": args.train, "test": args.test,
                 "seed": args.seed, "randomSeed": args.random_seed, "blocks": blocks, "pools": pools,
                 "C": args.C, "maxIter": args.max_iter, "solver": args.solver}
    cache = load_cache(args, signature)

    raw = cache["done"].get("raw")
    if raw is None:
        flat = x0.reshape(len(x0), -1)
        raw = probe(flat[:args.train], ys[0], flat[args.train:], ys[1], args)
        cache["done"]["raw"] = raw
        save_cache(args, cache)
    log(f"raw pixels: {raw['acc']:.3f} ({raw['seconds']}s, {raw['cpuSeconds']}s cpu)")
    trained = run_net("trained", net, x0, noise, ys, args.train, ts, blocks, pools, True, args, cache)
    random = None
    if not args.no_random:
        rnet = random_net(args.random_seed, net.ch)
        random = run_net("random-init", rnet, x0, noise, ys, args.train, ts, blocks, ["gap"], True, args, cache)

    best = max((trained[p][b][str(t)]["acc"], p, b, t) for p in pools for b in blocks for t in ts)
    out = {
        "format": "diffprobe-probe-eval", "version": 1,
        "model": {"weightsFile": os.path.relpath(src, ROOT), "step": info["step"], "weights": info["weights"],
                  "onnxSha256": info.get("onnx_sha256")},
        "setup": {"trainSplit": f"Fashion-MNIST train[:{args.train}]", "testSplit": f"Fashion-MNIST test[:{args.test}]",
                  "noise": f"rng.image_noise(seed={args.seed}, x0)", "t": ts, "pools": pools,
                  "probe": {"scaler": "StandardScaler (fit on train)", "model": "LogisticRegression multinomial",
                            "solver": args.solver, "C": args.C, "maxIter": args.max_iter},
                  "randomInitSeed": None if args.no_random else args.random_seed},
        "blocks": [meta[b] for b in blocks],
        "rawPixels": raw,
        "trained": trained,
        "randomInit": random,
        "best": {"acc": best[0], "pool": best[1], "block": best[2], "t": best[3],
                 "minusRawPixels": round(best[0] - raw["acc"], 5)},
        "seconds": round(time.time() - T0, 1),
        "cpuSeconds": round(time.process_time(), 1),
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.remove(args.out + ".partial")

    pname = {"gap": "global average pooling (C features)", "2x2": "2×2 adaptive average pooling (4C features)"}
    md = ["# Model card: linear probes on U-Net blocks", "",
          "<!-- generated by tools/model/evaluate_probe.py; do not edit by hand -->", "",
          f"Test accuracy of a linear classifier on pooled block features of the default model "
          f"(step {info['step']:,}, {info['weights']} weights), in the recipe of *Diffusion Models Beat GANs on "
          f"Image Classification*: noise the image to timestep t with the app's noise "
          f"(`rng.image_noise`, seed {args.seed}), run the U-Net once, pool one block's feature map, standardise, "
          f"and fit multinomial logistic regression ({args.solver}, C={args.C:g}, max_iter {args.max_iter}). "
          f"Train: first {args.train:,} Fashion-MNIST training images; test: first {args.test:,} test images. "
          f"Rows are blocks in forward order; the best cell of each table (ties included) is bold.", "",
          f"- **Raw pixels** (same split, same classifier): {fmt(raw['acc'])}",
          f"- **Best block**: {best[2]} at t={best[3]} with {pname[best[1]].split(' (')[0]}: {fmt(best[0])}, "
          f"{'+' if best[0] >= raw['acc'] else '−'}{abs(best[0] - raw['acc']) * 100:.1f} points versus raw pixels"]
    if random:
        rbest = max((random["gap"][b][str(t)]["acc"], b, t) for b in blocks for t in ts)
        rcat = max((random["concatGap"][str(t)]["acc"], t) for t in ts)
        md.append(f"- **Random init** (same shape, seed {args.random_seed}; GAP): best block {rbest[1]} at t={rbest[2]} "
                  f"{fmt(rbest[0])}, all blocks concatenated {fmt(rcat[0])} (t={rcat[1]})")
    md.append("")
    sizes = sum(meta[b]["channels"] for b in blocks)
    for p in pools:
        extra = {"label": "all blocks (concat.)", "size": f"{sizes}", "res": trained["concatGap"]} if p == "gap" else None
        md += table(f"Trained network, {pname[p]}", trained[p], meta, blocks, ts, extra)
    if random:
        md += table("Random-init network (same shape), global average pooling", random["gap"], meta, blocks, ts,
                    {"label": "all blocks (concat.)", "size": f"{sizes}", "res": random["concatGap"]})
    md += ["Notes: the random-init network uses PyTorch's default initialisation with the residual branches and "
           "attention projections zero-initialised as in `unet.py`, i.e. exactly what training starts from. "
           "2×2 pooling follows `torch.nn.functional.adaptive_avg_pool2d` (on 7×7 maps the two bins overlap: "
           "rows/columns 0–3 and 3–6). All numbers are in `build/eval/probe.json`.", ""]
    os.makedirs(os.path.dirname(os.path.abspath(args.md)), exist_ok=True)
    with open(args.md, "w") as f:
        f.write("\n".join(md))
    log(f"wrote {args.out} and {args.md}; best {best[2]}/{best[1]} t={best[3]} {best[0]:.3f} vs raw {raw['acc']:.3f}")


if __name__ == "__main__":
    main()
