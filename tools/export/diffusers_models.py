"""diffusers' ``UNet2DModel``, built from a checkout at run time with Debian's torch 1.13.

Nothing of diffusers is copied here: ``import_diffusers(path)`` puts the checkout's ``src`` on
``sys.path`` and imports ``diffusers.models.unet_2d``. What that needs besides torch, and how:

- diffusers v0.16.0 (commit 6ba0efb) builds and runs ``UNet2DModel`` on torch 1.13. Its HEAD does
  not: ``torch.xpu`` and ``torch.float8_e4m3fn`` are read at import time (torch >= 2.x).
- Its package imports pull in libraries used only to download, save and show things
  (huggingface_hub, safetensors, requests, filelock, regex, tqdm, PIL), which Debian's python here
  lacks. They are stood in for by empty modules: building a model from a config and running it calls
  none of them (loading a checkpoint with ``from_pretrained`` would, so that is not offered here).
- ``dependency_versions_check`` (pip-style version checks of those packages) is skipped.

Configurations (``UNet2DModel`` keyword arguments): ``tiny`` (3x32x32; 32 and 64 channels, attention in
the second level, 0.70 M parameters) and ``ddpm-cifar10`` (google/ddpm-cifar10-32's config: 128
channels x (1, 2, 2, 2), attention at 16x16, 35.7 M parameters).
"""
from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
import types

import torch
import torch.nn as nn

STUBBED = ("huggingface_hub", "safetensors", "requests", "filelock", "regex", "PIL", "tqdm")

CONFIGS = {
    "tiny": dict(sample_size=32, in_channels=3, out_channels=3, layers_per_block=1, block_out_channels=(32, 64),
                 down_block_types=("DownBlock2D", "AttnDownBlock2D"), up_block_types=("AttnUpBlock2D", "UpBlock2D"),
                 norm_num_groups=32),
    "ddpm-cifar10": dict(sample_size=32, in_channels=3, out_channels=3, layers_per_block=2,
                         block_out_channels=(128, 256, 256, 256),
                         down_block_types=("DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"),
                         up_block_types=("UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
                         norm_num_groups=32, dropout=0.0),
}


class _Absent(type):
    """A class whose attributes are more such classes: stands in for names a stub module exports."""

    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Absent(name, (Exception,), {})


class _StubModule(types.ModuleType):
    """A module whose every attribute exists: constants (UPPER_CASE, *_home/_path/_cache/_dir) are a
    path string, Capitalised names a class, the rest a function that does nothing."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name.isupper() or name.endswith(("home", "path", "cache", "dir")):
            value = os.path.join("/nonexistent", "diffusers-stub")
        elif name[0].isupper():
            value = _Absent(name, (Exception,), {})
        else:
            value = lambda *args, **kwargs: None  # noqa: E731
        setattr(self, name, value)
        return value


class _StubFinder:
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in STUBBED:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        module.__version__ = "0.0.0-stub"
        return module

    def exec_module(self, module):
        pass


def import_diffusers(checkout: str):
    """diffusers.models.unet_2d from a checkout of huggingface/diffusers (v0.16.0 works on torch 1.13)."""
    src = os.path.join(os.path.abspath(checkout), "src")
    if not os.path.isfile(os.path.join(src, "diffusers", "models", "unet_2d.py")):
        raise SystemExit(f"{checkout} is not a diffusers checkout with src/diffusers/models/unet_2d.py "
                         "(its HEAD moved it to models/unets/ and needs torch >= 2; check out v0.16.0)")
    # Appended after the real finders: an installed package is used, only a missing one is stood in for.
    if not any(isinstance(f, _StubFinder) for f in sys.meta_path):
        sys.meta_path.append(_StubFinder())
    checks = types.ModuleType("diffusers.dependency_versions_check")
    checks.dep_version_check = lambda *args, **kwargs: None
    sys.modules.setdefault("diffusers.dependency_versions_check", checks)
    if src not in sys.path:
        sys.path.insert(0, src)
    return importlib.import_module("diffusers.models.unet_2d")


def build_unet2d(checkout: str, config: str = "tiny", seed: int = 0) -> nn.Module:
    """A UNet2DModel with seeded random weights (diffusers' own init), in eval mode."""
    unet_2d = import_diffusers(checkout)
    torch.manual_seed(seed)
    return unet_2d.UNet2DModel(**CONFIGS[config]).eval()
