"""The model card's probe table, from features the app's own pipeline extracted.

Features come from `npm run cli -- features` (onnxruntime-node running the same TypeScript code as
the browser: same noise, same pooling), so these numbers are what the app would compute. This
script only fits scikit-learn probes on them: StandardScaler, then multinomial LogisticRegression
(lbfgs), fitted on the train directory and scored on the test directory.

    /usr/bin/python3 tools/model/probe_table.py --train build/eval/train --test build/eval/test \
        [--random-train build/eval/rand-train --random-test build/eval/rand-test] \
        --json build/eval/probe.json --md docs/model-card-probe.md
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(__file__))
import data  # noqa: E402


def fit_score(xtr, ytr, xte, yte, C: float, max_iter: int) -> dict:
    t0 = time.time()
    scaler = StandardScaler().fit(xtr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegression(C=C, max_iter=max_iter, solver="lbfgs").fit(scaler.transform(xtr), ytr)
    return {"acc": float(clf.score(scaler.transform(xte), yte)), "iters": int(clf.n_iter_.max()),
            "converged": bool(clf.n_iter_.max() < max_iter), "seconds": round(time.time() - t0, 2)}


def load_grid(root: str) -> tuple[dict, np.ndarray]:
    """{t: {pooling: {block: X}}} and labels, from a `cli features` output directory."""
    grid: dict = {}
    for tdir in sorted(os.listdir(root)):
        if not tdir.startswith("t"):
            continue
        t = int(tdir[1:])
        for pool in sorted(os.listdir(os.path.join(root, tdir))):
            d = os.path.join(root, tdir, pool)
            grid.setdefault(t, {})[pool] = {f[:-4]: np.load(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".npy")}
    return grid, np.load(os.path.join(root, "labels.npy")).astype(np.int64)


def table(results: dict, blocks: list[str], ts: list[int], title: str) -> list[str]:
    best = max((results[b][t]["acc"], b, t) for b in blocks for t in ts if t in results.get(b, {}))
    lines = [f"**{title}**", "", "| block | " + " | ".join(f"t={t}" for t in ts) + " |", "|---|" + "---:|" * len(ts)]
    for b in blocks:
        cells = []
        for t in ts:
            r = results.get(b, {}).get(t)
            if r is None:
                cells.append("–")
                continue
            s = f"{r['acc']:.3f}" + ("" if r["converged"] else "*")
            cells.append(f"**{s}**" if (r["acc"], b, t) == best else s)
        lines.append(f"| {b} | " + " | ".join(cells) + " |")
    return lines + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--random-train")
    ap.add_argument("--random-test")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--max-iter-2x2", type=int, default=300, help="2×2 probes (4× the features) converge slowly")
    ap.add_argument("--t-2x2", default="0,10,25,50,100", help="timesteps for the 2×2 table (its fits are the slow part)")
    ap.add_argument("--json", default="build/eval/probe.json")
    ap.add_argument("--md", default="docs/model-card-probe.md")
    args = ap.parse_args()
    os.nice(5)
    t0 = time.time()

    tr, ytr = load_grid(args.train)
    te, yte = load_grid(args.test)
    ts = sorted(tr)
    blocks = list(json.load(open(os.path.join(os.path.dirname(__file__), "../../public/models/fashion-mnist-ddpm/manifest.json")))["blocks"])
    blocks = [b["name"] for b in blocks]
    out: dict = {"n_train": int(len(ytr)), "n_test": int(len(yte)), "C": args.C, "timesteps": ts, "gap": {}, "avg2": {},
                 "concat_gap": {}, "random_gap": {}}

    # Raw pixels on the same split (the same first-N slices of the bundled train/test data).
    imgs_tr, lab_tr = data.load("train")
    imgs_te, lab_te = data.load("t10k")
    assert np.array_equal(lab_tr[: len(ytr)], ytr) and np.array_equal(lab_te[: len(yte)], yte), "split mismatch"
    px = fit_score(data.to_model_input(imgs_tr[: len(ytr)]).reshape(len(ytr), -1), ytr,
                   data.to_model_input(imgs_te[: len(yte)]).reshape(len(yte), -1), yte, args.C, args.max_iter)
    out["raw_pixels"] = px
    print(f"raw pixels {px['acc']:.3f} ({px['seconds']} s)", flush=True)

    for t in ts:
        for b in blocks:
            out["gap"].setdefault(b, {})[t] = fit_score(tr[t]["avg"][b], ytr, te[t]["avg"][b], yte, args.C, args.max_iter)
            if "avg2" in tr[t] and t in {int(x) for x in args.t_2x2.split(",")}:
                out["avg2"].setdefault(b, {})[t] = fit_score(tr[t]["avg2"][b], ytr, te[t]["avg2"][b], yte, args.C, args.max_iter_2x2)
        cat_tr = np.concatenate([tr[t]["avg"][b] for b in blocks], 1)
        cat_te = np.concatenate([te[t]["avg"][b] for b in blocks], 1)
        out["concat_gap"][t] = fit_score(cat_tr, ytr, cat_te, yte, args.C, args.max_iter)
        print(f"t={t}: best GAP {max(out['gap'][b][t]['acc'] for b in blocks):.3f}, concat {out['concat_gap'][t]['acc']:.3f} "
              f"({time.time() - t0:.0f} s)", flush=True)

    if args.random_train:
        rtr, _ = load_grid(args.random_train)
        rte, _ = load_grid(args.random_test)
        for t in sorted(rtr):
            for b in blocks:
                out["random_gap"].setdefault(b, {})[t] = fit_score(rtr[t]["avg"][b], ytr, rte[t]["avg"][b], yte, args.C, args.max_iter)
        print(f"random init: best GAP {max(r['acc'] for v in out['random_gap'].values() for r in v.values()):.3f}", flush=True)

    best = max((out["gap"][b][t]["acc"], b, t) for b in blocks for t in ts)
    out["best_gap"] = {"acc": best[0], "block": best[1], "t": best[2], "minus_raw_pixels": best[0] - px["acc"]}
    if out["avg2"]:
        b2 = max((r["acc"], b, t) for b, v in out["avg2"].items() for t, r in v.items())
        out["best_avg2"] = {"acc": b2[0], "block": b2[1], "t": b2[2], "minus_raw_pixels": b2[0] - px["acc"]}
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    json.dump(out, open(args.json, "w"), indent=1)

    md = [f"Linear probe: StandardScaler + multinomial LogisticRegression (lbfgs, C={args.C}), "
          f"{len(ytr)} train images (first of the Fashion-MNIST train split) and {len(yte)} test images "
          f"(first of the test split); features from `npm run cli -- features` (noise seed 0, as in the app). "
          f"Test accuracy. Bold: best cell. `*`: lbfgs stopped at max_iter.", "",
          f"- Raw pixels: **{px['acc']:.3f}**",
          f"- Best single block, global average pooling: **{best[0]:.3f}** ({best[1]}, t={best[2]}): "
          f"**{(best[0] - px['acc']) * 100:+.1f} points** over raw pixels"]
    if out["avg2"]:
        md.append(f"- Best single block, 2×2 adaptive average pooling: **{b2[0]:.3f}** ({b2[1]}, t={b2[2]}): "
                  f"{(b2[0] - px['acc']) * 100:+.1f} points")
    if out["random_gap"]:
        rb = max((r["acc"], b, t) for b, v in out["random_gap"].items() for t, r in v.items())
        md.append(f"- Randomly initialised network of the same shape, best block (GAP): {rb[0]:.3f} ({rb[1]}, t={rb[2]})")
    md += ["", *table(out["gap"], blocks, ts, "Global average pooling")]
    md += ["| all blocks concatenated | " + " | ".join(f"{out['concat_gap'][t]['acc']:.3f}" for t in ts) + " |", ""]
    if out["avg2"]:
        t2 = sorted({t for v in out["avg2"].values() for t in v})
        md += table(out["avg2"], blocks, t2, f"2×2 adaptive average pooling (max_iter {args.max_iter_2x2})")
    if out["random_gap"]:
        md += table(out["random_gap"], blocks, sorted(next(iter(out["random_gap"].values()))), "Random-init network, global average pooling")
    md.append(f"Computed in {time.time() - t0:.0f} s by `tools/model/probe_table.py`.")
    with open(args.md, "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"wrote {args.json} and {args.md}; best GAP {best[0]:.3f} vs raw {px['acc']:.3f}", flush=True)


if __name__ == "__main__":
    main()
