"""A float32 ONNX U-Net as the float16 file a diffusers/optimum `--fp16` export gives: the image input,
every computation on the image and every float output in float16, the timestep input as it was.

    /usr/bin/python3 tools/export/fp16.py model.onnx model-fp16.onnx [--image-input x]

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
import os

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--image-input", default=None, help="the image input (default: the 4-D float one)")
    ap.add_argument("--external-data", action="store_true", help="weights in DST.data (default: only past 2 GB)")
    args = ap.parse_args()
    convert_file(args.src, args.dst, args.image_input, args.external_data or None)
    print(f"wrote {args.dst} ({os.path.getsize(args.dst) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
