"""Which modules of a U-Net to expose, and what the manifest says about them.

Module patterns (exact names and per-part globs), a dry run that records what every module
returns, and the manifest's block metadata (stage, level, resolution, channels) and skip
connections inferred from that run. Used by export_unet.py; nothing here traces or writes files.
"""
from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import torch
import torch.nn as nn


class ExportError(Exception):
    """The model cannot be exported as asked; nothing was written into the output folder."""


class FrozenBatchError(ExportError):
    """The ONNX works at the example's batch size only: tracing turned the batch size into a constant."""


# --- finding modules --------------------------------------------------------------------------


def first_tensor(obj: Any) -> torch.Tensor | None:
    """The tensor a module or model "returns": itself, ``.sample`` (diffusers' output classes),
    the first tensor of a tuple/list (diffusers' down blocks return (hidden, residuals)), or the
    first value of a dict."""
    if isinstance(obj, torch.Tensor):
        return obj
    if isinstance(getattr(obj, "sample", None), torch.Tensor):
        return obj.sample
    if isinstance(obj, (tuple, list)):
        for item in obj:
            found = first_tensor(item)
            if found is not None:
                return found
    if isinstance(obj, dict):
        for item in obj.values():
            found = first_tensor(item)
            if found is not None:
                return found
    return None


def _match(pattern: list[str], parts: list[str]) -> bool:
    """fnmatch per dot-separated part; ``**`` matches zero or more parts."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_match(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _match(pattern[1:], parts[1:])


def resolve_modules(model: nn.Module, patterns: Iterable[str]) -> list[str]:
    """Module names for exact names and globs, without duplicates. Every pattern must match."""
    names = [n for n, _ in model.named_modules() if n]
    out: list[str] = []
    for pat in patterns:
        if not any(ch in pat for ch in "*?["):
            if pat not in names:
                close = [n for n in names if n.startswith(pat.rsplit(".", 1)[0])][:8]
                raise ExportError(f"no module named {pat!r}" + (f"; nearby: {', '.join(close)}" if close else ""))
            hits = [pat]
        else:
            hits = [n for n in names if _match(pat.split("."), n.split("."))]
            if not hits:
                raise ExportError(f"pattern {pat!r} matches no module (globs match each dot-separated part; "
                                  "use ** to span parts, --list-modules to see the names)")
        out += [h for h in hits if h not in out]
    return out


@dataclass
class Record:
    """What one module did in the dry run."""

    name: str
    order: int  # completion order: a parent finishes after its children
    calls: int
    shape: tuple[int, ...] | None  # of first_tensor(output)
    output: torch.Tensor | None = None
    inputs: list[torch.Tensor] = field(default_factory=list)  # every tensor argument (for skips)


def _tensors_in(obj: Any) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for item in obj for t in _tensors_in(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _tensors_in(item)]
    return []


def dry_run(model: nn.Module, args: tuple, kwargs: dict, keep: Sequence[str] = ()) -> dict[str, Record]:
    """Runs the model once with a hook on every module; keeps outputs and inputs of ``keep`` only."""
    records: dict[str, Record] = {}
    counter = [0]

    def hook(name, _mod, inp, out):
        t = first_tensor(out)
        rec = records.get(name)
        if rec is None:
            rec = records[name] = Record(name, counter[0], 0, tuple(t.shape) if t is not None else None)
        rec.calls += 1
        rec.order = counter[0]
        counter[0] += 1
        if name in keep:
            rec.output = t
            rec.inputs = _tensors_in(inp)

    handles = [m.register_forward_hook(functools.partial(hook, n)) for n, m in model.named_modules() if n]
    try:
        with torch.no_grad():
            out = model(*args, **kwargs)
    finally:
        for h in handles:
            h.remove()
    records[""] = Record("", counter[0], 1, tuple(first_tensor(out).shape) if first_tensor(out) is not None else None,
                         output=first_tensor(out))
    return records


# --- block metadata ---------------------------------------------------------------------------


def stage_from_name(name: str) -> str | None:
    """down/mid/up from the outermost part of the path that says so (``up_blocks.1.resnets.2`` -> up)."""
    for part in name.lower().split("."):
        for tok in re.split(r"[_\-]", part):
            if tok.startswith("down") or tok in ("input", "inputs", "encoder", "enc"):
                return "down"
            if tok.startswith("mid") or tok == "bottleneck":
                return "mid"
            if tok.startswith("up") or tok in ("output", "outputs", "decoder", "dec"):
                return "up"
    return None


def _is_feature_map(shape, batch: int, hw: tuple[int, int]) -> bool:
    return shape is not None and len(shape) == 4 and shape[0] == batch and shape[2] <= hw[0] and shape[3] <= hw[1]


def infer_blocks(records: dict[str, Record], hooked: Sequence[str], batch: int, hw: tuple[int, int]) -> list[dict]:
    """Manifest blocks for the hooked modules, in forward (completion) order.

    level: rank of the block's resolution among every feature-map resolution the network produces
    (0 = largest), so hooking only a few blocks still gives their true depth.
    stage: from the module path when it says (down/input/encoder, mid/middle, up/output/decoder),
    else by position: before the network first reaches its lowest resolution -> down, after it
    last leaves it -> up, in between -> mid.
    """
    maps = [r for r in records.values() if r.name and _is_feature_map(r.shape, batch, hw)]
    for name in hooked:
        shape = records[name].shape
        if shape is None or len(shape) != 4:
            raise ExportError(f"module {name!r} outputs {shape or 'no tensor'}, not an NCHW feature map; "
                              "hook a module whose output is [N, C, H, W]")
    resolutions = sorted({r.shape[2:] for r in maps} | {records[n].shape[2:] for n in hooked},
                         key=lambda s: (-s[0] * s[1], -s[0]))
    lowest = resolutions[-1]
    at_lowest = [r.order for r in maps if r.shape[2:] == lowest]
    first_low, last_low = min(at_lowest), max(at_lowest)
    blocks = []
    for name in sorted(hooked, key=lambda n: records[n].order):
        rec = records[name]
        stage = stage_from_name(name)
        if stage is None:
            stage = "down" if rec.order < first_low else "up" if rec.order > last_low else "mid"
        blocks.append({"name": name, "output": name, "stage": stage, "level": resolutions.index(rec.shape[2:]),
                       "resolution": [int(rec.shape[2]), int(rec.shape[3])], "channels": int(rec.shape[1])})
    return blocks


def find_skips(records: dict[str, Record], blocks: list[dict]) -> list[dict]:
    """Block -> block skip connections, found in the dry run: an earlier block's output tensor passed
    to a later block as a further argument (diffusers' up blocks take a tuple of residuals), or equal
    to the trailing channels of the later block's first input (the ``cat([h, skip])`` of ADM and of
    diffusers' up resnets). The first is an identity test and exact; the second compares values, so
    it is reported only when exactly one earlier block matches (identical blocks would be ambiguous)."""
    skips = []
    for j, to in enumerate(blocks):
        ins = records[to["name"]].inputs
        if not ins:
            continue
        first, rest = ins[0], ins[1:]
        passed, concatenated = [], []
        for frm in blocks[:j]:
            out = records[frm["name"]].output
            if out is None:
                continue
            c = out.shape[1]
            if any(t is out for t in rest):
                passed.append(frm["name"])
            elif (first.dim() == 4 and first.shape[2:] == out.shape[2:] and first.shape[1] > c
                  and torch.equal(first[:, -c:], out)):
                concatenated.append(frm["name"])
        found = passed + (concatenated if len(concatenated) == 1 else [])
        skips += [{"from": f, "to": to["name"]} for f in found]
    return skips
