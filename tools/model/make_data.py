"""Write the data set the browser app bundles: Fashion-MNIST as raw uint8 files.

Makes, in --out-dir (default public/data/fashion-mnist/):
  test-images.u8    the whole test split, N x 28 x 28 bytes, row-major, no header (N = 10,000)
  test-labels.u8    N bytes, class index 0..9
  train-images.u8   the first --train images (default 10,000) of the training split
  train-labels.u8
  dataset.json      the 'diffprobe-dataset' description (docs/data-format.md): classes, shape,
                    split counts, file names, byte sizes and sha256 of every file

The source is Debian's dataset-fashion-mnist package (gzipped IDX files), read by data.py.
Deterministic: the same package gives byte-identical output.

    /usr/bin/python3 tools/model/make_data.py
    /usr/bin/python3 tools/model/make_data.py --train 2000 --test 500 --out-dir /tmp/fm
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from common import ROOT, sha256_file  # noqa: E402

SOURCE = ("Fashion-MNIST, Xiao, Rasul and Vollgraf (2017), https://github.com/zalandoresearch/fashion-mnist; "
          "read from Debian's dataset-fashion-mnist package")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "public", "data", "fashion-mnist"))
    ap.add_argument("--train", type=int, default=10000, help="how many training images (from the start)")
    ap.add_argument("--test", type=int, default=10000, help="how many test images (from the start; 10,000 = all)")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    doc = {"format": "diffprobe-dataset", "version": 1, "name": "Fashion-MNIST", "source": SOURCE,
           "license": "MIT (Zalando Research)", "classes": list(data.CLASSES),
           "channels": 1, "height": 28, "width": 28, "splits": {}, "sha256": {}}
    for split, idx_name, n in (("train", "train", args.train), ("test", "t10k", args.test)):
        images, labels = data.load(idx_name)
        if n > len(images):
            raise SystemExit(f"--{split} {n} > {len(images)} images in the {split} split")
        images = np.ascontiguousarray(images[:n], dtype=np.uint8)
        labels = np.ascontiguousarray(labels[:n], dtype=np.uint8)
        files = {"images": f"{split}-images.u8", "labels": f"{split}-labels.u8"}
        for kind, arr in (("images", images), ("labels", labels)):
            path = os.path.join(args.out_dir, files[kind])
            with open(path + ".tmp", "wb") as f:
                f.write(arr.tobytes())
            os.replace(path + ".tmp", path)
            doc["sha256"][files[kind]] = sha256_file(path)
        doc["splits"][split] = {"count": n, **files}
        counts = np.bincount(labels, minlength=len(data.CLASSES))
        print(f"{split}: {n} images, {images.nbytes:,} + {labels.nbytes:,} bytes, per class {counts.tolist()}")

    with open(os.path.join(args.out_dir, "dataset.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out_dir}/dataset.json")


if __name__ == "__main__":
    main()
