"""The linear probe's recipe, in one place for every script that fits one (evaluate_probe.py's
probes, tools/results/pixels_baseline.py's raw pixels): standardise on the training rows, then
multinomial logistic regression with scikit-learn."""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


def fit_probe(xtr: np.ndarray, ytr: np.ndarray, *, C: float, max_iter: int, solver: str = "lbfgs"):
    """Returns (scaler, classifier); predict with clf.predict(scaler.transform(x))."""
    scaler = StandardScaler().fit(xtr)
    clf = LogisticRegression(solver=solver, max_iter=max_iter, C=C, multi_class="multinomial")
    clf.fit(scaler.transform(xtr), ytr)
    return scaler, clf
