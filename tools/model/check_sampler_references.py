"""Check sampler_reference.py against the reference samplers' own code, run from their sources.

    /usr/bin/python3 tools/model/check_sampler_references.py --diffusers <dir> --guided-diffusion <dir>

<dir> for diffusers holds src/diffusers/schedulers/scheduling_ddim.py and scheduling_ddpm.py (a
checkout of huggingface/diffusers); for guided-diffusion, guided_diffusion/ (openai/guided-diffusion).
diffusers itself cannot be installed here, so its two scheduler files are loaded inside a stub
package that provides the few names they import (ConfigMixin, register_to_config, BaseOutput,
randn_tensor, SchedulerMixin); guided-diffusion imports only numpy and torch. Nothing of either
is copied into this repository: the script reads the checkouts at run time (not part of npm test).

Every case runs the same ε network (the needs-clip test model, else the default model) from the
same starting noise, and the references get the same injected noise (diffusers' variance_noise and
randn_tensor, guided-diffusion's th.randn_like are fed from tools/model/rng.py's stream). Prints the
largest difference of the final samples per case; exits 1 when one that should agree does not.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import rng as app_rng  # noqa: E402
import sampler_reference as R  # noqa: E402
from common import net_from_onnx  # noqa: E402
from unet import alphas_cumprod, linear_betas  # noqa: E402

COUNT, SEED, TOL = 2, 5, 1e-4


# ------------------------------------------------------------------------------------------ diffusers

def load_diffusers(src: str):
    """scheduling_ddim / scheduling_ddpm from `src`, inside a stub `diffusers` package."""
    root = tempfile.mkdtemp(prefix="diffusers-stub-")
    pkg = os.path.join(root, "diffusers")
    os.makedirs(os.path.join(pkg, "schedulers"))
    os.makedirs(os.path.join(pkg, "utils"))
    stubs = {
        "__init__.py": "",
        "configuration_utils.py": (
            "import functools, inspect, types\n"
            "class ConfigMixin: pass\n"
            "def register_to_config(init):\n"
            "    @functools.wraps(init)\n"
            "    def wrapper(self, *args, **kwargs):\n"
            "        bound = inspect.signature(init).bind(self, *args, **kwargs)\n"
            "        bound.apply_defaults()\n"
            "        self.config = types.SimpleNamespace(**{k: v for k, v in bound.arguments.items() if k != 'self'})\n"
            "        init(self, *args, **kwargs)\n"
            "    return wrapper\n"),
        "utils/__init__.py": "from collections import OrderedDict\nclass BaseOutput(OrderedDict):\n"
                             "    def __post_init__(self):\n"
                             "        for k, v in self.__dict__.items(): self[k] = v\n",
        "utils/torch_utils.py": "NOISE = []\ndef randn_tensor(shape, generator=None, device=None, dtype=None):\n"
                                "    return NOISE.pop(0).reshape(shape).to(dtype)\n",
        "schedulers/__init__.py": "",
        "schedulers/scheduling_utils.py": "import enum\nclass KarrasDiffusionSchedulers(enum.Enum):\n    DDIM = 1\n"
                                          "class SchedulerMixin: pass\n",
    }
    for name, text in stubs.items():
        with open(os.path.join(pkg, name), "w") as f:
            f.write(text)
    for name in ("scheduling_ddim.py", "scheduling_ddpm.py"):
        with open(os.path.join(src, "src", "diffusers", "schedulers", name)) as f, \
                open(os.path.join(pkg, "schedulers", name), "w") as g:
            g.write(f.read())
    sys.path.insert(0, root)
    ddim = importlib.import_module("diffusers.schedulers.scheduling_ddim")
    ddpm = importlib.import_module("diffusers.schedulers.scheduling_ddpm")
    noise = importlib.import_module("diffusers.utils.torch_utils").NOISE
    return ddim.DDIMScheduler, ddpm.DDPMScheduler, noise


def draws(o: R.Options, ts, abar, n: int) -> list[torch.Tensor | None]:
    """The app's noise stream: x_T, then z at each step that draws noise (R.needs_noise)."""
    g = app_rng.create_rng(SEED, R.SAMPLER_STREAM)
    out = [torch.from_numpy(np.asarray(app_rng.gaussian(g, n)))]
    for i, t in enumerate(ts):
        last = i == len(ts) - 1
        prev = (float(abar[0]) if o.method == "ddim" and not o.set_alpha_to_one else 1.0) if last \
            else float(abar[int(ts[i + 1])])
        out.append(torch.from_numpy(np.asarray(app_rng.gaussian(g, n))) if R.needs_noise(o, float(abar[t]), prev, last)
                   else None)
    return out


