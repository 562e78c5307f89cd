"""NumPy's side of `npm run bench:cka` (tools/bench/cka.ts): linear CKA, float64.

    /usr/bin/python3 tools/cka/bench_cka.py pooled <dir>      16 x 16 CKA of <dir>/features.npy
    /usr/bin/python3 tools/cka/bench_cka.py maps <n> <d1,d2,…> the Gram route on random maps

`pooled` reads the blocks side by side ([n, sum of dims]) with their dims in <dir>/dims.json,
computes every pair in feature space (Kornblith et al.'s formulas; biased and debiased), prints
the median of RUNS timings and writes the matrices to <dir>/numpy.json for the TypeScript side to
compare with. `maps` times centred Gram matrices (X @ X.T with NumPy's BLAS) of random float32
maps of those sizes and every pair's dot product: the arithmetic of CKA on full maps.
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

RUNS = int(os.environ.get("RUNS", "5"))


def term(a, b, debiased, ra=None, rb=None):
    t = np.linalg.norm(a.T @ b) ** 2
    if not debiased:
        return t
    n = a.shape[0]
    return t - n / (n - 2) * ra @ rb + ra.sum() * rb.sum() / ((n - 1) * (n - 2))


def cka_matrix(blocks, debiased):
    cs = [b - b.mean(0, keepdims=True) for b in blocks]
    rs = [np.einsum("ij,ij->i", c, c) for c in cs]
    self_ = [term(c, c, debiased, r, r) for c, r in zip(cs, rs)]
    k = len(blocks)
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            v = term(cs[i], cs[j], debiased, rs[i], rs[j]) / np.sqrt(self_[i] * self_[j])
            out[i, j] = out[j, i] = v
    return out


def timed(fn):
    times = []
    result = None
    for _ in range(RUNS):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), result


def pooled(d: str) -> None:
    X = np.load(os.path.join(d, "features.npy")).astype(np.float64)
    dims = json.load(open(os.path.join(d, "dims.json")))
    splits = np.cumsum([0] + list(dims.values()))
    blocks = [X[:, splits[i]:splits[i + 1]] for i in range(len(dims))]
    out = {}
    for debiased in (False, True):
        key = "debiased" if debiased else "biased"
        seconds, m = timed(lambda: cka_matrix(blocks, debiased))
        out[key] = {"seconds": seconds, "values": m.tolist()}
        print(f"numpy {key}: {len(blocks)} x {len(blocks)} CKA on {X.shape[0]} images in {seconds:.4f} s (median of {RUNS})")
    json.dump(out, open(os.path.join(d, "numpy.json"), "w"))


def maps(n: int, dims: list[int]) -> None:
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((n, d), dtype=np.float32) for d in dims]

    def run():
        grams = []
        for x in xs:
            k = (x @ x.T).astype(np.float64)
            means = k.mean(0)
            means -= means.mean() / 2
            k -= means[:, None]
            k -= means[None, :]
            grams.append(k)
        norms = [np.linalg.norm(g) for g in grams]
        m = np.zeros((len(xs), len(xs)))
        for i in range(len(xs)):
            for j in range(i, len(xs)):
                m[i, j] = m[j, i] = grams[i].ravel() @ grams[j].ravel() / (norms[i] * norms[j])
        return m

    seconds, _ = timed(run)
    print(f"numpy maps: {len(dims)} blocks, {sum(dims)} values per image, {n} images: {seconds:.3f} s (median of {RUNS})")


if __name__ == "__main__":
    if sys.argv[1] == "pooled":
        pooled(sys.argv[2])
    else:
        maps(int(sys.argv[2]), [int(v) for v in sys.argv[3].split(",")])
