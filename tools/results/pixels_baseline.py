"""The raw-pixel row of docs/results.md: logistic regression on Fashion-MNIST's 784 pixels.

The published figure (84.2%, zalandoresearch/fashion-mnist's benchmark, LogisticRegression C=1)
is trained on all 60,000 training images and tested on the 10,000 test images; this measures the
same thing here, with the probes' own recipe (tools/model/linear_probe.py: StandardScaler fit on
the training images, multinomial L-BFGS, C = 1). No validation split: the pixels are one fixed cell, nothing is chosen.

    /usr/bin/python3 tools/results/pixels_baseline.py --out build/results/pixels/result.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model"))
import data  # noqa: E402
from linear_probe import fit_probe  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    xtr, ytr = data.load("train")
    xte, yte = data.load("t10k")
    # Pixels in [0, 1] (the scaler makes the [-1, 1] of the model's input the same problem).
    xtr = xtr.reshape(len(xtr), -1).astype(np.float64) / 255.0
    xte = xte.reshape(len(xte), -1).astype(np.float64) / 255.0
    start = time.time()
    scaler, clf = fit_probe(xtr, ytr, C=args.C, max_iter=args.max_iter)
    result = {
        "features": "raw pixels (784)",
        "train": len(xtr),
        "test": len(xte),
        "C": args.C,
        "maxIter": args.max_iter,
        "iterations": int(clf.n_iter_[0]),
        "trainAccuracy": float(clf.score(scaler.transform(xtr), ytr)),
        "testAccuracy": float(clf.score(scaler.transform(xte), yte)),
        "seconds": round(time.time() - start, 1),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.out)
    print(f"raw pixels: test accuracy {result['testAccuracy']:.2%} (train {result['trainAccuracy']:.2%}, "
          f"{result['iterations']} iterations, {result['seconds']} s) -> {args.out}")


if __name__ == "__main__":
    main()
