"""Tests of tools/export: the generic exporter on the two test architectures, and the e2e fixtures.

    /usr/bin/python3 -m unittest discover -s tools/export -p 'test_*.py'      # from the repository root

The export tests need node and node_modules/onnxruntime-node (parity) and node_modules/.bin/tsx (the
app's manifest validator); without them those tests are skipped, with the reason.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import export_unet as ex  # noqa: E402
from testnets import TinyADMLike, TinyDiffusersLike, tiny_adm_broken  # noqa: E402

torch.set_num_threads(1)
NO_NODE = ex.node_runner_available()
HAS_VALIDATOR = os.path.exists(os.path.join(ROOT, "node_modules", ".bin", "tsx"))
QUIET = lambda _m: None  # noqa: E731


def adm_extra():
    return [{"name": "y", "dtype": "int64", "shape": [], "batched": True, "value": 0, "example": torch.tensor([3, 7])}]



class TwoC(nn.Module):  # [eps, variance] like guided-diffusion with learn_sigma=True
    def __init__(self):
        super().__init__()
        self.net = TinyADMLike()

    def forward(self, x, t, y):
        eps = self.net(x, t, y)
        return torch.cat([eps, eps.abs()], dim=1)

class ModuleNames(unittest.TestCase):
    """Pattern resolution and stage naming: no export, fast."""

    net = TinyDiffusersLike()

    def test_glob_matches_one_part_per_star(self):
        self.assertEqual(ex.resolve_modules(self.net, ["down_blocks.*"]),
                         ["down_blocks.0", "down_blocks.1", "down_blocks.2"])
        self.assertEqual(ex.resolve_modules(self.net, ["up_blocks.1.resnets.*"]),
                         [f"up_blocks.1.resnets.{i}" for i in range(3)])

    def test_double_star_spans_parts_and_duplicates_go(self):
        got = ex.resolve_modules(self.net, ["**.downsamplers.0", "down_blocks.0.downsamplers.0"])
        self.assertEqual(got, ["down_blocks.0.downsamplers.0", "down_blocks.1.downsamplers.0"])

    def test_unknown_names_are_refused(self):
        with self.assertRaisesRegex(ex.ExportError, "no module named 'mid_block.resnets.7'"):
            ex.resolve_modules(self.net, ["mid_block.resnets.7"])
        with self.assertRaisesRegex(ex.ExportError, "matches no module"):
            ex.resolve_modules(self.net, ["middle_block*"])

    def test_stage_from_name(self):
        cases = {"down_blocks.0.resnets.1": "down", "input_blocks.3": "down", "mid_block.attentions.0": "mid",
                 "middle_block": "mid", "up_blocks.1.resnets.2": "up", "output_blocks.11": "up",
                 "encoder.layer1": "down", "decoder.0": "up", "conv_out": None, "out": None, "conv_in": None}
        for name, stage in cases.items():
            self.assertEqual(ex.stage_from_name(name), stage, name)

    def test_stage_by_position_when_the_name_says_nothing(self):
        x, t = torch.randn(2, 3, 32, 32), torch.tensor([1, 2])
        records = ex.dry_run(self.net.eval(), (x, t), {})
        blocks = ex.infer_blocks(records, ["conv_in", "mid_block.attentions.0", "conv_out"], 2, (32, 32))
        self.assertEqual([(b["name"], b["stage"], b["level"]) for b in blocks],
                         [("conv_in", "down", 0), ("mid_block.attentions.0", "mid", 2), ("conv_out", "up", 0)])

    def test_bad_examples_are_refused_before_tracing(self):
        net = TinyADMLike()
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(ex.ExportError, "example batch size 1"):
                ex.export_unet(net, torch.randn(1, 1, 12, 12), torch.tensor([3.0]), [], d, extra_inputs=adm_extra())
            with self.assertRaisesRegex(ex.ExportError, "not an NCHW feature map"):
                ex.export_unet(net, torch.randn(2, 1, 12, 12), torch.tensor([3.0, 4.0]), ["time_embed"], d,
                               extra_inputs=adm_extra(), log=QUIET)
            self.assertEqual(os.listdir(d), [])

    def test_learn_sigma_output_needs_prediction_channels(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(ex.ExportError, "learn_sigma.*learned_variance='learned_range'.*prediction_channels=1"):
                ex.export_unet(TwoC(), torch.randn(2, 1, 12, 12), torch.tensor([3.0, 4.0]), [], d,
                               extra_inputs=adm_extra(), log=QUIET)

    def test_learned_variance_keeps_both_halves(self):
        with tempfile.TemporaryDirectory() as d:
            res = ex.export_unet(TwoC(), torch.randn(2, 1, 12, 12), torch.tensor([3.0, 4.0]), ["net.middle_block"], d,
                                 extra_inputs=adm_extra(), learned_variance="learned_range", log=QUIET)
            self.assertEqual(res.manifest["prediction"],
                             {"type": "epsilon", "output": "prediction", "variance": "learned_range"})
            self.assertIsNotNone(res.validator)
            graph = onnx.load(res.onnx_path)
            dims = [d.dim_param or d.dim_value for d in graph.graph.output[0].type.tensor_type.shape.dim]
            self.assertEqual(dims, ["N", 2, 12, 12])
            self.assertLess(res.parity[5]["worst"], 1e-4)
            with self.assertRaisesRegex(ex.ExportError, "pass one"):
                ex.export_unet(TwoC(), torch.randn(2, 1, 12, 12), torch.tensor([3.0, 4.0]), [], d,
                               extra_inputs=adm_extra(), learned_variance="learned", prediction_channels=1, log=QUIET)

    def test_cli_lists_modules(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = ex.main(["--factory", os.path.join(HERE, "testnets.py") + ":TinyADMLike", "--shape", "1,12,12",
                            "--extra", "y:int64:3", "--list-modules"])
        self.assertEqual(code, 0)
        line = next(ln for ln in out.getvalue().splitlines() if ln.split()[1:2] == ["middle_block"])
        self.assertIn("[2, 32, 3, 3]", line)
        self.assertIn("mid  level 2", line)


@unittest.skipIf(NO_NODE, f"onnxruntime-node check unavailable: {NO_NODE}")
class ExportDiffusersLike(unittest.TestCase):
    """Hooks given as a list, including a tuple-returning down block and two modules sharing one tensor."""

    MODULES = ["down_blocks.0", "down_blocks.0.resnets.1", "down_blocks.1.downsamplers.0", "mid_block.resnets.1",
               "mid_block", "up_blocks.1.resnets.2", "up_blocks.2"]

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.net = TinyDiffusersLike(seed=0)
        g = torch.Generator().manual_seed(0)
        cls.res = ex.export_unet(cls.net, torch.randn(2, 3, 32, 32, generator=g), torch.tensor([10, 600]),
                                 cls.MODULES, cls.dir, "tiny diffusers-like", input_name="sample",
                                 timestep_name="timestep", prediction_type="v_prediction",
                                 schedule={"type": "scaled_linear", "betaStart": 0.00085, "betaEnd": 0.012,
                                           "steps": 1000},
                                 timestep_dtype="int64", validate=HAS_VALIDATOR, log=QUIET)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_outputs_are_prediction_then_modules_in_forward_order(self):
        graph = onnx.load(self.res.onnx_path)
        order = ["down_blocks.0.resnets.1", "down_blocks.0", "down_blocks.1.downsamplers.0", "mid_block.resnets.1",
                 "mid_block", "up_blocks.1.resnets.2", "up_blocks.2"]
        self.assertEqual([o.name for o in graph.graph.output], ["prediction", *order])
        self.assertEqual([i.name for i in graph.graph.input], ["sample", "timestep"])
        self.assertEqual(graph.graph.input[1].type.tensor_type.elem_type, onnx.TensorProto.INT64)
        self.assertEqual(graph.opset_import[0].version, 17)
        self.assertLess(os.path.getsize(self.res.onnx_path), 1_500_000)

    def test_parity_at_batch_1_and_5(self):
        for b in (1, 5, 2):
            self.assertLessEqual(self.res.parity[b]["worst"], 1e-4, (b, self.res.parity[b]))
            self.assertEqual(set(self.res.parity[b]["outputs"]), set(self.res.outputs))

    def test_manifest(self):
        m = self.res.manifest
        with open(self.res.manifest_path) as f:
            self.assertEqual(json.load(f), m)
        self.assertEqual(m["model"]["sha256"], ex.sha256_file(self.res.onnx_path))
        self.assertEqual(m["model"]["bytes"], os.path.getsize(self.res.onnx_path))
        self.assertEqual(m["timestep"], {"name": "timestep", "dtype": "int64"})
        self.assertEqual(m["prediction"], {"type": "v_prediction", "output": "prediction"})
        self.assertEqual(m["input"], {"name": "sample", "channels": 3, "height": 32, "width": 32, "range": [-1, 1]})
        got = {b["name"]: (b["stage"], b["level"], b["resolution"], b["channels"]) for b in m["blocks"]}
        self.assertEqual(got, {
            "down_blocks.0.resnets.1": ("down", 0, [32, 32], 16),
            "down_blocks.0": ("down", 1, [16, 16], 16),  # first tensor of (hidden, residuals): after the downsampler
            "down_blocks.1.downsamplers.0": ("down", 2, [8, 8], 24),
            "mid_block.resnets.1": ("mid", 2, [8, 8], 32),
            "mid_block": ("mid", 2, [8, 8], 32),
            "up_blocks.1.resnets.2": ("up", 1, [16, 16], 24),
            "up_blocks.2": ("up", 0, [32, 32], 16),
        })
        self.assertIn({"from": "down_blocks.0.resnets.1", "to": "up_blocks.2"}, m["skips"])

    @unittest.skipUnless(HAS_VALIDATOR, "node_modules/.bin/tsx missing: no app validator")
    def test_app_validator_accepts_the_manifest(self):
        self.assertTrue(self.res.validator.startswith("ok:"), self.res.validator)

    def test_model_is_left_as_found(self):
        self.assertNotIn("forward", self.net.__dict__)
        self.assertFalse(self.net.training)
        out = self.net(torch.zeros(1, 3, 32, 32), torch.tensor(5))  # rank-0 timestep broadcast by shape[0]
        self.assertEqual(tuple(out.sample.shape), (1, 3, 32, 32))


@unittest.skipIf(NO_NODE, f"onnxruntime-node check unavailable: {NO_NODE}")
class ExportADMLike(unittest.TestCase):
    """Hooks given as globs; float32 timesteps; an int64 class-label extra input; a 3x3 bottleneck."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        g = torch.Generator().manual_seed(1)
        cls.res = ex.export_unet(TinyADMLike(seed=1), torch.randn(3, 1, 12, 12, generator=g),
                                 torch.tensor([10.0, 600.0, 999.0]), ["input_blocks.*", "middle_block",
                                                                      "output_blocks.*"], cls.dir, "tiny ADM-like",
                                 schedule={"type": "cosine", "steps": 1000},
                                 extra_inputs=[{"name": "y", "dtype": "int64", "shape": [], "value": 0,
                                                "example": torch.tensor([3, 7, 1])}],
                                 validate=HAS_VALIDATOR, log=QUIET)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_parity_at_batch_1_and_5(self):
        self.assertEqual(sorted(self.res.parity), [1, 3, 5])
        for b, p in self.res.parity.items():
            self.assertLessEqual(p["worst"], 1e-4, (b, p))

    def test_inputs_and_blocks(self):
        graph = onnx.load(self.res.onnx_path)
        self.assertEqual([i.name for i in graph.graph.input], ["x_t", "t", "y"])
        self.assertEqual(graph.graph.input[2].type.tensor_type.elem_type, onnx.TensorProto.INT64)
        m = self.res.manifest
        self.assertEqual(m["timestep"], {"name": "t", "dtype": "float32"})
        self.assertEqual(m["extraInputs"], [{"name": "y", "dtype": "int64", "shape": [], "value": 0, "batched": True}])
        self.assertEqual(m["prediction"]["type"], "epsilon")
        names = [b["name"] for b in m["blocks"]]
        self.assertEqual(names, [f"input_blocks.{i}" for i in range(6)] + ["middle_block"]
                         + [f"output_blocks.{i}" for i in range(6)])
        self.assertEqual([b["stage"] for b in m["blocks"]], ["down"] * 6 + ["mid"] + ["up"] * 6)
        self.assertEqual([b["resolution"][0] for b in m["blocks"]], [12, 12, 6, 6, 3, 3, 3, 3, 6, 6, 12, 12, 12])
        self.assertEqual([b["level"] for b in m["blocks"]], [0, 0, 1, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0])
        self.assertEqual(m["skips"], [{"from": f"input_blocks.{5 - i}", "to": f"output_blocks.{i}"} for i in range(6)])

    @unittest.skipUnless(HAS_VALIDATOR, "node_modules/.bin/tsx missing: no app validator")
    def test_app_validator_accepts_the_manifest(self):
        self.assertTrue(self.res.validator.startswith("ok:"), self.res.validator)


