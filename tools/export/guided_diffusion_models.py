"""guided-diffusion's ``UNetModel`` (the paper's ADM), built from a checkout at run time, ready to trace.

Nothing of guided-diffusion is copied here: ``import_guided_diffusion(path)`` puts the checkout on
``sys.path`` and imports its ``unet`` module. Two things stop a plain ``torch.onnx.export`` of its
model with Debian's torch 1.13, and this module undoes both:

- ``AttentionBlock.forward`` always goes through ``checkpoint(…, True)``: gradient checkpointing, a
  custom autograd Function that the exporter cannot trace (``RuntimeError: unordered_map::at``).
  ``unet.checkpoint`` is replaced by a direct call (the module-level name the blocks call through).
- With random weights, its zero-initialised output convolutions (``zero_module``) and GroupNorms
  (weight 1, bias 0) make the output exactly zero. ``redraw_zeros`` draws them again (seeded), so
  every output depends on every layer and parity checks mean something.

Configurations (keyword arguments of ``UNetModel``):

- ``ADM_TINY``: 3×32×32, 32 channels, two ResBlocks a level, attention at 16×16 and 8×8 (heads of
  16 channels), scale-shift norm, learned σ (6 output channels), ResBlock up/down-sampling: the
  ImageNet-256 model's structure at ~0.74 M parameters (2.9 MB), for the test fixture.
- ``ADM_IMAGENET256_UNCOND``: the README's "256x256 model (unconditional)" flags (attention
  32,16,8, num_channels 256, num_head_channels 64, num_res_blocks 2, resblock_updown,
  use_scale_shift_norm, learn_sigma, class_cond False; ``create_model``'s channel_mult for 256:
  1,1,2,2,4,4): ~554 M parameters. ``use_fp16`` is left off (exported in float32; see
  tools/export/fp16.py for the float16 file).
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys

import torch
import torch.nn as nn

ADM_TINY = dict(image_size=32, in_channels=3, model_channels=32, out_channels=6, num_res_blocks=2,
                attention_resolutions=(32 // 16, 32 // 8), dropout=0.0, channel_mult=(1, 1, 1),
                num_classes=None, use_checkpoint=False, num_heads=1, num_head_channels=16,
                use_scale_shift_norm=True, resblock_updown=True, use_new_attention_order=False)

ADM_IMAGENET256_UNCOND = dict(image_size=256, in_channels=3, model_channels=256, out_channels=6,
                              num_res_blocks=2, attention_resolutions=(256 // 32, 256 // 16, 256 // 8),
                              dropout=0.0, channel_mult=(1, 1, 2, 2, 4, 4), num_classes=None,
                              use_checkpoint=False, use_fp16=False, num_heads=4, num_head_channels=64,
                              num_heads_upsample=-1, use_scale_shift_norm=True, resblock_updown=True,
                              use_new_attention_order=False)

CONFIGS = {"tiny": ADM_TINY, "imagenet256-uncond": ADM_IMAGENET256_UNCOND}


def import_guided_diffusion(checkout: str):
    """guided_diffusion.unet from a checkout of openai/guided-diffusion, with checkpointing off."""
    checkout = os.path.abspath(checkout)
    if not os.path.isfile(os.path.join(checkout, "guided_diffusion", "unet.py")):
        raise SystemExit(f"{checkout} is not a guided-diffusion checkout (no guided_diffusion/unet.py)")
    if checkout not in sys.path:
        sys.path.insert(0, checkout)
    unet = importlib.import_module("guided_diffusion.unet")
    # The blocks call the module-level name; a direct call is what checkpoint(flag=False) does.
    unet.checkpoint = lambda func, inputs, params, flag: func(*inputs)
    return unet


def redraw_zeros(model: nn.Module, seed: int) -> int:
    """Re-initialises every conv/linear whose weight is all zero (PyTorch's default init) and gives
    every GroupNorm a random affine (weight 1 ± 0.1, bias ± 0.1). Returns how many were redrawn."""
    gen = torch.Generator().manual_seed(seed)
    redrawn = 0
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)) and not m.weight.any():
                fan_in = m.weight[0].numel()
                bound = 1 / fan_in ** 0.5
                m.weight.copy_((torch.rand(m.weight.shape, generator=gen) * 2 - 1) * bound)
                if m.bias is not None:
                    m.bias.copy_((torch.rand(m.bias.shape, generator=gen) * 2 - 1) * bound)
                redrawn += 1
            elif isinstance(m, nn.GroupNorm) and m.affine:
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
                redrawn += 1
    return redrawn


def build_adm(checkout: str, config: str | dict = "tiny", seed: int = 0) -> nn.Module:
    """A guided-diffusion UNetModel with seeded random weights (zeros redrawn), in eval mode."""
    unet = import_guided_diffusion(checkout)
    kwargs = CONFIGS[config] if isinstance(config, str) else config
    torch.manual_seed(seed)
    model = unet.UNetModel(**kwargs)
    redraw_zeros(model, seed + 1)
    return model.eval()


def source_commit(checkout: str) -> str | None:
    """The checkout's commit (``git rev-parse HEAD``), or None where it is not a git work tree."""
    try:
        out = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True,
                             check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
