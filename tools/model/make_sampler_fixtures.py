"""Reference values for the sampler's tests (src/core/sampler/*.test.ts), from sampler_reference.py.

    /usr/bin/python3 tools/model/make_sampler_fixtures.py [--only timesteps|trajectories]

Writes (small, committed) under tools/model/fixtures/sampler/:
  timesteps.json     NumPy's timestep lists (diffusers' set_timesteps) for T in {1, 37, 1000, 4000},
                     every spacing, steps_offset 0 and 1 (leading), n = 1…64 and a few large n
  trajectories/      per case: the options, the timesteps, and the sample after each step (float32 .npy,
                     [stored steps, count, 1, 28, 28]) plus the raw x̂_0's min/max/outside and the sample's
                     min/max/mean at every step, for the
                     small model e2e/fixtures/models/needs-clip/model.onnx run in PyTorch from the
                     same starting noise and injected noise as the app (tools/model/rng.py)

  adm32-ddpm.npy/.json  one DDPM step of the learned-σ ADM fixture (e2e/fixtures/models/adm32) from
                     PyTorch's own output, read as learned_range and as learned

The trajectories need the small model (tools/model/make_needs_clip_model.py writes it). Seeded
and deterministic.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import rng as app_rng  # noqa: E402
import sampler_reference as R  # noqa: E402
from common import be_nice, net_from_onnx  # noqa: E402
from unet import alphas_cumprod  # noqa: E402

OUT = os.path.join(HERE, "fixtures", "sampler")
MODEL = os.path.join(ROOT, "e2e", "fixtures", "models", "needs-clip", "model.onnx")
ADM = os.path.join(ROOT, "e2e", "fixtures", "models", "adm32")
ADM_NOISE_SEED = 7
MODEL_CH = 16


def write_json(path: str, obj) -> None:
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


def write_npy(path: str, a: np.ndarray) -> None:
    np.save(path, np.ascontiguousarray(a, dtype="<f4"))


# ------------------------------------------------------------------------------------------ timesteps

def timesteps_fixture() -> dict:
    cases = []
    for T in (1, 37, 1000, 4000):
        ns = sorted({n for n in list(range(1, 65)) + [100, 103, 121, 250, 333, 500, 999, 1000] if n <= T})
        for spacing, offset in (("linspace", 0), ("leading", 0), ("leading", 1), ("trailing", 0)):
            lists, numpy_extra = {}, []
            for n in ns:
                ts = R.timesteps(T, n, spacing, offset)
                if spacing == "trailing":
                    raw = np.round(np.arange(T, 0, -T / n)).astype(np.int64) - 1
                    if len(raw) != n:
                        numpy_extra.append([n, raw[n:].tolist()])
                if ts.max() >= T:  # leading + offset past T - 1: the app refuses these
                    lists[str(n)] = None
                    continue
                lists[str(n)] = ts.tolist()
            cases.append({"T": T, "spacing": spacing, "stepsOffset": offset, "lists": lists,
                          "numpyExtra": numpy_extra})
    return {"note": "diffusers set_timesteps in NumPy; null: the noisiest leading timestep is past T-1; "
                    "numpyExtra: [n, the entries np.arange added past the n-th]", "cases": cases}


# ------------------------------------------------------------------------------------------ trajectories

COUNT = 2
SEED = 11
BASE = R.Options(steps=10)
# (name, options, prediction type, learned variance); every step is stored unless STORE_STRIDE says otherwise
CASES = [
    ("ddim-clip", R.with_(BASE, steps=20), "epsilon", None),
    ("ddim-none", R.with_(BASE, steps=20, x0="none"), "epsilon", None),
    ("ddim-threshold", R.with_(BASE, x0="threshold", percentile=95.0, max_threshold=1.5), "epsilon", None),
    ("ddim-eps-from-x0", R.with_(BASE, eps_from_x0=True), "epsilon", None),
    ("ddim-eta-0.5", R.with_(BASE, eta=0.5), "epsilon", None),
    ("ddim-eta-1", R.with_(BASE, eta=1.0, x0="none"), "epsilon", None),
    ("ddim-leading-offset-1", R.with_(BASE, spacing="leading", steps_offset=1), "epsilon", None),
    ("ddim-leading-final-abar0", R.with_(BASE, spacing="leading", set_alpha_to_one=False, eta=0.3), "epsilon", None),
    ("ddim-trailing", R.with_(BASE, spacing="trailing"), "epsilon", None),
    ("ddim-v", R.with_(BASE, eta=0.2), "v_prediction", None),
    ("ddim-sample", R.with_(BASE, eps_from_x0=True), "sample", None),
    ("ddpm-small", R.with_(BASE, method="ddpm"), "epsilon", None),
    ("ddpm-large-trailing", R.with_(BASE, method="ddpm", variance="large", spacing="trailing"), "epsilon", None),
    ("ddpm-threshold-v", R.with_(BASE, method="ddpm", x0="threshold", percentile=90.0), "v_prediction", None),
    ("ddpm-learned-range", R.with_(BASE, method="ddpm"), "epsilon", "learned_range"),
    ("ddpm-learned", R.with_(BASE, method="ddpm", x0="none"), "epsilon", "learned"),
    ("ddpm-full", R.with_(BASE, method="ddpm", steps=1000), "epsilon", None),
]
STORE_STRIDE = {"ddpm-full": 100}
# The full sampler makes 1000 model calls: one image keeps the test quick.
CASE_COUNT = {"ddpm-full": 1}
VARIANCE_STREAM = 0x7661  # the synthetic variance values' stream (see variance_values)


def variance_values(kind: str, t: int, n: int) -> np.ndarray:
    """Synthetic learned-σ outputs, the same in TypeScript: uniform in [-1, 1] for learned_range;
    for learned, log σ² between log β̃-ish and log β-ish values of the linear schedule (−12 … −4)."""
    g = app_rng.create_rng(t, VARIANCE_STREAM)
    u = np.array([g.next_float() for _ in range(n)], dtype=np.float64)
    v = 2 * u - 1 if kind == "learned_range" else -8 + 4 * (2 * u - 1)
    return v.astype(np.float32)


def as_type(kind: str, x: torch.Tensor, eps: torch.Tensor, abar: float) -> torch.Tensor:
    """The ε-network read as a `kind` model: what a perfect converter of its ε̂ would output
    (float64, rounded to float32 once, as the TypeScript test computes it)."""
    if kind == "epsilon":
        return eps
    sa, sb = float(np.sqrt(abar)), float(np.sqrt(1 - abar))
    x, eps = x.double(), eps.double()
    x0 = (x - sb * eps) / sa
    return (x0 if kind == "sample" else sa * eps - sb * x0).float()


def trajectories() -> None:
    net = net_from_onnx(MODEL, MODEL_CH)
    abar = alphas_cumprod().numpy()
    out_dir = os.path.join(OUT, "trajectories")
    os.makedirs(out_dir, exist_ok=True)
    index = {"model": os.path.relpath(MODEL, ROOT), "seed": SEED, "varianceStream": VARIANCE_STREAM,
             "shape": [1, 28, 28], "range": [-1, 1], "cases": []}
    for name, o, kind, learned in CASES:
        def model(x, t, kind=kind, learned=learned):
            with torch.no_grad():
                eps = net(x, torch.full((x.shape[0],), float(t)))
            var = None
            if learned:
                var = torch.from_numpy(variance_values(learned, t, x.numel())).reshape(x.shape)
            return as_type(kind, x, eps, float(abar[t])), var

        count = CASE_COUNT.get(name, COUNT)
        steps = R.sample(model, count, (1, 28, 28), abar, o, SEED, kind=kind, learned=learned)
        stride = STORE_STRIDE.get(name, 1)
        keep = [i for i in range(len(steps)) if (i + 1) % stride == 0 or i == len(steps) - 1]
        write_npy(os.path.join(out_dir, f"{name}.npy"), np.stack([steps[i].x for i in keep]))
        index["cases"].append({
            "name": name, "count": count, "options": o.to_json(), "predictionType": kind, "learned": learned,
            "timesteps": [s.t for s in steps], "stored": keep, "file": f"{name}.npy",
            "x0": [[s.x0_min, s.x0_max, s.outside] for s in steps],
            # every step's sample, also those not stored: its min, max and mean (float64 of the float32 values)
            "xStats": [[float(s.x.min()), float(s.x.max()), float(s.x.astype(np.float64).mean())] for s in steps],
        })
        last = steps[-1].x
        print(f"  {name}: {len(steps)} steps, final {last.min():.2f} … {last.max():.2f}")
    write_json(os.path.join(out_dir, "index.json"), index)


def adm_steps() -> None:
    """One DDPM step of guided-diffusion's ADM (e2e/fixtures/models/adm32, learned σ) from PyTorch's own
    output at its reference x_t (out.npy: ε̂ then the variance values), read as learned_range and as
    learned, to t − 1 and to t − 50, x̂_0 clipped, z = gaussian(create_rng(7, case), 3·32·32)."""
    with open(os.path.join(ADM, "reference.json")) as f:
        ref = json.load(f)
    assert ref["schedule"] == {"type": "linear", "betaStart": 0.0001, "betaEnd": 0.02, "steps": 1000}
    abar = alphas_cumprod().numpy()
    x_t = torch.from_numpy(np.load(os.path.join(ADM, "x_t.npy"))).double()
    out = torch.from_numpy(np.load(os.path.join(ADM, "out.npy"))).double()
    ts = np.load(os.path.join(ADM, "t.npy"))
    o = R.Options(method="ddpm", x0="clip")
    steps, xs = [], []
    for k, t in enumerate(ts.tolist()):
        z = torch.from_numpy(np.asarray(app_rng.gaussian(app_rng.create_rng(ADM_NOISE_SEED, k), 3 * 32 * 32))).double()
        for learned in ("learned_range", "learned"):
            for prev in (t - 1, t - 50):
                x, _, _ = R.ddpm_step(x_t[k:k + 1], out[k:k + 1, :3], out[k:k + 1, 3:], float(abar[t]), float(abar[prev]),
                                      False, o, "epsilon", learned, -1.0, 1.0, z.reshape(1, 3, 32, 32))
                steps.append({"case": k, "t": t, "tPrev": prev, "learned": learned})
                xs.append(x.float().numpy()[0])
    write_npy(os.path.join(OUT, "adm32-ddpm.npy"), np.stack(xs))
    write_json(os.path.join(OUT, "adm32-ddpm.json"), {"noiseSeed": ADM_NOISE_SEED, "options": o.to_json(), "steps": steps})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["timesteps", "trajectories", "adm"])
    args = ap.parse_args()
    be_nice()
    os.makedirs(OUT, exist_ok=True)
    if args.only in (None, "timesteps"):
        write_json(os.path.join(OUT, "timesteps.json"), timesteps_fixture())
    if args.only in (None, "trajectories"):
        trajectories()
    if args.only in (None, "adm"):
        adm_steps()


if __name__ == "__main__":
    main()
