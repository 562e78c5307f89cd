"""Reference values for src/core/schedule.test.ts (scaled_linear, cosine) and
src/core/noise.test.ts (x̂_0, ε̂, v and DDIM steps for the three prediction types).

    /usr/bin/python3 tools/model/make_schedule_fixtures.py

Outputs (small, committed) under tools/model/fixtures/core/:
  schedules.json   betas and alphas_cumprod in float64 for `scaled_linear` and `cosine`, plus what
                   diffusers itself gets (it builds betas in float32) for the float32-vs-float64 note
  prediction.json  x_t, model outputs and their x̂_0 / ε̂ / v / DDIM x_prev, computed in float64
                   from the float32 inputs with diffusers' DDIMScheduler formulas

diffusers is not a Debian package, so its formulas are copied here (diffusers 0.2x,
schedulers/scheduling_ddim.py and betas_for_alpha_bar); guided-diffusion's cosine schedule is
`get_named_beta_schedule("cosine")` in guided_diffusion/gaussian_diffusion.py.
"""
from __future__ import annotations

import json
import math
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
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


# --- schedules ---------------------------------------------------------------------------------

def scaled_linear64(start: float, end: float, steps: int) -> torch.Tensor:
    # diffusers: torch.linspace(beta_start**0.5, beta_end**0.5, T, dtype=torch.float32) ** 2,
    # here in float64.
    return torch.linspace(start**0.5, end**0.5, steps, dtype=torch.float64) ** 2


def scaled_linear_diffusers(start: float, end: float, steps: int) -> torch.Tensor:
    betas = torch.linspace(start**0.5, end**0.5, steps, dtype=torch.float32) ** 2
    return torch.cumprod(1.0 - betas, dim=0)  # float32, as DDPMScheduler/DDIMScheduler keep it


def betas_for_alpha_bar(num_diffusion_timesteps: int, alpha_bar, max_beta: float = 0.999) -> np.ndarray:
    # guided-diffusion / improved-diffusion, verbatim (float64: a list of Python floats).
    betas = []
    for i in range(num_diffusion_timesteps):
        t1 = i / num_diffusion_timesteps
        t2 = (i + 1) / num_diffusion_timesteps
        betas.append(min(1 - alpha_bar(t2) / alpha_bar(t1), max_beta))
    return np.array(betas)


def cosine_alpha_bar(s: float):
    if s == 0.008:
        # guided-diffusion's literal expression (1 + 0.008 == 1.008 exactly in float64).
        return lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    return lambda t: math.cos((t + s) / (1 + s) * math.pi / 2) ** 2


def cosine64(steps: int, s: float) -> np.ndarray:
    return betas_for_alpha_bar(steps, cosine_alpha_bar(s))


def schedules_fixture() -> dict:
    scaled = []
    for name, start, end, steps, with_f32 in [
        ("stable-diffusion", 0.00085, 0.012, 1000, True),
        ("ddpm-range-37", 1e-4, 0.02, 37, False),
        ("one-step", 0.00085, 0.012, 1, False),
    ]:
        betas = scaled_linear64(start, end, steps)
        abar = torch.cumprod(1.0 - betas, dim=0)
        case = {"name": name, "betaStart": start, "betaEnd": end, "steps": steps,
                "betas": betas.tolist(), "alphasCumprod": abar.tolist()}
        if with_f32:
            case["diffusersFloat32AlphasCumprod"] = f32_list(scaled_linear_diffusers(start, end, steps))
        scaled.append(case)

    cosine = []
    for name, steps, s, with_f32 in [
        ("improved-ddpm-1000", 1000, 0.008, True),
        ("improved-ddpm-4000", 4000, 0.008, False),
        ("s-0.02-50", 50, 0.02, False),
        ("s-0-10", 10, 0.0, False),
        ("one-step", 1, 0.008, False),
    ]:
        betas = cosine64(steps, s)
        abar = np.cumprod(1.0 - betas, axis=0)  # guided-diffusion: alphas_cumprod
        # Cross-check with torch's cumprod, which the linear fixtures use.
        assert np.array_equal(abar, torch.cumprod(1.0 - torch.from_numpy(betas), dim=0).numpy())
        case = {"name": name, "steps": steps, "s": s, "betas": betas.tolist(), "alphasCumprod": abar.tolist()}
        if steps > 1000:
            del case["betas"]  # ᾱ alone checks them; keeps the file small
        if with_f32:
            # diffusers squaredcos_cap_v2: the same float64 betas, then torch.tensor(..., float32).
            b32 = torch.tensor(betas.tolist(), dtype=torch.float32)
            case["diffusersFloat32AlphasCumprod"] = f32_list(torch.cumprod(1.0 - b32, dim=0))
        cosine.append(case)
    return {"scaledLinear": scaled, "cosine": cosine}


