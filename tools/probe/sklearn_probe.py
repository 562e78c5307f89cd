"""scikit-learn's probe on .npy features, for comparing with DiffProbe's own (tools/probe/compare_sklearn.ts).

    /usr/bin/python3 tools/probe/sklearn_probe.py TRAIN.npy TRAIN_LABELS.npy TEST.npy TEST_LABELS.npy [C] [max_iter]

Prints JSON: test and train accuracy, iterations, seconds. StandardScaler fitted on train, then
LogisticRegression(multinomial, lbfgs, C, tol=1e-4) — the settings the app's probe mirrors.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

xtr, ytr, xte, yte = (np.load(p) for p in sys.argv[1:5])
C = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
max_iter = int(sys.argv[6]) if len(sys.argv) > 6 else 1000
t0 = time.perf_counter()
scaler = StandardScaler().fit(xtr)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf = LogisticRegression(C=C, max_iter=max_iter, tol=1e-4).fit(scaler.transform(xtr), ytr)
seconds = time.perf_counter() - t0
print(json.dumps({"test": float(clf.score(scaler.transform(xte), yte)), "train": float(clf.score(scaler.transform(xtr), ytr)),
                  "iterations": int(clf.n_iter_.max()), "seconds": seconds}))
