"""Tests of sampler_reference.py, the PyTorch side of the sampler's parity fixtures.

    /usr/bin/python3 -m unittest discover -s tools/model -p 'test_*.py'      # from the repository root

An exact model of a one-image data set must sample that image with every sampler; the timestep
lists must be the committed fixture's (tools/model/fixtures/sampler/timesteps.json); clipping and
thresholding must do what diffusers' clip_sample / _threshold_sample do.
"""
from __future__ import annotations

import json
import os
import sys
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sampler_reference as R  # noqa: E402
from unet import alphas_cumprod  # noqa: E402

torch.set_num_threads(1)
TARGET = torch.tensor([0.5, -0.25, 0.75, -1.0]).reshape(1, 1, 2, 2).double()


def oracle(kind: str, abar: np.ndarray):
    """The perfect ε / x0 / v model of a data set of one image (TARGET)."""
    def model(x, t):
        a = float(abar[t])
        x = x.double()
        eps = (x - a ** 0.5 * TARGET) / (1 - a) ** 0.5
        out = {"epsilon": eps, "sample": TARGET.expand_as(x), "v_prediction": a ** 0.5 * eps - (1 - a) ** 0.5 * TARGET}
        return out[kind].float(), None
    return model


class SamplerReferenceTest(unittest.TestCase):
    abar = alphas_cumprod().numpy()

    def test_an_exact_model_samples_its_image(self):
        for kind in ("epsilon", "sample", "v_prediction"):
            for o in (R.Options(steps=10), R.Options(steps=10, eta=1.0, spacing="trailing"),
                      R.Options(method="ddpm", steps=10, x0="threshold"), R.Options(method="ddpm", steps=10, variance="large")):
                with self.subTest(kind=kind, options=o):
                    x = R.sample(oracle(kind, self.abar), 3, (1, 2, 2), self.abar, o, seed=4, kind=kind)[-1].x
                    self.assertLess(np.abs(x - TARGET.numpy()).max(), 1e-4)

    def test_timesteps_are_the_fixtures(self):
        with open(os.path.join(HERE, "fixtures", "sampler", "timesteps.json")) as f:
            cases = json.load(f)["cases"]
        for c in cases:
            for n, want in c["lists"].items():
                if want is not None:
                    self.assertEqual(R.timesteps(c["T"], int(n), c["spacing"], c["stepsOffset"]).tolist(), want)

    def test_clip_and_threshold(self):
        x = torch.tensor([[-4.0, -1.0, 0.0, 1.0, 2.0]], dtype=torch.float64)
        clip = R.process_x0(x, R.Options(x0="clip"), -1, 1)
        self.assertEqual(clip.tolist(), [[-1.0, -1.0, 0.0, 1.0, 1.0]])
        # |x| sorted 0 1 1 2 4, quantile 0.75 = 2: clamp to ±2 and divide by 2
        th = R.process_x0(x, R.Options(x0="threshold", percentile=75.0, max_threshold=10.0), -1, 1)
        self.assertEqual(th.tolist(), [[-1.0, -0.5, 0.0, 0.5, 1.0]])
        # [0, 1] data: the same rules on 2x - 1
        self.assertEqual(R.process_x0(torch.tensor([[-0.5, 0.25, 1.5]]).double(), R.Options(x0="clip"), 0, 1).tolist(),
                         [[0.0, 0.25, 1.0]])


if __name__ == "__main__":
    unittest.main()