def run_diffusers(Sched, noise_queue, model, o: R.Options, kind: str, variance_type: str | None, abar):
    kw = dict(trained_betas=linear_betas().numpy(), clip_sample=o.x0 == "clip", thresholding=o.x0 == "threshold",
              dynamic_thresholding_ratio=o.percentile / 100, sample_max_value=o.max_threshold,
              timestep_spacing=o.spacing, steps_offset=o.steps_offset, prediction_type=kind)
    if variance_type:
        kw["variance_type"] = variance_type
    else:
        kw["set_alpha_to_one"] = o.set_alpha_to_one
    s = Sched(**kw)
    s.set_timesteps(o.steps)
    ts = s.timesteps.numpy()
    z = draws(o, ts, abar, COUNT * 784)
    x = z[0].reshape(COUNT, 1, 28, 28).float()
    for i, t in enumerate(ts):
        out, var = model(x, int(t))
        if variance_type:  # DDPMScheduler
            mo = torch.cat([out, var], 1) if var is not None else out
            if int(t) > 0:
                noise_queue.append(z[i + 1] if z[i + 1] is not None else torch.zeros(COUNT * 784))
            x = s.step(mo, int(t), x).prev_sample
        else:
            vn = z[i + 1].reshape(x.shape).float() if z[i + 1] is not None else torch.zeros_like(x)
            x = s.step(out, int(t), x, eta=o.eta, use_clipped_model_output=o.eps_from_x0, variance_noise=vn).prev_sample
    return x.double().numpy()


# ------------------------------------------------------------------------------------------ guided-diffusion

def run_guided(gd_src: str, model, o: R.Options, kind: str, learned: str | None, abar):
    sys.path.insert(0, gd_src)
    gd = importlib.import_module("guided_diffusion.gaussian_diffusion")
    respace = importlib.import_module("guided_diffusion.respace")
    ts = R.timesteps(len(abar), o.steps, o.spacing, o.steps_offset)
    var_type = {None: {"small": gd.ModelVarType.FIXED_SMALL, "large": gd.ModelVarType.FIXED_LARGE}[o.variance],
                "learned_range": gd.ModelVarType.LEARNED_RANGE, "learned": gd.ModelVarType.LEARNED}[learned]
    diffusion = respace.SpacedDiffusion(
        use_timesteps=set(int(t) for t in ts), betas=linear_betas().numpy(),
        model_mean_type={"epsilon": gd.ModelMeanType.EPSILON, "sample": gd.ModelMeanType.START_X}[kind],
        model_var_type=var_type, loss_type=gd.LossType.MSE)
    z = draws(o, ts, abar, COUNT * 784)
    queue = [t if t is not None else torch.zeros(COUNT * 784) for t in z[1:]]
    orig = gd.th.randn_like
    gd.th.randn_like = lambda x: queue.pop(0).reshape(x.shape).to(x.dtype)

    def net(x, t):
        out, var = model(x.float(), int(t[0]))
        return torch.cat([out, var], 1) if var is not None else out
    try:
        x = z[0].reshape(COUNT, 1, 28, 28).float()
        for index in range(len(ts) - 1, -1, -1):  # respaced indices, noisiest first
            t = torch.full((COUNT,), index, dtype=torch.long)
            if o.method == "ddim":
                x = diffusion.ddim_sample(net, x, t, clip_denoised=o.x0 == "clip", eta=o.eta)["sample"]
            else:
                x = diffusion.p_sample(net, x, t, clip_denoised=o.x0 == "clip")["sample"]
    finally:
        gd.th.randn_like = orig
    return x.double().numpy()


