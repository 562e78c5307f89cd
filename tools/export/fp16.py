"""A float32 ONNX U-Net as the float16 file a diffusers/optimum `--fp16` export gives: the image input,
every computation on the image and every float output in float16, the timestep input as it was.

    /usr/bin/python3 tools/export/fp16.py model.onnx model-fp16.onnx [--image-input x]
    /usr/bin/python3 tools/export/fp16.py --export-dir build/export/adm256   # model-fp16.onnx + manifest-fp16.json

`--export-dir` makes the float16 copy of an export_unet.py folder after the fact (what `--fp16` does at
the end of an export), from the float32 ONNX and its manifest alone: no PyTorch model and no second
trace, minutes instead of the hour a big model's export takes. Either way the copy is checked
against the float32 file in onnxruntime-node at batch 1 before anything is written.

What stays float32 is what does not depend on the image: the timestep's sinusoidal embedding and
the MLPs on it (as guided-diffusion's own `use_fp16` and diffusers keep the sin/cos in float32,
where t · frequency up to 1000 needs more than float16's 11 bits); a Cast to float16 is put where
such a tensor meets the image path. Inside the image path, float initializers and Constants become
float16, `Cast(to=FLOAT)` becomes `Cast(to=FLOAT16)`, and the inputs ONNX requires in float32
(Resize's roi and scales) get a Cast back. The graph is then checked (`onnx.checker`, full).

No onnxconverter-common on these machines (only Debian's python3-onnx): this is the same idea,
written for exports of U-Nets and tested on guided-diffusion's UNetModel and diffusers' UNet2DModel.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT, FLOAT16 = TensorProto.FLOAT, TensorProto.FLOAT16
# (op, input index) that ONNX types as tensor(float) whatever the data's type.
FLOAT32_ONLY = {("Resize", 1), ("Resize", 2), ("Upsample", 1)}


def _structure(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model without its weights' bytes (names, types and dims kept): what shape inference needs,
    and small enough for it (protobuf refuses to serialise a message past 2 GB)."""
    light = onnx.ModelProto(ir_version=model.ir_version)
    light.opset_import.extend(model.opset_import)
    g = light.graph
    g.node.extend(model.graph.node)
    g.input.extend(model.graph.input)
    g.output.extend(model.graph.output)
    g.value_info.extend(model.graph.value_info)
    for t in model.graph.initializer:
        g.initializer.add(name=t.name, data_type=t.data_type, dims=t.dims)
    return light


def _types(model: onnx.ModelProto) -> dict[str, int]:
    """Element type of every tensor, from ONNX shape inference on the model's structure."""
    inferred = onnx.shape_inference.infer_shapes(_structure(model))
    g = inferred.graph
    types = {v.name: v.type.tensor_type.elem_type for v in [*g.value_info, *g.input, *g.output]}
    types.update({t.name: t.data_type for t in g.initializer})
    for n in g.node:
        if n.op_type == "Constant":
            value = next((a for a in n.attribute if a.name == "value"), None)
            if value is not None:
                types[n.output[0]] = value.t.data_type
    return types