# --- prediction types and DDIM -----------------------------------------------------------------

def split_output(kind: str, sample, model_output, alpha_prod_t):
    # diffusers DDIMScheduler.step, step 3 ("compute predicted original sample ... predicted epsilon").
    beta_prod_t = 1 - alpha_prod_t
    if kind == "epsilon":
        pred_original_sample = (sample - beta_prod_t ** (0.5) * model_output) / alpha_prod_t ** (0.5)
        pred_epsilon = model_output
    elif kind == "sample":
        pred_original_sample = model_output
        pred_epsilon = (sample - alpha_prod_t ** (0.5) * pred_original_sample) / beta_prod_t ** (0.5)
    elif kind == "v_prediction":
        pred_original_sample = (alpha_prod_t**0.5) * sample - (beta_prod_t**0.5) * model_output
        pred_epsilon = (alpha_prod_t**0.5) * model_output + (beta_prod_t**0.5) * sample
    else:
        raise ValueError(kind)
    return pred_original_sample, pred_epsilon


def ddim_prev(x0_hat, eps_hat, alpha_prod_t, alpha_prod_t_prev, eta, z):
    # diffusers DDIMScheduler.step, steps 5-7 (no clipping / thresholding).
    beta_prod_t = 1 - alpha_prod_t
    beta_prod_t_prev = 1 - alpha_prod_t_prev
    variance = (beta_prod_t_prev / beta_prod_t) * (1 - alpha_prod_t / alpha_prod_t_prev)
    std_dev_t = eta * variance ** (0.5)
    pred_sample_direction = (1 - alpha_prod_t_prev - std_dev_t**2) ** (0.5) * eps_hat
    prev = alpha_prod_t_prev ** (0.5) * x0_hat + pred_sample_direction
    if eta > 0:
        prev = prev + std_dev_t * z
    return prev


def target(kind: str, x0, eps, alpha_prod_t):
    # What a perfect model outputs; v as diffusers' get_velocity.
    if kind == "epsilon":
        return eps
    if kind == "sample":
        return x0
    return alpha_prod_t**0.5 * eps - (1 - alpha_prod_t) ** 0.5 * x0


def prediction_fixture() -> dict:
    g = torch.Generator().manual_seed(7)
    n = 24
    xt = torch.randn(n, generator=g, dtype=torch.float32) * 1.3
    out = torch.randn(n, generator=g, dtype=torch.float32)
    x0 = torch.rand(n, generator=g, dtype=torch.float32) * 2 - 1
    eps = torch.randn(n, generator=g, dtype=torch.float32)
    z = torch.randn(n, generator=g, dtype=torch.float32)
    xt64, out64, x064, eps64, z64 = (a.double() for a in (xt, out, x0, eps, z))
    cases = []
    # (ᾱ_t, ᾱ_prev): an early, a middle and a very noisy step, and the last step (ᾱ_prev = 1).
    for abar, abar_prev in [(0.9991, 0.99995), (0.5, 0.7), (4.0358e-05, 0.003), (0.8, 1.0)]:
        per_type = {}
        for kind in ["epsilon", "sample", "v_prediction"]:
            x0_hat, eps_hat = split_output(kind, xt64, out64, abar)
            per_type[kind] = {
                "x0": x0_hat.tolist(),
                "eps": eps_hat.tolist(),
                "ddimEta0": ddim_prev(x0_hat, eps_hat, abar, abar_prev, 0.0, z64).tolist(),
                "ddimEta1": ddim_prev(x0_hat, eps_hat, abar, abar_prev, 1.0, z64).tolist(),
                "target": target(kind, x064, eps64, abar).tolist(),
            }
        cases.append({"alphaBar": abar, "alphaBarPrev": abar_prev, "types": per_type})
    return {
        "xt": f32_list(xt),
        "output": f32_list(out),
        "x0": f32_list(x0),
        "eps": f32_list(eps),
        "z": f32_list(z),
        "cases": cases,
    }


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    write_json("schedules.json", schedules_fixture())
    write_json("prediction.json", prediction_fixture())


if __name__ == "__main__":
    main()