# ------------------------------------------------------------------------------------------ main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--diffusers", required=True)
    ap.add_argument("--guided-diffusion", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    path = os.path.join(ROOT, "e2e", "fixtures", "models", "needs-clip", "model.onnx")
    net = net_from_onnx(path, 16) if os.path.exists(path) else \
        net_from_onnx(os.path.join(ROOT, "public", "models", "fashion-mnist-ddpm", "model.onnx"), 32)
    abar = alphas_cumprod().numpy()

    def model_for(kind: str, learned: str | None):
        def model(x, t):
            with torch.no_grad():
                eps = net(x.float(), torch.full((x.shape[0],), float(t)))
            if kind == "sample":
                a = float(abar[t])
                eps = ((x.double() - (1 - a) ** 0.5 * eps.double()) / a ** 0.5).float()
            var = None
            if learned:  # synthetic variance values, a function of t only
                g = app_rng.create_rng(t, 0x7661)
                u = torch.tensor([g.next_float() for _ in range(x.numel())], dtype=torch.float64).reshape(x.shape)
                var = (2 * u - 1 if learned == "learned_range" else -8 + 4 * (2 * u - 1)).float()
            return eps, var
        return model

    Ddim, Ddpm, queue = load_diffusers(args.diffusers)
    b = R.Options(steps=20)
    cases = [
        # (reference, options, prediction type, learned / DDPM variance type, should agree)
        ("diffusers DDIM", R.with_(b, spacing="leading"), "epsilon", None, True),
        ("diffusers DDIM", R.with_(b, spacing="leading", x0="none"), "epsilon", None, True),
        ("diffusers DDIM", R.with_(b, spacing="leading", steps_offset=1, eta=0.5), "epsilon", None, True),
        ("diffusers DDIM", R.with_(b, spacing="leading", set_alpha_to_one=False, eta=0.3), "epsilon", None, True),
        ("diffusers DDIM", R.with_(b, spacing="trailing", eps_from_x0=True), "epsilon", None, True),
        ("diffusers DDIM", R.with_(b, spacing="leading", x0="threshold", percentile=95.0), "epsilon", None, True),
        ("diffusers DDIM", R.with_(b, spacing="leading", eta=1.0), "sample", None, True),
        ("diffusers DDIM", R.with_(b, spacing="linspace"), "epsilon", None, False),
        ("diffusers DDPM", R.with_(b, method="ddpm"), "epsilon", "fixed_small", True),
        ("diffusers DDPM", R.with_(b, method="ddpm", x0="threshold", percentile=90.0), "epsilon", "fixed_small", True),
        ("diffusers DDPM", R.with_(b, method="ddpm", variance="large"), "epsilon", "fixed_large", True),
        ("diffusers DDPM", R.with_(b, method="ddpm"), "epsilon", "learned_range", True),
        ("guided-diffusion ddim_sample", R.with_(b, eps_from_x0=True), "epsilon", None, True),
        ("guided-diffusion ddim_sample", R.with_(b, eps_from_x0=True, eta=0.7), "epsilon", None, True),
        ("guided-diffusion ddim_sample", R.with_(b, eps_from_x0=True, x0="none", eta=1.0), "sample", None, True),
        ("guided-diffusion p_sample", R.with_(b, method="ddpm"), "epsilon", None, True),
        ("guided-diffusion p_sample", R.with_(b, method="ddpm", variance="large", spacing="trailing"), "epsilon", None, True),
        ("guided-diffusion p_sample", R.with_(b, method="ddpm"), "epsilon", "learned_range", True),
        ("guided-diffusion p_sample", R.with_(b, method="ddpm", x0="none"), "epsilon", "learned", True),
        ("guided-diffusion p_sample", R.with_(b, method="ddpm", steps=1000), "epsilon", None, True),
    ]
    sys.path.insert(0, args.guided_diffusion)
    space = importlib.import_module("guided_diffusion.respace").space_timesteps
    differ = [n for n in range(1, 1001) if space(1000, [n]) != set(R.timesteps(1000, n, "linspace").tolist())]
    print(f"guided-diffusion space_timesteps(1000, [n]) vs linspace: {1000 - len(differ)} of 1000 n give the same set"
          f"{f' (differ: {differ[:8]}…)' if differ else ''}")
    failed = 0
    for ref, o, kind, var, agree in cases:
        learned = var if var in ("learned_range", "learned") else None
        ours = R.sample(model_for(kind, learned), COUNT, (1, 28, 28), abar, o, SEED, kind=kind, learned=learned)[-1].x
        if ref.startswith("diffusers DDIM"):
            theirs = run_diffusers(Ddim, queue, model_for(kind, None), o, kind, None, abar)
        elif ref.startswith("diffusers DDPM"):
            theirs = run_diffusers(Ddpm, queue, model_for(kind, learned), o, kind, var, abar)
        else:
            theirs = run_guided(args.guided_diffusion, model_for(kind, learned), o, kind, learned, abar)
        d = float(np.abs(ours.astype(np.float64) - theirs).max())
        ok = (d <= TOL) == agree
        failed += not ok
        what = ", ".join(f"{k}={v}" for k, v in o.to_json().items() if v != R.Options().to_json()[k])
        print(f"{'ok ' if ok else 'BAD'} {ref:30s} {kind:8s} {var or '':13s} {what:60s} max |diff| {d:.2e}"
              f"{'' if agree else '  (expected to differ)'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