@unittest.skipIf(NO_NODE, f"onnxruntime-node check unavailable: {NO_NODE}")
class ExternalDataAndFloat16(unittest.TestCase):
    def test_weights_in_one_data_file_and_a_float16_copy(self):
        with tempfile.TemporaryDirectory() as d:
            res = ex.export_unet(TinyADMLike(seed=3), torch.randn(2, 1, 12, 12), torch.tensor([5.0, 900.0]),
                                 ["middle_block", "output_blocks.*"], d, extra_inputs=adm_extra(), check_batches=(1,),
                                 external_data=True, fp16=True, validate=HAS_VALIDATOR, log=QUIET)
            self.assertEqual(sorted(os.listdir(d)), ["manifest-fp16.json", "manifest.json", "model-fp16.onnx",
                                                     "model.onnx", "model.onnx.data"])
            graph = onnx.load(res.onnx_path, load_external_data=False)
            self.assertTrue(all(t.data_location == onnx.TensorProto.EXTERNAL for t in graph.graph.initializer
                                if t.ByteSize() > 2048))
            self.assertLessEqual(res.parity[1]["worst"], 1e-4)
            half = onnx.load(os.path.join(d, "model-fp16.onnx"))
            self.assertEqual([i.type.tensor_type.elem_type for i in half.graph.input],
                             [onnx.TensorProto.FLOAT16, onnx.TensorProto.FLOAT, onnx.TensorProto.INT64])
            self.assertEqual({o.type.tensor_type.elem_type for o in half.graph.output}, {onnx.TensorProto.FLOAT16})
            with open(os.path.join(d, "manifest-fp16.json")) as f:
                m16 = json.load(f)
            self.assertEqual(m16["model"]["file"], "model-fp16.onnx")
            self.assertEqual([b["output"] for b in m16["blocks"]], [b["output"] for b in res.manifest["blocks"]])
            errors = m16["export"]["float16VsFloat32"]
            self.assertEqual(set(errors), {"prediction", *[b["output"] for b in res.manifest["blocks"]]})
            for name, e in errors.items():
                self.assertLess(e["maxAbsErr"], 2e-2 * e["maxAbsRef"], name)


