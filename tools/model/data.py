"""Fashion-MNIST from Debian's `dataset-fashion-mnist` package (gzipped IDX files)."""
from __future__ import annotations

import gzip
import os
import subprocess

import numpy as np

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _find(name: str) -> str:
    env = os.environ.get("FASHION_MNIST_DIR")
    roots = [env] if env else []
    roots += ["/usr/share/datasets/fashion-mnist"]
    for root in roots:
        if root and os.path.exists(os.path.join(root, name)):
            return os.path.join(root, name)
    try:
        files = subprocess.run(["dpkg", "-L", "dataset-fashion-mnist"], capture_output=True, text=True).stdout.split()
        for f in files:
            if f.endswith(name):
                return f
    except FileNotFoundError:
        pass
    raise FileNotFoundError(f"{name} not found: apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR")


def load(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Returns (images uint8 [N,28,28], labels uint8 [N]) for split 'train' or 't10k'."""
    with gzip.open(_find(f"{split}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(_find(f"{split}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    assert len(images) == len(labels)
    return images, labels


def to_model_input(images_u8: np.ndarray) -> np.ndarray:
    """uint8 [N,28,28] -> float32 [N,1,28,28] in [-1, 1] (the manifest's preprocessing).

    Computed as float32((v/255 - mean)/std) in float64, exactly as the browser does: the noise is
    seeded from x0's bytes, so even a last-bit difference would change the noise completely.
    """
    return ((images_u8.astype(np.float64) / 255.0 - 0.5) / 0.5).astype(np.float32)[:, None]
