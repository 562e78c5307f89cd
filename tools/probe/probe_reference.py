"""Reference values for src/core/probe (linear probe = StandardScaler + multinomial LogisticRegression).

A small synthetic-but-realistic problem (sklearn make_classification, 600 x 32, 4 classes, seeded)
split 450 train / 150 test, then StandardScaler (fit on train) + LogisticRegression(lbfgs,
multinomial) for C = 1 and C = 0.01 with max_iter 1000, tol 1e-6. Writes

    tools/probe/fixtures/probe_X.npy   float32 (600, 32)
    tools/probe/fixtures/probe_y.npy   int32   (600,)
    tools/probe/fixtures/probe.json    scaler mean/scale, per C: coef_, intercept_, train/test accuracy,
                                       predict_proba of the first 5 test rows, predictions, objective

The objective is sklearn 1.2's lbfgs objective: sum over training rows of the cross-entropy
+ 1/(2C) * ||coef_||^2 (intercept not penalised).

    /usr/bin/python3 tools/probe/probe_reference.py
"""
from __future__ import annotations

import json
import os

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
N, D, K, N_TRAIN = 600, 32, 4, 450


def objective(clf: LogisticRegression, X: np.ndarray, y: np.ndarray, C: float) -> float:
    Z = X @ clf.coef_.T + clf.intercept_
    Zmax = Z.max(axis=1, keepdims=True)
    lse = (Zmax[:, 0] + np.log(np.exp(Z - Zmax).sum(axis=1)))
    ce = lse - Z[np.arange(len(y)), y]
    return float(ce.sum() + 0.5 / C * np.sum(clf.coef_ ** 2))


def main() -> None:
    X, y = make_classification(n_samples=N, n_features=D, n_informative=8, n_redundant=4,
                               n_classes=K, n_clusters_per_class=2, class_sep=1.0, flip_y=0.02,
                               random_state=0)
    # Shift/scale columns so that standardisation matters (feature maps are not zero-mean).
    rs = np.random.RandomState(1)
    X = X * rs.uniform(0.1, 10.0, size=D) + rs.uniform(-5.0, 5.0, size=D)
    X = X.astype(np.float32)
    y = y.astype(np.int32)
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "probe_X.npy"), X)
    np.save(os.path.join(OUT, "probe_y.npy"), y)

    X64 = X.astype(np.float64)  # the app standardises float32 features in float64
    Xtr, ytr, Xte, yte = X64[:N_TRAIN], y[:N_TRAIN], X64[N_TRAIN:], y[N_TRAIN:]
    scaler = StandardScaler().fit(Xtr)
    Str, Ste = scaler.transform(Xtr), scaler.transform(Xte)

    fits = []
    for C in (1.0, 0.01):
        clf = LogisticRegression(C=C, multi_class="multinomial", solver="lbfgs", max_iter=1000,
                                 tol=1e-6).fit(Str, ytr)
        fits.append({
            "C": C,
            "nIter": int(clf.n_iter_[0]),
            "coef": clf.coef_.tolist(),
            "intercept": clf.intercept_.tolist(),
            "objective": objective(clf, Str, ytr, C),
            "trainAccuracy": float(clf.score(Str, ytr)),
            "testAccuracy": float(clf.score(Ste, yte)),
            "probaTestFirst5": clf.predict_proba(Ste[:5]).tolist(),
            "predTrain": clf.predict(Str).astype(int).tolist(),
            "predTest": clf.predict(Ste).astype(int).tolist(),
        })
        print(f"C={C}: iters {clf.n_iter_[0]}, objective {fits[-1]['objective']:.10f}, "
              f"train {fits[-1]['trainAccuracy']:.4f}, test {fits[-1]['testAccuracy']:.4f}")

    ref = {
        "sklearn": sklearn.__version__,
        "n": N, "d": D, "k": K, "nTrain": N_TRAIN,
        "scalerMean": scaler.mean_.tolist(),
        "scalerScale": scaler.scale_.tolist(),
        "fits": fits,
    }
    with open(os.path.join(OUT, "probe.json"), "w") as f:
        json.dump(ref, f)
        f.write("\n")


if __name__ == "__main__":
    main()