@unittest.skipIf(NO_NODE, f"onnxruntime-node check unavailable: {NO_NODE}")
class ManyOutputs(unittest.TestCase):
    def test_every_module_under_output_blocks(self):
        """72 outputs, several sharing one tensor. torch 1.13 gives some outputs of different sizes the
        same symbolic dims; onnxruntime then fails ("Shape mismatch attempting to re-use buffer")
        unless the exporter writes the static sizes into the outputs' shapes."""
        with tempfile.TemporaryDirectory() as d:
            res = ex.export_unet(TinyADMLike(seed=2), torch.randn(2, 1, 12, 12), torch.tensor([5.0, 900.0]),
                                 ["output_blocks.**"], d, extra_inputs=adm_extra(), validate=False, log=QUIET)
            self.assertEqual(len(res.blocks), 72)  # the ModuleList itself matched ** but never runs: dropped
            self.assertNotIn("output_blocks", res.outputs)
            for b, p in res.parity.items():
                self.assertLessEqual(p["worst"], 1e-4, (b, p))
            out = onnx.load(res.onnx_path).graph.output
            dims = {o.name: [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in out}
            self.assertEqual(dims["output_blocks.0.1"], ["N", 32, 3, 3])
            self.assertEqual(dims["prediction"], ["N", 1, 12, 12])


@unittest.skipIf(NO_NODE, f"onnxruntime-node check unavailable: {NO_NODE}")
class FrozenBatch(unittest.TestCase):
    @staticmethod
    def bug_line() -> int:
        """The line of testnets.py holding the len(x) reshape, which the message must point at."""
        with open(os.path.join(HERE, "testnets.py")) as f:
            return next(i for i, line in enumerate(f, 1) if "reshape(len(x)" in line)

    def test_len_x_variant_is_refused_with_the_cause(self):
        with tempfile.TemporaryDirectory() as d:
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = ex.main(["--factory", os.path.join(HERE, "testnets.py") + ":tiny_adm_broken",
                                "--shape", "1,12,12", "--extra", "y:int64:3", "--modules", "middle_block",
                                "--out-dir", d, "--no-validate"])
            self.assertEqual(code, 3)
            msg = err.getvalue()
            for words in ("frozen", "example batch size 2", "len(x)", "x.shape[0]",
                          "Reshape to constant shape [2, -1, 1, 1]", f"testnets.py:{self.bug_line()}",
                          "Nothing was written"):
                self.assertIn(words, msg)
            self.assertEqual(os.listdir(d), [])  # neither a broken ONNX nor a manifest

    def test_library_raises_frozen_batch_error(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(ex.FrozenBatchError) as cm:
                ex.export_unet(tiny_adm_broken(), torch.randn(3, 1, 12, 12), torch.tensor([1.0, 2.0, 3.0]), [], d,
                               extra_inputs=[{"name": "y", "dtype": "int64"}], log=QUIET)
            self.assertIn("constant 3", str(cm.exception))


@unittest.skipIf(NO_NODE, f"onnxruntime-node check unavailable: {NO_NODE}")
class E2EFixtures(unittest.TestCase):
    """The committed fixtures agree with themselves: sha256, and the recorded nodes reproduce PyTorch."""

    DIR = os.path.join(ROOT, "e2e", "fixtures", "models", "rgb32")

    def test_rgb32_nodes_reproduce_the_reference(self):
        with open(os.path.join(self.DIR, "reference.json")) as f:
            ref = json.load(f)
        path = os.path.join(self.DIR, ref["model"]["file"])
        self.assertEqual(ex.sha256_file(path), ref["model"]["sha256"], "stale: rerun make_e2e_model.py")
        model = onnx.load(path)
        self.assertEqual([o.name for o in model.graph.output], ["out_sample"])
        names = {n.name: n for n in model.graph.node}
        for m in ref["modules"]:
            self.assertIn(m["tensor"], names[m["node"]].output)
            model.graph.output.append(onnx.helper.make_tensor_value_info(m["tensor"], onnx.TensorProto.FLOAT, None))
        load = lambda k: np.load(os.path.join(self.DIR, ref["files"][k]))  # noqa: E731
        refs = {"out_sample": load("out_sample"), **{m["tensor"]: load(m["module"]) for m in ref["modules"]}}
        with tempfile.TemporaryDirectory() as d:
            onnx.save(model, os.path.join(d, "m.onnx"))
            report = ex.run_cases(os.path.join(d, "m.onnx"), [({"sample": load("x_t"), "timestep": load("t")}, refs)],
                                  1e-4)
        self.assertTrue(report["ok"], report)

    def test_adm12_reference_matches_its_model(self):
        d = os.path.join(ROOT, "e2e", "fixtures", "models", "adm12")
        with open(os.path.join(d, "reference.json")) as f:
            ref = json.load(f)
        model = onnx.load(os.path.join(d, ref["model"]["file"]))
        self.assertEqual(ex.sha256_file(os.path.join(d, ref["model"]["file"])), ref["model"]["sha256"])
        self.assertEqual([i.name for i in model.graph.input], ["x", "timesteps", "y"])
        nodes = {n.name: n for n in model.graph.node}
        for b in ref["blocks"]:
            self.assertIn(b["tensor"], nodes[b["node"]].output)


if __name__ == "__main__":
    unittest.main()
