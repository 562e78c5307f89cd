"""t-SNE benchmark, sklearn side: for each N in $SIZES (default 5000,10000) reads
build/bench/tsne/{X,labels,Y}_<N>.npy and ts_<N>.json written by bench_tsne.ts, runs
sklearn.manifold.TSNE (barnes_hut, init='pca', learning_rate='auto', perplexity 30, n_iter 1000)
on the same data, and prints both times, their ratio, and both embeddings' 10-NN accuracy and
trustworthiness(k=10) (computed here with the same code for both).

Set OMP_NUM_THREADS=1 for a single-core comparison (the TypeScript side is single-threaded);
on a busy machine sklearn's OpenMP threads otherwise spin for cores they cannot get.

    nice -n 10 npx tsx tools/probe/bench_tsne.ts && OMP_NUM_THREADS=1 nice -n 10 /usr/bin/python3 tools/probe/bench_tsne.py
"""
import json
import os
import time

import numpy as np
from sklearn.manifold import TSNE
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

DIR = "build/bench/tsne"
SIZES = [int(s) for s in os.environ.get("SIZES", "5000,10000").split(",")]


def knn_accuracy(Y: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Leave-one-out majority vote of the k nearest (ties: smaller distance sum, then lower label)."""
    dist, idx = NearestNeighbors(n_neighbors=k).fit(Y).kneighbors()
    ok = 0
    for i in range(len(Y)):
        votes: dict[int, list[float]] = {}
        for d, j in zip(dist[i], idx[i]):
            v = votes.setdefault(int(labels[j]), [0, 0.0])
            v[0] += 1
            v[1] += float(d)
        ok += sorted(votes.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))[0][0] == labels[i]
    return ok / len(Y)


def trustworthiness_many(X: np.ndarray, embeddings: list[np.ndarray], k: int = 10) -> list[float]:
    """sklearn.manifold.trustworthiness for several embeddings of the same X, ranking X once."""
    n = len(X)
    dist = pairwise_distances(X)
    np.fill_diagonal(dist, np.inf)
    ind_X = np.argsort(dist, axis=1)
    del dist
    inverted = np.zeros((n, n), dtype=np.int32)
    rows = np.arange(n)[:, None]
    inverted[rows, ind_X] = np.arange(1, n + 1, dtype=np.int32)
    del ind_X
    out = []
    for Y in embeddings:
        ind_Y = NearestNeighbors(n_neighbors=k).fit(Y).kneighbors(return_distance=False)
        ranks = inverted[rows, ind_Y].astype(np.int64) - k
        t = np.sum(ranks[ranks > 0])
        out.append(float(1.0 - t * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)))))
    return out


def main() -> None:
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}")
    for n in SIZES:
        X = np.load(f"{DIR}/X_{n}.npy")
        labels = np.load(f"{DIR}/labels_{n}.npy")
        Yts = np.load(f"{DIR}/Y_{n}.npy")
        ts = json.load(open(f"{DIR}/ts_{n}.json"))
        t0 = time.perf_counter()
        tsne = TSNE(n_components=2, perplexity=30.0, init="pca", learning_rate="auto", method="barnes_hut",
                    angle=0.5, n_iter=1000, random_state=0)
        Ysk = tsne.fit_transform(X)
        sk = time.perf_counter() - t0
        np.save(f"{DIR}/Ysk_{n}.npy", Ysk)
        tw = trustworthiness_many(X, [Yts, Ysk])
        q = {"TS": (knn_accuracy(Yts, labels), tw[0]), "sklearn": (knn_accuracy(Ysk, labels), tw[1])}
        print(f"N={n}: sklearn {sk:.2f} s (KL {tsne.kl_divergence_:.4f}), TS {ts['seconds']:.2f} s "
              f"(KL {ts['kl']:.4f}; phases {ts['phases']}); ratio TS/sklearn = {ts['seconds'] / sk:.2f}")
        for name, (acc, tw) in q.items():
            print(f"  {name:8s} 10-NN accuracy {acc:.4f}  trustworthiness(10) {tw:.4f}")


if __name__ == "__main__":
    main()
