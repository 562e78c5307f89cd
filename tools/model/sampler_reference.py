"""The reference samplers' formulas in PyTorch: what src/core/sampler/ must reproduce.

Written from the sources (read, not copied):
  huggingface/diffusers 58eb52c0803ea9af3abec60841c2a093bdf1f951
      src/diffusers/schedulers/scheduling_ddim.py  DDIMScheduler.set_timesteps / step / _threshold_sample
      src/diffusers/schedulers/scheduling_ddpm.py  DDPMScheduler.step / _get_variance / previous_timestep
  openai/guided-diffusion 22e0df8183507e13a7813f8d38d51b072ca1e67c
      guided_diffusion/gaussian_diffusion.py       p_mean_variance (learned, learned_range), p_sample, ddim_sample
      guided_diffusion/respace.py                  SpacedDiffusion: betas of the kept timesteps

Options (the same names as src/core/sampler/options.ts):
  method 'ddim' | 'ddpm', steps, spacing 'linspace' | 'leading' | 'trailing', steps_offset, eta,
  set_alpha_to_one, x0 'clip' | 'threshold' | 'none', percentile, max_threshold, eps_from_x0,
  variance 'small' | 'large'; the model's learned variance: None | 'learned_range' | 'learned'.

Two choices where the references differ (docs/sampling.md says why):
  - the next timestep is the next one in the list (guided-diffusion; DDPMScheduler.previous_timestep),
    not t - T // n as DDIMScheduler.step computes it; they agree for leading spacing, and for
    trailing when n divides T;
  - DDPM adds no noise at its last step (guided-diffusion's nonzero_mask; DDPMScheduler adds it when
    that step's t > 0, e.g. leading spacing with steps_offset 1).

Arithmetic is float64 on float32 inputs; the sample is rounded to float32 after every step, as the
app stores it. Noise comes from tools/model/rng.py, bit-identical to src/core/rng.ts.
"""
from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, replace
from typing import Callable, Optional

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rng as app_rng  # noqa: E402

SAMPLER_STREAM = 0x6E6E


@dataclass(frozen=True)
class Options:
    method: str = "ddim"
    steps: int = 50
    spacing: str = "linspace"
    steps_offset: int = 0
    eta: float = 0.0
    set_alpha_to_one: bool = True
    x0: str = "clip"
    percentile: float = 99.5
    max_threshold: float = 1.5
    eps_from_x0: bool = False
    variance: str = "small"

    def to_json(self) -> dict:
        """The TypeScript SamplerOptions (camelCase)."""
        return {"method": self.method, "steps": self.steps, "spacing": self.spacing,
                "stepsOffset": self.steps_offset, "eta": self.eta, "setAlphaToOne": self.set_alpha_to_one,
                "x0": self.x0, "percentile": self.percentile, "maxThreshold": self.max_threshold,
                "epsFromX0": self.eps_from_x0, "variance": self.variance}


def with_(o: Options, **kw) -> Options:
    return replace(o, **kw)


# ------------------------------------------------------------------------------------------ timesteps

def timesteps(T: int, n: int, spacing: str, steps_offset: int = 0) -> np.ndarray:
    """diffusers' set_timesteps, line for line in NumPy (both schedulers share it)."""
    if n > T:
        raise ValueError(f"steps {n} > T {T}")
    if spacing == "linspace":
        ts = np.linspace(0, T - 1, n).round()[::-1].copy().astype(np.int64)
    elif spacing == "leading":
        step_ratio = T // n
        ts = (np.arange(0, n) * step_ratio).round()[::-1].copy().astype(np.int64)
        ts += steps_offset
    elif spacing == "trailing":
        step_ratio = T / n
        ts = np.round(np.arange(T, 0, -step_ratio)).astype(np.int64)
        ts -= 1
        # np.arange's float length can come out n + 1 (T = 1000: n = 61, 103, 121, ...), the extra
        # timestep being -1, which diffusers then reads as alphas_cumprod[-1]; keep the n intended.
        ts = ts[:n]
    else:
        raise ValueError(spacing)
    return ts


# ------------------------------------------------------------------------------------------ x̂_0

def predicted_x0_eps(kind: str, x: torch.Tensor, out: torch.Tensor, abar: float):
    """DDIMScheduler.step, step 3: (x̂_0, ε̂) for epsilon / sample / v_prediction."""
    sa, sb = math.sqrt(abar), math.sqrt(1 - abar)
    if kind == "epsilon":
        return (x - sb * out) / sa, out
    if kind == "sample":
        return out, (x - sa * out) / sb if sb > 0 else torch.zeros_like(out)
    if kind == "v_prediction":
        return sa * x - sb * out, sa * out + sb * x
    raise ValueError(kind)


def process_x0(x0: torch.Tensor, o: Options, lo: float, hi: float) -> torch.Tensor:
    """clip_sample / _threshold_sample, on the range [lo, hi] mapped to [-1, 1] (x0 is [N, ...])."""
    if o.x0 == "none":
        return x0
    m, h = (lo + hi) / 2, (hi - lo) / 2
    u = (x0 - m) / h
    if o.x0 == "clip":
        u = u.clamp(-1, 1)
    elif o.x0 == "threshold":
        flat = u.reshape(u.shape[0], -1)
        s = torch.quantile(flat.abs(), o.percentile / 100, dim=1)
        s = torch.clamp(s, min=1, max=o.max_threshold).unsqueeze(1)
        u = (torch.clamp(flat, -s, s) / s).reshape(u.shape)
    else:
        raise ValueError(o.x0)
    return m + h * u


