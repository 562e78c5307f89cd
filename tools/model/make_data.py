"""Write the data set the browser app bundles: Fashion-MNIST as PNG strips of 1,000 images.

Makes, in --out-dir (default public/data/fashion-mnist/), format 'diffprobe-dataset' version 2
(docs/data-format.md):
  test-images-00.png …  the whole test split (N = 10,000), --part images per file, each a PNG of
                        28 x (28 * count) grayscale pixels whose rows are the images top to bottom
  test-labels.u8        N bytes, class index 0..9
  train-images-00.png … the first --train images (default 10,000) of the training split
  train-labels.u8
  dataset.json          classes, shape, split counts, the parts with their image counts and byte
                        sizes, the sha256 of every file, and the sha256 of each split's decoded
                        pixels (what the IDX source holds, byte for byte)

The app fetches only the first part of the test split at page load (the gallery's first pages)
and the rest when it is needed or the page is idle, so parts keep the first load light.

The source is Debian's dataset-fashion-mnist package (gzipped IDX files), read by data.py.
Deterministic: the same package gives byte-identical output.

    /usr/bin/python3 tools/model/make_data.py
    /usr/bin/python3 tools/model/make_data.py --train 2000 --test 500 --out-dir /tmp/fm
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from common import ROOT, sha256_file  # noqa: E402
from png_strip import decode_strip, encode_strip  # noqa: E402

SOURCE = ("Fashion-MNIST, Xiao, Rasul and Vollgraf (2017), https://github.com/zalandoresearch/fashion-mnist; "
          "read from Debian's dataset-fashion-mnist package")


def write_atomic(path: str, payload: bytes) -> None:
    with open(path + ".tmp", "wb") as f:
        f.write(payload)
    os.replace(path + ".tmp", path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "public", "data", "fashion-mnist"))
    ap.add_argument("--train", type=int, default=10000, help="how many training images (from the start)")
    ap.add_argument("--test", type=int, default=10000, help="how many test images (from the start; 10,000 = all)")
    ap.add_argument("--part", type=int, default=1000, help="images per PNG part")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    # Files of an earlier layout (version 1's raw .u8 images, other part counts) would linger.
    for old in glob.glob(os.path.join(args.out_dir, "*-images*")):
        os.remove(old)

    doc = {"format": "diffprobe-dataset", "version": 2, "name": "Fashion-MNIST", "source": SOURCE,
           "license": "MIT (Zalando Research)", "classes": list(data.CLASSES),
           "channels": 1, "height": 28, "width": 28, "splits": {}, "sha256": {}}
    for split, idx_name, n in (("train", "train", args.train), ("test", "t10k", args.test)):
        images, labels = data.load(idx_name)
        if n > len(images):
            raise SystemExit(f"--{split} {n} > {len(images)} images in the {split} split")
        images = np.ascontiguousarray(images[:n], dtype=np.uint8)
        labels = np.ascontiguousarray(labels[:n], dtype=np.uint8)
        parts = []
        for k, start in enumerate(range(0, n, args.part)):
            chunk = images[start : start + args.part]
            png = encode_strip(chunk)
            # Never ship a part that does not give back its pixels exactly.
            if not np.array_equal(decode_strip(png).reshape(chunk.shape), chunk):
                raise SystemExit(f"{split} part {k}: the PNG does not decode to its images")
            name = f"{split}-images-{k:02d}.png"
            write_atomic(os.path.join(args.out_dir, name), png)
            doc["sha256"][name] = hashlib.sha256(png).hexdigest()
            parts.append({"file": name, "count": int(len(chunk)), "bytes": len(png)})
        labels_name = f"{split}-labels.u8"
        write_atomic(os.path.join(args.out_dir, labels_name), labels.tobytes())
        doc["sha256"][labels_name] = sha256_file(os.path.join(args.out_dir, labels_name))
        doc["splits"][split] = {"count": n, "labels": labels_name, "images": parts,
                                "imagesSha256": hashlib.sha256(images.tobytes()).hexdigest()}
        counts = np.bincount(labels, minlength=len(data.CLASSES))
        size = sum(p["bytes"] for p in parts)
        print(f"{split}: {n} images in {len(parts)} parts, {size:,} bytes of PNG for {images.nbytes:,} of pixels "
              f"({size / images.nbytes:.1%}), per class {counts.tolist()}")

    with open(os.path.join(args.out_dir, "dataset.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out_dir}/dataset.json")


if __name__ == "__main__":
    main()
