"""Export any PyTorch diffusion U-Net to ONNX with chosen blocks as extra outputs, plus a DiffProbe manifest.

Forward hooks on the named modules capture their outputs while torch.onnx.export traces the model, so
the ONNX returns the prediction followed by one output per hooked module, named by its module path
(e.g. ``down_blocks.0.resnets.1``). The manifest's blocks (stage, level, resolution, channels, skips)
come from a dry run of the network. Before anything is written into --out-dir, the ONNX is checked
(onnx.checker, full check) and run in onnxruntime-node at batch sizes 1 and 5 and at the example's
batch size, every output compared with PyTorch (default tolerance 1e-4): a batch size frozen by
tracing (``len(x)``, ``int(x.shape[0])``) is caught here and reported as such. The manifest is then
checked with the app's own validator (``npm run cli -- validate``).

Module patterns: exact module names, or globs matched segment by segment (fnmatch per dot-separated
part): ``down_blocks.*`` matches ``down_blocks.0`` but not ``down_blocks.0.resnets.1``; ``**`` spans
any number of parts (``up_blocks.**.resnets.*``). A glob keeps only the modules that run once and
output an [N, C, H, W] feature map; a module named outright that does not is an error.
``--list-modules`` prints every module with its output shape and the stage/level the exporter would give it.

    PY=/usr/bin/python3
    $PY tools/export/export_unet.py --factory tools/export/testnets.py:TinyDiffusersLike --shape 3,32,32 \\
        --timestep-dtype int64 --prediction-type v_prediction --modules 'down_blocks.*' mid_block 'up_blocks.*' \\
        --out-dir build/export/tiny-diffusers
    $PY tools/export/export_unet.py --factory tools/export/testnets.py:TinyADMLike --shape 1,12,12 --extra y:int64:3 \\
        --list-modules
    $PY tools/export/export_unet.py --model my_unet.pt --shape 3,64,64 --modules 'input_blocks.*' middle_block ...

As a library: ``from export_unet import export_unet`` (see its docstring). Docs: docs/export.md.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import onnx
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Re-exported: callers (tests, make_e2e_model.py) use them through this module.
from onnx_checks import (ROOT, frozen_batch_suspects, node_runner_available, producer_nodes,  # noqa: E402,F401
                         run_cases, set_output_shapes, sha256_file, short_ort_error, tracer_batch_hints,
                         validate_manifest)
from unet_blocks import (ExportError, FrozenBatchError, Record, _is_feature_map, dry_run,  # noqa: E402,F401
                         find_skips, first_tensor, infer_blocks, resolve_modules, stage_from_name)

OPSET = 17  # GroupNorm becomes InstanceNormalization (WebGPU has it); torch 1.13 cannot export 18
DTYPES = {"float32": torch.float32, "int64": torch.int64, "int32": torch.int32}
DEFAULT_SCHEDULE = {"type": "linear", "betaStart": 0.0001, "betaEnd": 0.02, "steps": 1000}

# Tracer chatter that every real U-Net produces (Python ints from shapes, math.sqrt of channel counts).
warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")


# --- what gets traced ----------------------------------------------------------------------------


@contextlib.contextmanager
def probing(model: nn.Module, hooked: Sequence[str], extra_names: Sequence[str],
            prediction_channels: int | None = None):
    """Within the block, ``model(x, t, *extras)`` returns ``(prediction, *hooked module outputs)``:
    what goes into the ONNX graph.

    The model's own ``forward`` is replaced for the duration (an instance attribute, restored on
    exit) instead of wrapping the model in another module: the model then stays the top module of
    the trace, and torch names the ONNX nodes by the model's own module paths
    (``/down_blocks.0/resnets.1/Add``), exactly as in a plain export of the same model. Hooks live
    only during each call. Extra inputs are passed by keyword, under their input names.
    """
    had_own = "forward" in model.__dict__
    original = model.forward
    modules = dict(model.named_modules())

    def forward(x, t, *extras):
        captured: dict[str, torch.Tensor] = {}

        def keep(name, _mod, _inp, out):
            captured[name] = first_tensor(out)

        handles = [modules[n].register_forward_hook(functools.partial(keep, n)) for n in hooked]
        try:
            out = original(x, t, **dict(zip(extra_names, extras)))
        finally:
            for h in handles:
                h.remove()
        pred = first_tensor(out)
        if prediction_channels is not None:
            pred = pred[:, :prediction_channels]  # e.g. learn_sigma models: [eps, variance]
        return (pred, *[captured[n] for n in hooked])

    model.forward = forward
    try:
        yield model
    finally:
        if had_own:
            model.forward = original
        else:
            del model.forward


# --- export -----------------------------------------------------------------------------------


@dataclass
class ExportResult:
    onnx_path: str
    manifest_path: str | None
    manifest: dict | None
    outputs: list[str]  # graph outputs: prediction, then hooked modules in forward order
    blocks: list[dict]
    parity: dict[int, dict]  # batch -> {"worst": max abs err, "outputs": {name: max abs err}}
    skips: list[dict] = field(default_factory=list)
    validator: str | None = None


def _batched(arr: torch.Tensor, n: int) -> torch.Tensor:
    """Rows of an example tensor repeated cyclically to batch n."""
    return arr[torch.arange(n) % arr.shape[0]]


def export_unet(model: nn.Module, example_x: torch.Tensor, example_t: torch.Tensor | float | int,
                modules: Sequence[str], out_dir: str, name: str = "Exported U-Net", *,
                prediction_type: str = "epsilon", schedule: dict | None = None,
                timestep_dtype: str | None = None, extra_inputs: Sequence[dict] = (),
                input_name: str = "x_t", timestep_name: str = "t", prediction_name: str = "prediction",
                prediction_channels: int | None = None, learned_variance: str | None = None,
                value_range: Sequence[float] = (-1.0, 1.0),
                preprocessing: dict | None = None, description: str | None = None, classes: list | None = None,
                dataset: str | None = None,
                onnx_file: str = "model.onnx", write_manifest: bool = True, opset: int = OPSET,
                static_output_shapes: bool = True, check: bool = True, check_batches: Sequence[int] = (1, 5),
                external_data: bool | None = None, fp16: bool = False, fp16_tol: float = 5e-2,
                tol: float = 1e-4, validate: bool = True, seed: int = 0, log: Callable[[str], None] = print) -> ExportResult:
    """Export ``model`` with the outputs of ``modules`` (names or globs) as extra graph outputs.

    model          any nn.Module called as ``model(x, t, **extras)``; its output may be a tensor, an
                   object with ``.sample`` (diffusers), a tuple or a dict (the first tensor is taken).
                   It is put in eval mode (a module left in train mode exports with dropout on).
    example_x      [B, C, H, W] float32 with B >= 2 and not one of ``check_batches``: a batch size
                   frozen by tracing is then detectable at the other sizes.
    example_t      [B] timesteps (or a scalar tensor for a rank-0 timestep input), cast to
                   ``timestep_dtype`` (default: example_t's own dtype).
    extra_inputs   further inputs, each {"name", "dtype", "shape" (per image), "batched" (default
                   True), "value" (what the app feeds, default 0), "example" (optional tensor for
                   tracing and checks, default filled with value)}; passed to the model by name.
    prediction_channels  keep only the first C channels of the prediction (learn_sigma models).
    learned_variance  keep all 2·C channels of a learn_sigma model's output, read by the app as
                   [prediction | variance]: "learned_range" (guided-diffusion, improved DDPM, DiT) or
                   "learned" (log σ²); the manifest's ``prediction.variance``.
    static_output_shapes  write the known C, H, W into every output's shape (only N stays symbolic).
                   torch 1.13 otherwise invents symbolic names for them and sometimes gives outputs of
                   different sizes the same name; onnxruntime then fails ("Shape mismatch attempting
                   to re-use buffer") once several such outputs exist. False keeps torch's own shapes.
    dataset        a diffprobe-dataset's dataset.json to name in the manifest (written relative to out_dir).
    modules=[]     exports the plain model (prediction only); then no manifest is written.
    external_data  weights in ``onnx_file + '.data'`` beside the graph (one file); default: only when
                   the model passes protobuf's 2 GB limit, where it must (torch writes one file per
                   tensor then; they are gathered into one).
    fp16           also write ``model-fp16.onnx`` (tools/export/fp16.py: float16 image path and I/O)
                   and ``manifest-fp16.json``, checked against PyTorch's float32 outputs at batch 1
                   (max abs error relative to the output's max |value| <= ``fp16_tol``), written after the
                   float32 files, so a float16 copy that fails its check leaves those in place.

    Writes ``out_dir/onnx_file`` and ``out_dir/manifest.json`` only after every check passed:
    onnx.checker (full), onnxruntime-node vs PyTorch at each of ``check_batches`` and at B (max abs
    error <= ``tol``), and the app's validator. Raises FrozenBatchError when the ONNX is right at B
    but not at another batch size, ExportError for anything else.
    """
    model.eval()
    x = example_x.detach().float()
    if x.dim() != 4:
        raise ExportError(f"example_x must be [B, C, H, W], got {tuple(x.shape)}")
    batch, channels, height, width = (int(s) for s in x.shape)
    if batch < 2 or batch in check_batches:
        raise ExportError(f"example batch size {batch}: use one >= 2 that is not among the checked sizes "
                          f"{list(check_batches)}, so that a batch size frozen by tracing shows up")
    t = torch.as_tensor(example_t)
    tdtype = timestep_dtype or {torch.float32: "float32", torch.float64: "float32", torch.int64: "int64",
                                torch.int32: "int32"}.get(t.dtype)
    if tdtype not in DTYPES:
        raise ExportError(f"timestep dtype {timestep_dtype or t.dtype} not one of {list(DTYPES)}")
    t = t.to(DTYPES[tdtype])
    t_rank = t.dim()
    if t_rank not in (0, 1) or (t_rank == 1 and t.shape[0] != batch):
        raise ExportError(f"example_t must be [B] = [{batch}] or a scalar, got {tuple(t.shape)}")
    schedule = schedule or dict(DEFAULT_SCHEDULE)
    steps = int(schedule.get("steps") or len(schedule.get("alphasCumprod", [])) or 1000)

    extras = []
    for spec in extra_inputs:
        spec = dict(spec)
        if spec.get("dtype", "float32") not in DTYPES:
            raise ExportError(f"extra input {spec.get('name')!r}: dtype must be one of {list(DTYPES)}")
        spec.setdefault("dtype", "float32")
        spec.setdefault("batched", True)
        spec.setdefault("value", 0)
        spec["shape"] = [int(s) for s in spec.get("shape", [])]
        full = ([batch] if spec["batched"] else []) + spec["shape"]
        ex = spec.pop("example", None)
        ex = torch.full(full, spec["value"]) if ex is None else torch.as_tensor(ex)
        if list(ex.shape) != full:
            raise ExportError(f"extra input {spec['name']!r}: example shape {list(ex.shape)} != {full}")
        extras.append((spec, ex.to(DTYPES[spec["dtype"]])))
    extra_names = [s["name"] for s, _ in extras]
    kwargs = dict(zip(extra_names, (e for _, e in extras)))

    hooked = resolve_modules(model, modules)
    records = dry_run(model, (x, t), kwargs, keep=hooked)
    named = {p for p in modules if not any(ch in p for ch in "*?[")}
    usable = {n for n in hooked if records.get(n) is not None and records[n].calls == 1
              and _is_feature_map(records[n].shape, batch, (height, width))}
    # A glob keeps the modules it can use (containers that never run, embeddings, shared modules
    # drop out); a module named outright must be usable, or the export stops with the reason.
    for n in named - usable:
        if records.get(n) is None:
            raise ExportError(f"module {n!r} did not run in the forward pass (a container such as a ModuleList?)")
        if records[n].calls != 1:
            raise ExportError(f"module {n!r} ran {records[n].calls} times in one forward pass (a shared module); "
                              "hook a module that runs once")
    hooked = [n for n in hooked if n in usable or n in named]
    if modules and not hooked:
        raise ExportError(f"no module matched by {list(modules)} runs once with an [N, C, H, W] output")
    hooked = sorted(hooked, key=lambda n: records[n].order)
    blocks = infer_blocks(records, hooked, batch, (height, width)) if hooked else []
    skips = find_skips(records, blocks)
    pred_shape = records[""].shape
    want = (batch, channels, height, width)
    if pred_shape is None:
        raise ExportError("the model's output holds no tensor")
    if learned_variance is not None:
        if learned_variance not in ("learned_range", "learned"):
            raise ExportError(f"learned_variance must be 'learned_range' or 'learned', got {learned_variance!r}")
        if prediction_channels is not None:
            raise ExportError("learned_variance keeps the variance channels, prediction_channels drops them: pass one")
        if pred_shape != (batch, 2 * channels, height, width):
            raise ExportError(f"learned_variance needs a prediction of 2 x {channels} channels, got shape {pred_shape}")
    elif prediction_channels is None and pred_shape != want:
        hint = (f"; it has {pred_shape[1]} = 2 x {channels} channels (a learn_sigma model?): "
                f"pass learned_variance='learned_range' (keeps them) or prediction_channels={channels}"
                if pred_shape[1] == 2 * channels else "")
        raise ExportError(f"the prediction has shape {pred_shape}, the input {want}{hint}")
    out_names = [prediction_name, *hooked]
    in_names = [input_name, timestep_name, *extra_names]
    if len(set(out_names + in_names)) != len(out_names) + len(in_names):
        raise ExportError(f"input and output names must all differ: {in_names} / {out_names}")
    if write_manifest and hooked and channels not in (1, 3):
        raise ExportError(f"DiffProbe manifests describe 1- or 3-channel inputs, this model takes {channels}")

    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".export-", dir=out_dir)
    restore = contextlib.ExitStack()
    try:
        probe = restore.enter_context(probing(model, hooked, extra_names, prediction_channels))
        tmp_onnx = os.path.join(tmp, onnx_file)
        dyn = {input_name: {0: "N"}, **{n: {0: "N"} for n in out_names}}
        if t_rank == 1:
            dyn[timestep_name] = {0: "N"}
        dyn.update({s["name"]: {0: "N"} for s, _ in extras if s["batched"]})
        # Traced into a folder of its own: past 2 GB torch writes every tensor to a file beside it.
        traced = os.path.join(tmp, "traced", onnx_file)
        os.makedirs(os.path.dirname(traced))
        with torch.no_grad(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.onnx.export(probe, (x, t, *kwargs.values()), traced, opset_version=opset,
                              input_names=in_names, output_names=out_names, dynamic_axes=dyn,
                              do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
        frozen_hints = tracer_batch_hints(caught)
        graph = onnx.load(traced, load_external_data=False)
        too_big = any(i.data_location == onnx.TensorProto.EXTERNAL for i in graph.graph.initializer)
        external = too_big if external_data is None else external_data
        if static_output_shapes:
            pred_c = prediction_channels or (2 * channels if learned_variance else channels)
            known = {prediction_name: (pred_c, height, width), **{n: records[n].shape[1:] for n in hooked}}
            set_output_shapes(graph, known)
        if too_big:
            onnx.load_external_data_for_model(graph, os.path.dirname(traced))
        data_file = onnx_file + ".data"
        if external:
            onnx.save_model(graph, tmp_onnx, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=data_file, size_threshold=1024)
        else:
            onnx.save(graph, tmp_onnx)
        shutil.rmtree(os.path.dirname(traced))
        graph = onnx.load(tmp_onnx, load_external_data=False)  # the structure; the weights stay on disk
        onnx.checker.check_model(tmp_onnx, full_check=True)
        got_in = [i.name for i in graph.graph.input]
        got_out = [o.name for o in graph.graph.output]
        if got_in != in_names or got_out != out_names:
            raise ExportError(f"graph has inputs {got_in} / outputs {got_out}, expected {in_names} / {out_names} "
                              "(an input the model ignores is dropped by the exporter)")
        if any(n.op_type == "Dropout" for n in graph.graph.node):
            raise ExportError("Dropout left in the graph: the model was not in eval mode")
        weights = os.path.getsize(os.path.join(tmp, data_file)) if external else 0
        log(f"  exported {(os.path.getsize(tmp_onnx) + weights) / 1e6:.2f} MB"
            + (f" ({data_file}: {weights / 1e6:.1f} MB)" if external else "")
            + f", {len(graph.graph.node)} nodes, opset {opset}, "
            "outputs: " + (", ".join(out_names) if len(out_names) <= 16
                           else f"{prediction_name} + {len(hooked)} modules"))

        parity: dict[int, dict] = {}
        if check:
            parity = _check_batches(probe, tmp_onnx, graph, x, t, extras, in_names, out_names,
                                    [*check_batches, batch], batch, tdtype, steps, tol, seed, log, frozen_hints)

        onnx_path = os.path.join(out_dir, onnx_file)
        manifest = manifest_path = validator = None
        if write_manifest and hooked:
            manifest = {
                "format": "diffprobe-manifest",
                "version": 1,
                "name": name,
                **({"description": description} if description else {}),
                "model": {"file": onnx_file, "bytes": os.path.getsize(tmp_onnx), "sha256": sha256_file(tmp_onnx)},
                "input": {"name": input_name, "channels": channels, "height": height, "width": width,
                          "range": [float(v) for v in value_range]},
                "timestep": {"name": timestep_name, "dtype": tdtype, **({"rank": 0} if t_rank == 0 else {})},
                "preprocessing": preprocessing or {
                    "resize": "shorter-side-center-crop", "color": "grayscale" if channels == 1 else "rgb",
                    "mean": [0.5] * channels, "std": [0.5] * channels, "invert": "never"},
                "prediction": {"type": prediction_type, "output": prediction_name,
                               **({"variance": learned_variance} if learned_variance else {})},
                "schedule": schedule,
                **({"classes": list(classes)} if classes else {}),
                **({"dataset": os.path.relpath(os.path.abspath(dataset), os.path.abspath(out_dir)).replace(os.sep, "/")}
                   if dataset else {}),
                **({"extraInputs": [s for s, _ in extras]} if extras else {}),
                "blocks": blocks,
                "skips": skips,
                # Informational (the app ignores unknown keys): how and how well this file was made.
                "export": {"tool": "tools/export/export_unet.py", "torch": torch.__version__, "opset": opset,
                           "parityMaxAbsErr": {str(b): float(f"{p['worst']:.3g}") for b, p in parity.items()}},
            }
            if not manifest["skips"]:
                del manifest["skips"]
            tmp_manifest = os.path.join(tmp, "manifest.json")
            with open(tmp_manifest, "w") as f:
                json.dump(manifest, f, indent=2)
                f.write("\n")
            if validate:
                validator = validate_manifest(tmp_manifest)
                log(f"  app validator: {validator}" if validator is not None
                    else "  note: node_modules/.bin/tsx missing; app-side manifest validation skipped")
            manifest_path = os.path.join(out_dir, "manifest.json")
            os.replace(tmp_manifest, manifest_path)
        for f in [onnx_file, *([data_file] if external else [])]:
            os.replace(os.path.join(tmp, f), os.path.join(out_dir, f))
        log(f"  wrote {onnx_path}" + (f" and {manifest_path}" if manifest_path else ""))
        if fp16:
            # After the float32 files are in place: a float16 copy that fails its check loses nothing.
            half = _float16_file(onnx_path, os.path.join(tmp, "model-fp16.onnx"), input_name, x, t, extras,
                                 in_names, fp16_tol, seed, log)
            written = ["model-fp16.onnx", *(["model-fp16.onnx.data"] if os.path.exists(half["path"] + ".data") else [])]
            if manifest:
                # The same blocks (tensor names survive the conversion), another file.
                half_manifest = {**manifest, "model": {"file": "model-fp16.onnx", "bytes": os.path.getsize(half["path"]),
                                                       "sha256": sha256_file(half["path"])},
                                 "name": f"{name} (float16)",
                                 "export": {**manifest["export"], "float16": "tools/export/fp16.py",
                                            "float16VsFloat32": half["errors"]}}
                with open(os.path.join(tmp, "manifest-fp16.json"), "w") as f:
                    json.dump(half_manifest, f, indent=2)
                    f.write("\n")
                if validate:
                    validate_manifest(os.path.join(tmp, "manifest-fp16.json"))
                written.append("manifest-fp16.json")
            for f in written:
                os.replace(os.path.join(tmp, f), os.path.join(out_dir, f))
            log(f"  wrote {os.path.join(out_dir, 'model-fp16.onnx')}")
        return ExportResult(onnx_path, manifest_path, manifest, out_names, blocks, parity, skips, validator)
    finally:
        restore.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _float16_file(src: str, dst: str, input_name: str, x, t, extras, in_names, tol: float, seed: int,
                  log) -> dict:
    """Writes the float16 copy of ``src`` and checks it against ``src`` in onnxruntime-node at batch 1:
    every output's max abs error over the output's max |value| must stay within ``tol``."""
    from fp16 import convert_file  # noqa: PLC0415 (only needed here)
    convert_file(src, dst, image_input=input_name)
    rng = np.random.default_rng(seed + 16)
    inputs = {input_name: rng.standard_normal((1, *x.shape[1:])).astype(np.float32)}
    if t.dim() == 0:
        inputs[in_names[1]] = t.numpy()
    else:
        inputs[in_names[1]] = t[:1].numpy()
    for (s, e), n in zip(extras, in_names[2:]):
        inputs[n] = (_batched(e, 1) if s["batched"] else e).numpy()
    case = run_cases(dst, [(inputs, {})], 1e9, against=src)["cases"][0]
    if "error" in case:
        raise ExportError(f"the float16 file does not run in onnxruntime-node: {case['error']}")
    errors = {o["name"]: {"maxAbsErr": float(f"{o['maxAbsErr']:.3g}"), "maxAbsRef": float(f"{o['maxAbsRef']:.3g}")}
              for o in case["outputs"]}
    worst = max(e["maxAbsErr"] / max(e["maxAbsRef"], 1e-12) for e in errors.values())
    log(f"  float16 vs float32 (onnxruntime-node, batch 1): worst max |err| / max |value| {worst:.2e} "
        f"(tol {tol:g}), {os.path.getsize(dst) / 1e6:.1f} MB")
    if not worst <= tol:
        raise ExportError(f"the float16 file is {worst:.3g} (relative) from the float32 one, over {tol:g}: "
                          "some activation leaves float16's range; keep the float32 file")
    return {"path": dst, "errors": errors, "worstRelative": float(f"{worst:.3g}")}


def _check_batches(probe, onnx_path, graph, x, t, extras, in_names, out_names, batches, example_batch,
                   tdtype, steps, tol, seed, log, hints=()) -> dict[int, dict]:
    """ONNX (onnxruntime-node) vs PyTorch at each batch size; diagnoses a frozen batch size."""
    rng = np.random.default_rng(seed)
    cases = []
    for b in batches:
        xb = torch.from_numpy(rng.standard_normal((b, *x.shape[1:])).astype(np.float32))
        if t.dim() == 0:
            tb = t
        elif tdtype == "float32":
            tb = torch.from_numpy(rng.uniform(0, steps - 1, b).astype(np.float32))
        else:
            tb = torch.from_numpy(rng.integers(0, steps, b)).to(DTYPES[tdtype])
        eb = [_batched(e, b) if s["batched"] else e for s, e in extras]
        with torch.no_grad():
            refs = probe(xb, tb, *eb)
        inputs = {n: v.numpy() for n, v in zip(in_names, (xb, tb, *eb))}
        cases.append((inputs, {n: r.contiguous().numpy() for n, r in zip(out_names, refs)}))
    report = run_cases(onnx_path, cases, tol)
    parity = {}
    for b, case in zip(batches, report["cases"]):
        errs = {o["name"]: o.get("maxAbsErr", float("inf")) for o in case.get("outputs", [])}
        parity[b] = {"worst": case.get("worstAbsErr", float("inf")), "outputs": errs, "ok": case["ok"],
                     "error": case.get("error") or "; ".join(f"{o['name']}: {o['error']}"
                                                             for o in case.get("outputs", []) if "error" in o)}
        status = "OK" if case["ok"] else f"FAIL {short_ort_error(parity[b]['error'])}".strip()
        log(f"  onnxruntime-node {report['ort']} vs torch, batch {b}: max |err| {parity[b]['worst']:.2e} "
            f"(tol {tol:g}) {status}")
    if not parity[example_batch]["ok"]:
        raise ExportError(f"the ONNX disagrees with PyTorch even at the example batch size {example_batch}: "
                          f"{parity[example_batch]['error'] or parity[example_batch]['outputs']}")
    bad = [b for b in batches if not parity[b]["ok"]]
    if bad:
        suspects = frozen_batch_suspects(graph, example_batch)
        detail = "; ".join(f"batch {b}: {short_ort_error(parity[b]['error']) or 'max |err| %.3g' % parity[b]['worst']}"
                           for b in bad)
        raise FrozenBatchError(
            f"the ONNX matches PyTorch at the example batch size {example_batch} but not at batch "
            f"{', '.join(map(str, bad))} ({detail}). The batch size was most likely frozen into the graph "
            f"while tracing: code such as `len(x)`, `int(x.shape[0])` or a reshape/view/expand with a batch "
            f"size held as a Python int becomes the constant {example_batch}. Use x.shape[0] (or -1) instead."
            + (f" Nodes with a constant shape starting with {example_batch}: {', '.join(suspects[:4])}"
               + (f" and {len(suspects) - 4} more" if len(suspects) > 4 else "") + "." if suspects else "")
            + (f" The tracer warned about a size turned into a Python int at {', '.join(hints)}." if hints else "")
            + " Nothing was written.")
    return parity


# --- command line -----------------------------------------------------------------------------


def load_factory(spec: str) -> Callable[..., nn.Module]:
    """``package.module:function`` or ``path/to/file.py:function``."""
    mod_name, _, fn = spec.rpartition(":")
    if not mod_name or not fn:
        raise SystemExit(f"--factory wants module:function or file.py:function, got {spec!r}")
    if mod_name.endswith(".py") or os.sep in mod_name:
        path = os.path.abspath(mod_name)
        sys.path.insert(0, os.path.dirname(path))  # so that the file's own imports resolve
        s = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(s)
        s.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(mod_name)
    return getattr(module, fn)


def parse_schedule(text: str) -> dict:
    """JSON, or linear:START:END:STEPS, scaled_linear:START:END:STEPS, cosine:STEPS[:S]."""
    if text.lstrip().startswith("{"):
        return json.loads(text)
    kind, *vals = text.split(":")
    if kind in ("linear", "scaled_linear") and len(vals) == 3:
        return {"type": kind, "betaStart": float(vals[0]), "betaEnd": float(vals[1]), "steps": int(vals[2])}
    if kind == "cosine" and len(vals) in (1, 2):
        return {"type": "cosine", "steps": int(vals[0]), **({"s": float(vals[1])} if len(vals) == 2 else {})}
    raise SystemExit(f"--schedule {text!r}: want JSON, linear:START:END:STEPS, scaled_linear:..., cosine:STEPS[:S]")


def parse_extra(text: str) -> dict:
    """JSON, or NAME:DTYPE[:VALUE] (one value per image, shape [N])."""
    if text.lstrip().startswith("{"):
        return json.loads(text)
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise SystemExit(f"--extra {text!r}: want NAME:DTYPE[:VALUE] or JSON")
    value = float(parts[2]) if len(parts) == 3 else 0
    return {"name": parts[0], "dtype": parts[1], "shape": [], "batched": True,
            "value": int(value) if parts[1] != "float32" else value}


def list_modules(model: nn.Module, x: torch.Tensor, t: torch.Tensor, kwargs: dict) -> None:
    records = dry_run(model, (x, t), kwargs)
    batch, hw = x.shape[0], tuple(x.shape[2:])
    maps = [r.name for r in sorted(records.values(), key=lambda r: r.order)
            if r.name and r.calls == 1 and _is_feature_map(r.shape, batch, hw)]
    blocks = {b["name"]: b for b in infer_blocks(records, maps, batch, hw)} if maps else {}
    for r in sorted(records.values(), key=lambda r: r.order):
        if not r.name:
            continue
        b = blocks.get(r.name)
        where = f"{b['stage']:4s} level {b['level']}" if b else ""
        calls = f"  (runs {r.calls}x)" if r.calls != 1 else ""
        print(f"{r.order:4d}  {r.name:48s} {str(list(r.shape) if r.shape else '-'):20s} {where}{calls}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--factory", help="module:function or file.py:function returning the nn.Module")
    src.add_argument("--model", help="a module saved whole with torch.save(model, path)")
    ap.add_argument("--factory-kwargs", default="{}", help="JSON keyword arguments for the factory")
    ap.add_argument("--shape", required=True, help="C,H,W of one input image, e.g. 3,32,32")
    ap.add_argument("--modules", nargs="*", default=[], help="module names or globs to expose as outputs")
    ap.add_argument("--list-modules", action="store_true", help="print the modules (dry run) and exit")
    ap.add_argument("--out-dir", help="where model.onnx and manifest.json go")
    ap.add_argument("--name", default=None, help="manifest name (default: the model class)")
    ap.add_argument("--description", default=None)
    ap.add_argument("--onnx-file", default="model.onnx")
    ap.add_argument("--input-name", default="x_t")
    ap.add_argument("--timestep-name", default="t")
    ap.add_argument("--timestep-dtype", choices=list(DTYPES), default="float32")
    ap.add_argument("--scalar-timestep", action="store_true", help="the timestep input is a scalar (rank 0)")
    ap.add_argument("--prediction-name", default="prediction")
    ap.add_argument("--prediction-type", choices=["epsilon", "sample", "v_prediction"], default="epsilon")
    ap.add_argument("--prediction-channels", type=int, default=None,
                    help="keep the first C output channels (learn_sigma models output 2C)")
    ap.add_argument("--learned-variance", choices=["learned_range", "learned"], default=None,
                    help="keep all 2C channels of a learn_sigma model as [prediction | variance] "
                         "(guided-diffusion: learned_range)")
    ap.add_argument("--schedule", type=parse_schedule, default=dict(DEFAULT_SCHEDULE),
                    help="JSON, linear:START:END:STEPS, scaled_linear:START:END:STEPS or cosine:STEPS[:S] "
                         "(default linear:0.0001:0.02:1000)")
    ap.add_argument("--extra", type=parse_extra, action="append", default=[],
                    help="extra input passed to the model by name: NAME:DTYPE[:VALUE] or JSON "
                         "{name,dtype,shape,batched,value}; repeatable")
    ap.add_argument("--dataset", default=None,
                    help="a bundled data set's dataset.json for the manifest, e.g. public/data/fashion-mnist/dataset.json")
    ap.add_argument("--range", default="-1,1", help="value range of a clean image (default -1,1)")
    ap.add_argument("--batch", type=int, default=2, help="example batch size for tracing (>= 2, not 1 or 5)")
    ap.add_argument("--tol", type=float, default=1e-4, help="max abs ONNX-vs-PyTorch error allowed")
    ap.add_argument("--opset", type=int, default=OPSET)
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime-node parity check")
    ap.add_argument("--check-batches", default="1,5",
                    help="batch sizes checked besides the example's (default 1,5; a big model: 1)")
    ap.add_argument("--external-data", action="store_true",
                    help="weights in model.onnx.data (default: only past protobuf's 2 GB, where it must)")
    ap.add_argument("--fp16", action="store_true",
                    help="also write model-fp16.onnx and manifest-fp16.json (float16, checked against float32)")
    ap.add_argument("--no-validate", action="store_true", help="skip the app's manifest validator")
    ap.add_argument("--seed", type=int, default=0, help="seed of the example and check inputs")
    args = ap.parse_args(argv)

    if args.factory:
        model = load_factory(args.factory)(**json.loads(args.factory_kwargs))
    else:
        model = torch.load(args.model, map_location="cpu")
    if not isinstance(model, nn.Module):
        raise SystemExit(f"expected an nn.Module, got {type(model).__name__}")
    model.eval()
    c, h, w = (int(v) for v in args.shape.split(","))
    g = torch.Generator().manual_seed(args.seed)
    x = torch.randn(args.batch, c, h, w, generator=g)
    steps = int(args.schedule.get("steps") or len(args.schedule.get("alphasCumprod", [])))
    if args.scalar_timestep:
        t = torch.tensor(steps // 3)
    else:
        t = torch.linspace(steps * 0.1, steps * 0.6, args.batch).round()
    t = t.to(DTYPES[args.timestep_dtype])
    if args.list_modules:
        kwargs = {}
        for spec in args.extra:
            full = ([args.batch] if spec.get("batched", True) else []) + list(spec.get("shape", []))
            kwargs[spec["name"]] = torch.full(full, spec.get("value", 0), dtype=DTYPES[spec.get("dtype", "float32")])
        list_modules(model, x, t, kwargs)
        return 0
    if not args.out_dir:
        raise SystemExit("--out-dir is required (unless --list-modules)")
    print(f"exporting {type(model).__name__} -> {args.out_dir}")
    try:
        res = export_unet(model, x, t, args.modules, args.out_dir, args.name or type(model).__name__,
                          prediction_type=args.prediction_type, schedule=args.schedule,
                          timestep_dtype=args.timestep_dtype, extra_inputs=args.extra, input_name=args.input_name,
                          timestep_name=args.timestep_name, prediction_name=args.prediction_name,
                          prediction_channels=args.prediction_channels,
                          learned_variance=args.learned_variance,
                          value_range=[float(v) for v in args.range.split(",")], description=args.description,
                          dataset=args.dataset,
                          onnx_file=args.onnx_file, opset=args.opset, check=not args.no_check, tol=args.tol,
                          check_batches=[int(b) for b in args.check_batches.split(",") if b],
                          external_data=args.external_data or None, fp16=args.fp16,
                          validate=not args.no_validate, seed=args.seed)
    except FrozenBatchError as e:
        print(f"error (frozen batch size): {e}", file=sys.stderr)
        return 3
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for b in res.blocks:
        print(f"    {b['name']:40s} {b['stage']:4s} level {b['level']}  {b['channels']}x{b['resolution'][0]}x"
              f"{b['resolution'][1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