# ------------------------------------------------------------------------------------------ steps

def ddim_step(x, out, abar_t, abar_prev, o: Options, kind: str, lo, hi, noise):
    x0_raw, eps = predicted_x0_eps(kind, x, out, abar_t)
    x0 = process_x0(x0_raw, o, lo, hi)
    if o.eps_from_x0:  # guided-diffusion's _predict_eps_from_xstart; diffusers' use_clipped_model_output
        eps = (x - math.sqrt(abar_t) * x0) / math.sqrt(1 - abar_t) if abar_t < 1 else torch.zeros_like(x)
    variance = (1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev) if abar_t < 1 else 0.0
    std = o.eta * math.sqrt(variance)
    prev = math.sqrt(abar_prev) * x0 + math.sqrt(max(0.0, 1 - abar_prev - std ** 2)) * eps
    if std > 0:
        prev = prev + std * noise
    return prev, x0_raw, x0


def ddpm_step(x, out, var_values, abar_t, abar_prev, last, o: Options, kind, learned, lo, hi, noise):
    x0_raw, _ = predicted_x0_eps(kind, x, out, abar_t)
    x0 = process_x0(x0_raw, o, lo, hi)
    alpha = abar_t / abar_prev
    beta = 1 - alpha
    # DDPMScheduler.step, steps 4-5 (guided-diffusion's posterior_mean_coef1/2 of the respaced betas)
    mean = (math.sqrt(abar_prev) * beta / (1 - abar_t)) * x0 + (math.sqrt(alpha) * (1 - abar_prev) / (1 - abar_t)) * x
    if last:
        return mean, x0_raw, x0
    beta_tilde = max(1e-20, (1 - abar_prev) / (1 - abar_t) * beta)
    if learned == "learned":
        log_var = var_values
    elif learned == "learned_range":
        frac = (var_values + 1) / 2
        log_var = frac * math.log(beta) + (1 - frac) * math.log(beta_tilde)
    elif o.variance == "small":
        log_var = torch.full_like(x, math.log(beta_tilde))
    elif o.variance == "large":
        log_var = torch.full_like(x, math.log(beta))
    else:
        raise ValueError(o.variance)
    return mean + torch.exp(0.5 * log_var) * noise, x0_raw, x0


def needs_noise(o: Options, abar_t, abar_prev, last) -> bool:
    if o.method == "ddim":
        return o.eta > 0 and abar_t < 1 and (1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev) > 0
    return not last


# ------------------------------------------------------------------------------------------ loop

@dataclass
class Step:
    t: int
    x: np.ndarray        # the sample after the step, float32
    x0: np.ndarray       # x̂_0 as used (processed), float32
    x0_min: float        # raw x̂_0's extremes
    x0_max: float
    outside: int         # raw values outside [lo, hi]


def sample(model: Callable[[torch.Tensor, int], tuple[torch.Tensor, Optional[torch.Tensor]]],
           count: int, shape: tuple[int, ...], abar: np.ndarray, o: Options, seed: int,
           kind: str = "epsilon", learned: Optional[str] = None, data_range=(-1.0, 1.0)) -> list[Step]:
    """The whole loop; `model(x_float32, t)` returns (prediction, variance values or None)."""
    lo, hi = data_range
    T = len(abar)
    ts = timesteps(T, o.steps, o.spacing, o.steps_offset)
    if ts.min() < 0 or ts.max() >= T:
        raise ValueError(f"timesteps out of range: {ts}")
    gen = app_rng.create_rng(seed, SAMPLER_STREAM)
    n = count * int(np.prod(shape))
    x = torch.from_numpy(np.asarray(app_rng.gaussian(gen, n))).reshape(count, *shape).double()
    steps: list[Step] = []
    for i, t in enumerate(ts):
        t = int(t)
        last = i == len(ts) - 1
        abar_t = float(abar[t])
        abar_prev = (float(abar[0]) if o.method == "ddim" and not o.set_alpha_to_one else 1.0) if last \
            else float(abar[int(ts[i + 1])])
        out, var = model(x.float(), t)
        out = out.double()
        var = var.double() if var is not None else None
        noise = None
        if needs_noise(o, abar_t, abar_prev, last):
            noise = torch.from_numpy(np.asarray(app_rng.gaussian(gen, n))).reshape(x.shape).double()
        if o.method == "ddim":
            x, x0_raw, x0 = ddim_step(x, out, abar_t, abar_prev, o, kind, lo, hi, noise)
        else:
            x, x0_raw, x0 = ddpm_step(x, out, var, abar_t, abar_prev, last, o, kind, learned, lo, hi, noise)
        x = x.float().double()  # the app keeps the sample in float32 between steps
        steps.append(Step(t, x.float().numpy().copy(), x0.float().numpy().copy(), float(x0_raw.min()),
                          float(x0_raw.max()), int(((x0_raw < lo) | (x0_raw > hi)).sum())))
    return steps