def to_float16(model: onnx.ModelProto, image_input: str | None = None) -> onnx.ModelProto:
    """A float16 copy of ``model`` (initializer data must be loaded). See the file comment."""
    types = _types(model)
    model = onnx.ModelProto.FromString(model.SerializeToString()) if model.ByteSize() < 2**31 else model
    g = model.graph
    inputs = {i.name: i for i in g.input}
    image = image_input or next(i.name for i in g.input if i.type.tensor_type.elem_type == FLOAT
                                and len(i.type.tensor_type.shape.dim) == 4)
    inits = {t.name: t for t in g.initializer}
    constants = {n.output[0]: n for n in g.node if n.op_type == "Constant"}
    half: set[str] = {image}  # float tensors computed in float16
    new_inits: list[TensorProto] = []
    casts: dict[tuple[str, int], str] = {}
    nodes: list[onnx.NodeProto] = []
    fp16_copies: dict[str, str] = {}

    def fp16_copy(name: str) -> str:
        if name not in fp16_copies:
            if name in inits:
                arr = numpy_helper.to_array(inits[name])
            else:
                arr = numpy_helper.to_array(next(a.t for a in constants[name].attribute if a.name == "value"))
            copy = f"{name}__fp16"
            new_inits.append(numpy_helper.from_array(arr.astype(np.float16), copy))
            fp16_copies[name] = copy
        return fp16_copies[name]

    def cast(name: str, to: int) -> str:
        key = (name, to)
        if key not in casts:
            out = f"{name}__to_{'fp16' if to == FLOAT16 else 'fp32'}"
            nodes.append(helper.make_node("Cast", [name], [out], name=f"{out}/Cast", to=to))
            casts[key] = out
        return casts[key]

    for node in g.node:
        floats_in = [i for i in node.input if i and types.get(i) == FLOAT]
        if not any(i in half for i in floats_in):
            nodes.append(node)
            continue
        for k, name in enumerate(node.input):
            if not name or types.get(name) != FLOAT:
                continue
            keep32 = (node.op_type, k) in FLOAT32_ONLY
            if keep32:
                if name in half:
                    node.input[k] = cast(name, FLOAT)
            elif name in half:
                pass
            elif name in inits or name in constants:
                node.input[k] = fp16_copy(name)
            else:
                node.input[k] = cast(name, FLOAT16)  # from the float32 (image-independent) part
        for a in node.attribute:
            if node.op_type == "Cast" and a.name == "to" and a.i == FLOAT:
                a.i = FLOAT16
        half.update(o for o in node.output if o and types.get(o) == FLOAT)
        nodes.append(node)

    # Constants and initializers only the float16 part used are left out (float16 copies replace them).
    used = {i for n in nodes for i in n.input} | {o.name for o in g.output}
    nodes = [n for n in nodes if n.op_type != "Constant" or n.output[0] in used]
    del g.node[:]
    g.node.extend(nodes)
    g.initializer.extend(new_inits)
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    inputs[image].type.tensor_type.elem_type = FLOAT16
    for o in g.output:
        if o.name in half:
            o.type.tensor_type.elem_type = FLOAT16
    del g.value_info[:]
    return model


def convert_file(src: str, dst: str, image_input: str | None = None, external_data: bool | None = None) -> str:
    """Converts ``src`` (external data beside it is read) and writes ``dst``; with ``external_data``
    (default: when the result would pass protobuf's 2 GB) the weights go to ``dst + '.data'``."""
    model = onnx.load(src)
    half = to_float16(model, image_input)
    big = sum(t.ByteSize() for t in half.graph.initializer) > 1_900_000_000
    if external_data or (external_data is None and big):
        location = os.path.basename(dst) + ".data"
        if os.path.exists(os.path.join(os.path.dirname(dst) or ".", location)):
            os.remove(os.path.join(os.path.dirname(dst) or ".", location))
        onnx.save_model(half, dst, save_as_external_data=True, all_tensors_to_one_file=True, location=location,
                        size_threshold=1024)
    else:
        onnx.save_model(half, dst)
    onnx.checker.check_model(dst, full_check=True)
    return dst


DTYPES = {"float32": np.float32, "float16": np.float16, "int64": np.int64, "int32": np.int32}


