"""Linear-probe benchmark, sklearn side: reads build/bench/probe/{X,y}.npy and ts.json written by
bench_probe.ts, fits StandardScaler + LogisticRegression(multinomial, lbfgs, C=1, tol=1e-4,
max_iter=1000) and prints its time, the TypeScript time and their ratio.

    nice -n 10 npx tsx tools/probe/bench_probe.ts && nice -n 10 /usr/bin/python3 tools/probe/bench_probe.py

With --serve it instead waits on stdin: each line "fit" fits once more and answers with one line
"seconds <s>", so that tools/bench/probe.ts can alternate browser and sklearn runs on a noisy
machine (both sides see the same background load).
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

DIR = "build/bench/probe"
X = np.load(f"{DIR}/X.npy").astype(np.float64)
y = np.load(f"{DIR}/y.npy")


def fit():
    t0 = time.perf_counter()
    Z = StandardScaler().fit_transform(X)
    clf = LogisticRegression(C=1.0, multi_class="multinomial", solver="lbfgs", tol=1e-4, max_iter=1000).fit(Z, y)
    return time.perf_counter() - t0, Z, clf


if "--serve" in sys.argv:
    fit()  # warm-up: first-call costs (imports resolved lazily, BLAS thread start) are not the fit
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "fit":
            sk, Z, clf = fit()
            print(f"seconds {sk:.6f} iterations {clf.n_iter_[0]} train {clf.score(Z, y):.4f}", flush=True)
    sys.exit(0)

ts = json.load(open(f"{DIR}/ts.json"))
sk, Z, clf = fit()
logits = Z @ clf.coef_.T + clf.intercept_
m = logits.max(axis=1, keepdims=True)
ce = (m[:, 0] + np.log(np.exp(logits - m).sum(axis=1)) - logits[np.arange(len(y)), y]).sum()
obj = ce + 0.5 * np.sum(clf.coef_ ** 2)
print(f"sklearn {X.shape[0]}x{X.shape[1]}, {len(np.unique(y))} classes: {sk:.2f} s, {clf.n_iter_[0]} iterations, "
      f"objective {obj:.6f}, train accuracy {clf.score(Z, y):.4f}")
print(f"TS      : {ts['seconds']:.2f} s, {ts['iters']} iterations, objective {ts['objective']:.6f}, "
      f"train accuracy {ts['trainAccuracy']:.4f}")
print(f"ratio TS / sklearn = {ts['seconds'] / sk:.2f}")
