"""Write the NumPy reference for src/core/cka/linear-cka.test.ts.

    /usr/bin/python3 tools/model/make_cka_fixtures.py

Output (small, committed): tools/model/fixtures/core/cka.json: pairs of random float32 feature
matrices (some correlated, one with more features than images, one constant) and their linear
CKA, biased and debiased, computed in float64 by NumPy two ways: from centred Gram matrices
(Kornblith et al. 2019; the debiased one with the U-centring of Song et al. 2012, as in
Nguyen, Raghu & Kornblith 2021) and in feature space. The two routes agree to ~1e-15 here; the
test holds DiffProbe's TypeScript to both within 1e-6.
"""
from __future__ import annotations

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "core", "cka.json")


def gram_linear(x: np.ndarray) -> np.ndarray:
    return x @ x.T


def center_gram(gram: np.ndarray, unbiased: bool) -> np.ndarray:
    gram = gram.astype(np.float64).copy()
    n = gram.shape[0]
    if unbiased:
        np.fill_diagonal(gram, 0)
        means = gram.sum(0) / (n - 2)
        means -= means.sum() / (2 * (n - 1))
        gram -= means[:, None]
        gram -= means[None, :]
        np.fill_diagonal(gram, 0)
    else:
        means = gram.mean(0)
        means -= means.mean() / 2
        gram -= means[:, None]
        gram -= means[None, :]
    return gram


def cka_gram(x: np.ndarray, y: np.ndarray, debiased: bool) -> float | None:
    gx = center_gram(gram_linear(x), debiased)
    gy = center_gram(gram_linear(y), debiased)
    nx, ny = np.linalg.norm(gx), np.linalg.norm(gy)
    if nx == 0 or ny == 0:
        return None
    return float(gx.ravel() @ gy.ravel() / (nx * ny))


def cka_features(x: np.ndarray, y: np.ndarray, debiased: bool) -> float | None:
    x = x - x.mean(0, keepdims=True)
    y = y - y.mean(0, keepdims=True)
    n = x.shape[0]

    def term(a, b):
        t = np.linalg.norm(a.T @ b) ** 2
        if not debiased:
            return t
        ra, rb = np.einsum("ij,ij->i", a, a), np.einsum("ij,ij->i", b, b)
        return t - n / (n - 2) * ra @ rb + ra.sum() * rb.sum() / ((n - 1) * (n - 2))

    sx, sy = term(x, x), term(y, y)
    if not (sx > 0 and sy > 0):
        return None
    return float(term(x, y) / np.sqrt(sx * sy))


def case(name: str, x: np.ndarray, y: np.ndarray) -> dict:
    x = x.astype(np.float32)
    y = y.astype(np.float32)
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    out = {"name": name, "n": x.shape[0], "p": x.shape[1], "q": y.shape[1],
           "X": [float(v) for v in x.ravel()], "Y": [float(v) for v in y.ravel()]}
    # Constant data has HSIC(K, K) = 0 exactly; rounding in the centring can leave ~1e-18 instead,
    # which would turn "undefined" into a meaningless number, so the reference says None itself.
    constant = bool((np.ptp(x, axis=0) == 0).all() or (np.ptp(y, axis=0) == 0).all())
    for debiased in (False, True):
        key = "debiased" if debiased else "biased"
        if constant:
            out[key] = None
            continue
        g, f = cka_gram(xd, yd, debiased), cka_features(xd, yd, debiased)
        if (g is None) != (f is None) or (g is not None and abs(g - f) > 1e-12):
            raise SystemExit(f"{name}/{key}: the Gram and feature routes disagree: {g} vs {f}")
        out[key] = g
    return out


def main() -> None:
    rng = np.random.default_rng(20261207)
    cases = []
    x = rng.normal(size=(40, 7))
    cases.append(case("independent", x, rng.normal(size=(40, 13))))
    w = rng.normal(size=(7, 5))
    cases.append(case("linear map plus noise", x, x @ w + 0.3 * rng.normal(size=(40, 5))))
    # Offsets and scales like real block features (means far from 0, unequal channel scales).
    z = rng.normal(size=(100, 16)) * rng.uniform(0.1, 5, size=16) + 3.0
    cases.append(case("shifted, scaled", z, np.tanh(z @ rng.normal(size=(16, 9)))))
    # More features than images: where the biased estimator is pulled up and the debiased is not.
    cases.append(case("wide", rng.normal(size=(20, 50)), rng.normal(size=(20, 60))))
    cases.append(case("minimum n", rng.normal(size=(10, 3)), rng.normal(size=(10, 4))))
    const = np.tile(rng.normal(size=(1, 6)), (30, 1))
    cases.append(case("constant", const, rng.normal(size=(30, 4))))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"numpy": np.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
