"""Writes src/core/heads/fixtures/torch-heads.json: for a small MLP head and two small attention
heads, random weights and inputs, and PyTorch's float64 logits, mean cross-entropy and gradient
of every parameter, for core/heads/heads.test.ts to check tfjs's forward pass and automatic
differentiation against. Run with Debian's python3: /usr/bin/python3 tools/heads/make_fixture.py
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_heads import build, export_weights, load_weights, tokens_of  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "../../src/core/heads/fixtures/torch-heads.json")

TRAINING = {"lr": 1e-3, "weightDecay": 0.01, "batchSize": 8, "maxEpochs": 1, "patience": 0, "seed": 0}
CASES = [
    {
        "name": "mlp-gelu",
        "head": {"kind": "mlp", "mlp": {"hidden": 7, "activation": "gelu", "dropout": 0}, "training": TRAINING},
        "layout": {"d": 5, "k": 3, "groups": [{"channels": 5, "height": 1, "width": 1}]},
    },
    {
        "name": "attention-cls-two-groups",
        "head": {
            "kind": "attention",
            "attention": {"dim": 8, "heads": 2, "mlpRatio": 2, "dropout": 0, "readout": "cls", "positions": True},
            "training": TRAINING,
        },
        "layout": {
            "d": 3 * 2 * 2 + 4 * 3 * 1,
            "k": 4,
            "groups": [{"channels": 3, "height": 2, "width": 2}, {"channels": 4, "height": 3, "width": 1}],
        },
    },
    {
        "name": "attention-mean",
        "head": {
            "kind": "attention",
            "attention": {"dim": 6, "heads": 3, "mlpRatio": 1.5, "dropout": 0, "readout": "mean", "positions": False},
            "training": TRAINING,
        },
        "layout": {"d": 2 * 3 * 3, "k": 3, "groups": [{"channels": 2, "height": 3, "width": 3}]},
    },
]


def main():
    rng = np.random.default_rng(7)
    torch.manual_seed(0)
    out = []
    for case in CASES:
        head, layout = case["head"], case["layout"]
        m = build(head, layout).double()
        # Random, not torch's init: LayerNorm scales and the class token away from 1 and 0 too.
        weights = {}
        for name, p in export_weights(m).items():
            weights[name] = {"shape": p["shape"], "data": (rng.normal(size=int(np.prod(p["shape"]))) * 0.5).tolist()}
        load_weights(m, weights, dtype=torch.float64)
        n = 6
        X = rng.normal(size=(n, layout["d"])) * 1.5 + 0.3
        y = rng.integers(0, layout["k"], size=n)
        x = torch.tensor(X, dtype=torch.float64)
        logits = m(tokens_of(head, layout, x))
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
        loss.backward()
        grads = {}
        for name, p in m.named_parameters():
            g = p.grad.detach()
            if name.endswith(".weight") and isinstance(m.get_submodule(name[:-7]), torch.nn.Linear):
                g = g.t().contiguous()
            grads[name] = g.reshape(-1).tolist()
        out.append(
            {
                "name": case["name"],
                "head": head,
                "layout": layout,
                "weights": weights,
                "X": X.reshape(-1).tolist(),
                "y": y.tolist(),
                "logits": logits.detach().reshape(-1).tolist(),
                "loss": loss.item(),
                "grads": grads,
            }
        )
    with open(OUT, "w") as f:
        json.dump({"generator": "tools/heads/make_fixture.py", "torch": torch.__version__, "cases": out}, f)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
