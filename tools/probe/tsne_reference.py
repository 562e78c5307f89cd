"""Reference values for src/core/embedding (t-SNE affinities and quality, k-NN accuracy,
trustworthiness), from scikit-learn 1.2.

Fixture set: 1,000 points in 64 dims from 10 Gaussian clusters that overlap a little (seeded).
Writes

    tools/probe/fixtures/tsne_X.npy       float32 (1000, 64)
    tools/probe/fixtures/tsne_labels.npy  int32   (1000,)
    tools/probe/fixtures/tsne.json        kNN graph + conditional P + betas of the first rows,
                                          row sums of the joint P, sklearn TSNE's final KL,
                                          10-NN accuracy and trustworthiness(k=10) of its
                                          embedding (mean over a few seeds), small knn cases

sklearn does not expose the precisions β; they come from a NumPy copy of
_utils._binary_search_perplexity that is checked against sklearn's conditional P.

    /usr/bin/python3 tools/probe/tsne_reference.py [--keep-runs]

--keep-runs reuses the (slow) sklearn TSNE runs stored in an existing tsne.json. Run with
OMP_NUM_THREADS=1 on a busy machine: OpenMP threads that spin for a core they cannot get are
many times slower.
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, _t_sne, _utils, trustworthiness
from sklearn.neighbors import NearestNeighbors

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
N, D, C = 1000, 64, 10
PERPLEXITY = 30.0
ROWS = 10


def make_clusters(n: int, d: int, c: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rs = np.random.RandomState(seed)
    centers = rs.normal(size=(c, d)) * 0.55
    spread = rs.uniform(0.7, 1.3, size=c)
    labels = rs.randint(0, c, size=n)
    X = centers[labels] + rs.normal(size=(n, d)) * spread[labels, None] / np.sqrt(2)
    return X.astype(np.float32), labels.astype(np.int32)


def binary_search_row(dist: np.ndarray, perplexity: float) -> tuple[np.ndarray, float]:
    """NumPy transcription of sklearn.manifold._utils._binary_search_perplexity for one row."""
    desired = np.log(perplexity)
    beta, beta_min, beta_max = 1.0, -np.inf, np.inf
    dist = dist.astype(np.float64)
    for _ in range(100):
        P = np.exp(-dist * beta)
        s = P.sum()
        if s == 0.0:
            s = 1e-8
        P = P / s
        entropy = np.log(s) + beta * np.sum(dist * P)
        diff = entropy - desired
        if abs(diff) <= 1e-5:
            break
        if diff > 0:
            beta_min = beta
            beta = beta * 2.0 if beta_max == np.inf else (beta + beta_max) / 2.0
        else:
            beta_max = beta
            beta = beta / 2.0 if beta_min == -np.inf else (beta + beta_min) / 2.0
    return P, beta


def knn_accuracy(Y: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Leave-one-out k-NN vote; ties -> smallest distance sum, then lowest label (src/core/embedding/knn.ts)."""
    d2 = ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    ok = 0
    for i in range(len(Y)):
        nb = np.lexsort((np.arange(len(Y)), d2[i]))[:k]
        votes: dict[int, list[float]] = {}
        for j in nb:
            v = votes.setdefault(int(labels[j]), [0, 0.0])
            v[0] += 1
            v[1] += float(np.sqrt(d2[i, j]))
        best = sorted(votes.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))[0][0]
        ok += best == labels[i]
    return ok / len(Y)


def main() -> None:
    X, labels = make_clusters(N, D, C, seed=3)
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "tsne_X.npy"), X)
    np.save(os.path.join(OUT, "tsne_labels.npy"), labels)

    # The affinity pipeline of TSNE._fit (barnes_hut branch), step by step.
    k = min(N - 1, int(3.0 * PERPLEXITY + 1))
    graph = NearestNeighbors(n_neighbors=k).fit(X).kneighbors_graph(mode="distance")
    graph.data **= 2
    graph.sort_indices()
    dist = graph.data.reshape(N, -1).astype(np.float32)
    cond = _utils._binary_search_perplexity(dist, PERPLEXITY, 0)
    P = _t_sne._joint_probabilities_nn(graph.copy(), PERPLEXITY, 0)
    rows = []
    for i in range(ROWS):
        p_np, beta = binary_search_row(dist[i], PERPLEXITY)
        assert np.max(np.abs(p_np - cond[i])) < 1e-12, "NumPy binary search disagrees with sklearn"
        rows.append({
            "neighbors": graph.indices[graph.indptr[i]:graph.indptr[i + 1]].tolist(),
            "sqDistances": dist[i].astype(float).tolist(),
            "condP": np.asarray(cond[i]).tolist(),
            "beta": beta,
            "jointRowSum": float(P[i].sum()),
        })

    runs = []
    old = os.path.join(OUT, "tsne.json")
    if "--keep-runs" in sys.argv and os.path.exists(old):
        runs = json.load(open(old))["sklearnRuns"]
    for seed in (0, 1, 2) if not runs else ():
        t0 = time.perf_counter()
        tsne = TSNE(n_components=2, perplexity=PERPLEXITY, init="pca", learning_rate="auto",
                    method="barnes_hut", angle=0.5, n_iter=1000, random_state=seed)
        Y = tsne.fit_transform(X)
        runs.append({
            "seed": seed,
            "seconds": time.perf_counter() - t0,
            "kl": float(tsne.kl_divergence_),
            "nIter": int(tsne.n_iter_),
            "knnAccuracy10": knn_accuracy(Y, labels, 10),
            "trustworthiness10": float(trustworthiness(X, Y, n_neighbors=10)),
        })
        print(runs[-1])

    # Small cases for knn.ts.
    rs = np.random.RandomState(11)
    Xs = rs.normal(size=(40, 5))
    Ys = Xs[:, :2] + 0.5 * rs.normal(size=(40, 2))
    ls = rs.randint(0, 3, size=40)
    small = {
        "X": Xs.tolist(), "Y": Ys.tolist(), "labels": ls.tolist(),
        "trustworthiness5": float(trustworthiness(Xs, Ys, n_neighbors=5)),
        "trustworthiness10": float(trustworthiness(Xs, Ys, n_neighbors=10)),
        "trustworthinessSelf5": float(trustworthiness(Xs, Xs, n_neighbors=5)),
        "knnAccuracy5Y": knn_accuracy(Ys, ls, 5),
        "knnAccuracy3X": knn_accuracy(Xs, ls, 3),
    }

    pca = PCA(n_components=3, svd_solver="full").fit(X.astype(np.float64))
    pca_ref = {
        "explainedVariance": pca.explained_variance_.tolist(),
        "explainedVarianceRatio": pca.explained_variance_ratio_.tolist(),
        "components": pca.components_.tolist(),
        "coordsFirst5": pca.transform(X[:5].astype(np.float64)).tolist(),
    }

    ref = {
        "sklearn": sklearn.__version__,
        "n": N, "d": D, "clusters": C, "perplexity": PERPLEXITY, "kNeighbors": k,
        "rows": rows,
        "jointSum": float(P.sum()),
        "jointNnz": int(P.nnz),
        "sklearnRuns": runs,
        "featureKnnAccuracy10": knn_accuracy(X.astype(np.float64), labels, 10),
        "small": small,
        "pca": pca_ref,
    }
    with open(os.path.join(OUT, "tsne.json"), "w") as f:
        json.dump(ref, f)
        f.write("\n")


if __name__ == "__main__":
    main()
