"""A graph that declares 3 GB of float32 weights kept in an external data file it does not come with:
e2e/fixtures/models/too-big/model-3gb.onnx (a few KB). The app must refuse it from the graph alone,
before asking for (or reading) the weights: 3 GB of float32 cannot be held by ONNX Runtime Web's 4 GB
WASM heap. Shaped like a 256x256 U-Net: x [N,3,256,256], timesteps [N] int64 (unused), 80 residual
3x3 Convs of 1024 channels whose weights (36 MB each) are declared external, 3.0 GiB in all.

    /usr/bin/python3 tools/export/make_too_big_model.py
"""
import os

import onnx
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "e2e", "fixtures", "models", "too-big", "model-3gb.onnx")
C, LAYERS = 1024, 80  # 80 x 1024*1024*3*3 float32 = 3.02 GB


def main() -> None:
    nodes, inits = [], []
    offset = 0
    x = "x"
    nodes.append(helper.make_node("Conv", ["x", "w_in"], ["h_in"], name="/conv_in/Conv", kernel_shape=[3, 3],
                                  pads=[1, 1, 1, 1]))
    w_in = helper.make_tensor("w_in", TensorProto.FLOAT, [C, 3, 3, 3], [0.0] * (C * 27))
    inits.append(w_in)
    x = "h_in"
    for i in range(LAYERS):
        name = f"w{i}"
        t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=[C, C, 3, 3])
        t.data_location = TensorProto.EXTERNAL
        length = C * C * 9 * 4
        for k, v in (("location", "model-3gb.onnx.data"), ("offset", str(offset)), ("length", str(length))):
            e = t.external_data.add()
            e.key, e.value = k, v
        offset += length
        inits.append(t)
        y = f"/blocks.{i}/Add_output_0"
        conv = f"/blocks.{i}/conv/Conv_output_0"
        nodes.append(helper.make_node("Conv", [x, name], [conv], name=f"/blocks.{i}/conv/Conv", kernel_shape=[3, 3],
                                      pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Add", [x, conv], [y], name=f"/blocks.{i}/Add"))
        x = y
    w_out = helper.make_tensor("w_out", TensorProto.FLOAT, [6, C, 1, 1], [0.0] * (6 * C))
    inits.append(w_out)
    nodes.append(helper.make_node("Conv", [x, "w_out"], ["out"], name="/out/Conv", kernel_shape=[1, 1]))
    graph = helper.make_graph(
        nodes, "too-big",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 256, 256]),
         helper.make_tensor_value_info("timesteps", TensorProto.INT64, ["N"])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 6, 256, 256])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    onnx.save(model, OUT)
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes, declares {offset / 2**30:.2f} GiB of external weights")


if __name__ == "__main__":
    main()
