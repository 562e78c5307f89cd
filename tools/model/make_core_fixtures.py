"""Write the golden fixtures that src/core/*.test.ts check against.

    /usr/bin/python3 tools/model/make_core_fixtures.py

Outputs (all small, committed) under tools/model/fixtures/core/:
  rng.json       splitmix32 / xoshiro128** integers and floats, gaussians, FNV-1a, image_noise
  schedule.json  torch float64 betas and alphas_cumprod for the default linear schedule
  pooling.json   torch adaptive_avg_pool2d of small random NCHW tensors
  npy/*.npy      tiny arrays saved by NumPy (v1.0, v2.0, several dtypes, Fortran order, big-endian)
  npy.json       descr, shape and values of each npy/*.npy
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rng  # noqa: E402

OUT = os.path.join(HERE, "fixtures", "core")


def write_json(name: str, obj) -> None:
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def f32_list(a) -> list[float]:
    # float32 -> float64 is exact, and json writes the shortest repr that round-trips a double.
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def rng_fixture() -> dict:
    streams = [(0, 0), (42, 0), (42, 1), (123456789, 0xDEADBEEF), (0xFFFFFFFF, 7), (-1, -1)]
    uint32 = []
    for seed, stream in streams:
        r = rng.create_rng(seed, stream)
        uint32.append({"seed": seed, "stream": stream, "values": [r.next_uint32() for _ in range(16)]})

    sm = []
    st = 0
    for _ in range(8):
        st, v = rng.splitmix32(st)
        sm.append(v)

    r = rng.create_rng(42)
    floats = [r.next_float() for _ in range(16)]

    gauss = f32_list(rng.gaussian(rng.create_rng(2024, 3), 1000))
    gauss_odd = f32_list(rng.gaussian(rng.create_rng(7), 5))

    fnv = [
        {"bytes": list(b), "hash": rng.fnv1a32(b)}
        for b in [b"", b"a", b"foobar", bytes(range(256))]
    ]

    x0 = (np.linspace(-1, 1, 2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4) ** 3).astype(np.float32)
    x0[0, 0, 0] = -0.0  # -0 and +0 hash differently; pin that down
    noise = rng.image_noise(99, x0)
    batch = rng.image_noise_batch(99, np.stack([x0, -x0]))
    assert np.array_equal(batch[0], noise), "image_noise_batch disagrees with image_noise"
    assert np.array_equal(batch[1], rng.image_noise(99, -x0)), "image_noise_batch disagrees (2nd image)"

    return {
        "splitmix32From0": sm,
        "uint32": uint32,
        "floatsSeed42": floats,
        "gaussian": {"seed": 2024, "stream": 3, "values": gauss},
        "gaussianOdd": {"seed": 7, "stream": 0, "values": gauss_odd},
        "fnv1a32": fnv,
        "imageNoise": {
            "seed": 99,
            "x0": f32_list(x0),
            "stream": rng.fnv1a32(rng.float32_bytes(x0)),
            "noise": f32_list(noise),
        },
    }


def schedule_fixture() -> dict:
    out = {}
    for name, (start, end, steps) in {
        "default": (1e-4, 0.02, 1000),
        "small": (0.00085, 0.012, 37),
    }.items():
        betas = torch.linspace(start, end, steps, dtype=torch.float64)
        abar = torch.cumprod(1.0 - betas, dim=0)
        out[name] = {
            "betaStart": start,
            "betaEnd": end,
            "steps": steps,
            "betas": betas.tolist(),
            "alphasCumprod": abar.tolist(),
        }
    return out


def pooling_fixture() -> dict:
    g = torch.Generator().manual_seed(0)
    cases = []
    for shape, sizes in [
        ((2, 3, 7, 7), [(1, 1), (2, 2), (4, 4)]),
        ((1, 2, 28, 28), [(1, 1), (2, 2), (4, 4)]),
        ((1, 1, 5, 6), [(2, 3), (4, 4), (3, 5)]),
    ]:
        x = torch.randn(*shape, generator=g, dtype=torch.float32)
        outs = []
        for oh, ow in sizes:
            y = F.adaptive_avg_pool2d(x, (oh, ow))
            y64 = F.adaptive_avg_pool2d(x.double(), (oh, ow))
            outs.append({"size": [oh, ow], "values": f32_list(y), "values64": y64.flatten().tolist()})
        cases.append({
            "shape": list(shape),
            "input": f32_list(x),
            "outputs": outs,
            "avg": f32_list(x.mean(dim=(2, 3))),
            "max": f32_list(x.amax(dim=(2, 3))),
        })
    return {"cases": cases}


def npy_fixtures() -> dict:
    d = os.path.join(OUT, "npy")
    os.makedirs(d, exist_ok=True)
    arrays = {
        "f4_2x3": np.arange(6, dtype="<f4").reshape(2, 3) / 4 - 0.5,
        "f8_4": np.array([0.1, -2.5, 1e300, np.pi], dtype="<f8"),
        "i4_2x2": np.array([[1, -2], [2147483647, -2147483648]], dtype="<i4"),
        "i8_3": np.array([1, -2, 2**53 + 1], dtype="<i8"),
        "u1_2x2x2": np.arange(8, dtype="|u1").reshape(2, 2, 2) * 30,
        "u2_3": np.array([0, 1, 65535], dtype="<u2"),
        "f4_scalar": np.array(3.5, dtype="<f4"),
        "f4_0x3": np.zeros((0, 3), dtype="<f4"),
    }
    names = []
    for name, a in arrays.items():
        np.save(os.path.join(d, f"{name}.npy"), a)
        names.append(name)
    with open(os.path.join(d, "f4_2x3_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, arrays["f4_2x3"], version=(2, 0))
    np.save(os.path.join(d, "f4_fortran.npy"), np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    np.save(os.path.join(d, "f4_bigendian.npy"), np.arange(3, dtype=">f4"))
    index = {name: {"descr": np.lib.format.dtype_to_descr(a.dtype), "shape": list(a.shape),
                    "values": [int(v) if a.dtype.kind in "iu" else float(v) for v in a.ravel()]}
             for name, a in arrays.items()}
    # 2**53+1 is not representable as a double: store int64s as strings so the test sees exact values.
    index["i8_3"]["values"] = [str(v) for v in arrays["i8_3"].ravel()]
    return index


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    write_json("rng.json", rng_fixture())
    write_json("schedule.json", schedule_fixture())
    write_json("pooling.json", pooling_fixture())
    write_json("npy.json", npy_fixtures())


if __name__ == "__main__":
    main()