def example_inputs(manifest: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """Batch-1 inputs for the manifest's model: a random image, t = steps // 3, extras at their value."""
    rng = np.random.default_rng(seed)
    inp, ts = manifest["input"], manifest["timestep"]
    steps = manifest["schedule"].get("steps") or len(manifest["schedule"].get("alphasCumprod", [])) or 1000
    inputs = {inp["name"]: rng.standard_normal((1, inp["channels"], inp["height"], inp["width"])).astype(np.float32),
              ts["name"]: np.full([] if ts.get("rank") == 0 else [1], steps // 3, DTYPES[ts.get("dtype", "float32")])}
    for e in manifest.get("extraInputs", []):
        shape = ([1] if e.get("batched", True) else []) + list(e.get("shape", []))
        inputs[e["name"]] = np.full(shape, e.get("value", 0), DTYPES[e.get("dtype", "float32")])
    return inputs


def float16_copy(out_dir: str, onnx_file: str, manifest: dict | None, inputs: dict[str, np.ndarray],
                 image_input: str, tol: float = 5e-2, external_data: bool | None = None, validate: bool = True,
                 log=print) -> dict:
    """Writes ``model-fp16.onnx`` (and ``manifest-fp16.json`` for a manifest) into ``out_dir`` from its
    float32 ``onnx_file``, once the copy matches the float32 file in onnxruntime-node on ``inputs``
    (batch 1): every output's max abs error over the output's max |value| within ``tol``. With
    external data the copy's weights go to ``model-fp16.onnx.data`` (default: when the float32 file
    keeps its own there): ONNX Runtime Web then reads the graph without the weights inside it.
    Returns {"path", "errors", "worstRelative"}."""
    from onnx_checks import run_cases, sha256_file, validate_manifest  # noqa: PLC0415 (node-side checks)
    from unet_blocks import ExportError  # noqa: PLC0415

    src = os.path.join(out_dir, onnx_file)
    if external_data is None:
        external_data = any(t.data_location == TensorProto.EXTERNAL
                            for t in onnx.load(src, load_external_data=False).graph.initializer)
    tmp = tempfile.mkdtemp(prefix=".float16-", dir=out_dir)
    try:
        dst = os.path.join(tmp, "model-fp16.onnx")
        convert_file(src, dst, image_input=image_input, external_data=external_data)
        case = run_cases(dst, [(inputs, {})], 1e9, against=src)["cases"][0]
        if "error" in case:
            raise ExportError(f"the float16 file does not run in onnxruntime-node: {case['error']}")
        errors = {o["name"]: {"maxAbsErr": float(f"{o['maxAbsErr']:.3g}"), "maxAbsRef": float(f"{o['maxAbsRef']:.3g}")}
                  for o in case["outputs"]}
        worst = max(e["maxAbsErr"] / max(e["maxAbsRef"], 1e-12) for e in errors.values())
        log(f"  float16 vs float32 (onnxruntime-node, batch 1): worst max |err| / max |value| {worst:.2e} "
            f"(tol {tol:g}), {sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp)) / 1e6:.1f} MB")
        if not worst <= tol:
            raise ExportError(f"the float16 file is {worst:.3g} (relative) from the float32 one, over {tol:g}: "
                              "some activation leaves float16's range; keep the float32 file")
        written = sorted(os.listdir(tmp))
        if manifest:
            # The same blocks (tensor names survive the conversion), another file.
            half = {**manifest, "name": f"{manifest['name']} (float16)",
                    "model": {"file": "model-fp16.onnx", "bytes": os.path.getsize(dst), "sha256": sha256_file(dst)},
                    "export": {**manifest.get("export", {}), "float16": "tools/export/fp16.py",
                               "float16VsFloat32": errors}}
            with open(os.path.join(tmp, "manifest-fp16.json"), "w") as f:
                json.dump(half, f, indent=2)
                f.write("\n")
            if validate:
                validate_manifest(os.path.join(tmp, "manifest-fp16.json"))
            written.append("manifest-fp16.json")
        for f in written:
            os.replace(os.path.join(tmp, f), os.path.join(out_dir, f))
        log(f"  wrote {os.path.join(out_dir, 'model-fp16.onnx')}" + (" and its manifest" if manifest else ""))
        return {"path": os.path.join(out_dir, "model-fp16.onnx"), "errors": errors,
                "worstRelative": float(f"{worst:.3g}")}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", nargs="?")
    ap.add_argument("dst", nargs="?")
    ap.add_argument("--image-input", default=None, help="the image input (default: the 4-D float one)")
    ap.add_argument("--external-data", action="store_true", help="weights in DST.data (default: only past 2 GB)")
    ap.add_argument("--export-dir", help="an export_unet.py folder: write its checked model-fp16.onnx and "
                                         "manifest-fp16.json from manifest.json and the float32 file")
    ap.add_argument("--tol", type=float, default=5e-2, help="relative error allowed (--export-dir)")
    args = ap.parse_args()
    if args.export_dir:
        with open(os.path.join(args.export_dir, "manifest.json")) as f:
            manifest = json.load(f)
        float16_copy(args.export_dir, manifest["model"]["file"], manifest, example_inputs(manifest),
                     manifest["input"]["name"], tol=args.tol, external_data=args.external_data or None)
        return
    if not args.src or not args.dst:
        ap.error("give SRC and DST, or --export-dir")
    convert_file(args.src, args.dst, args.image_input, args.external_data or None)
    print(f"wrote {args.dst} ({os.path.getsize(args.dst) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
