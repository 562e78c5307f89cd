"""Write PyTorch's own initialisation of the default U-Net, for src/core/twin/random-twin.test.ts.

    /usr/bin/python3 tools/model/make_twin_fixtures.py

Output (small, committed): tools/model/fixtures/core/torch-init.json: for every parameter of
tools/model/unet.py's UNet (ch = 32, as the bundled model), what each layer's own
`reset_parameters` gives it: U(-b, b) with b read from torch (kaiming_uniform(a=sqrt(5)) for
weights, 1/sqrt(fan_in) for biases; checked by calling reset_parameters and looking at the drawn
values), or ones/zeros for GroupNorm. Also the parameters that unet.py zero-initialises on top of
that (the residual branches' last convs, the attention projections, the output conv): PyTorch's
layer default is what the twin reproduces, and these are where the twin differs from
`export.py --random-init`.
"""
from __future__ import annotations

import json
import math
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from unet import UNet  # noqa: E402

OUT = os.path.join(HERE, "fixtures", "core", "torch-init.json")


def main() -> None:
    torch.manual_seed(0)
    net = UNet(ch=32)
    # A layer whose weight unet.py sets to zero (its bias too): PyTorch's default is what the twin draws.
    weights = dict(net.named_parameters())
    zeroed = sorted(n for n, p in weights.items() if n.endswith(".weight") and bool((p == 0).all()))
    zeroed += [n[: -len("weight")] + "bias" for n in zeroed]
    zeroed.sort()
    params = {}
    for mod_name, m in net.named_modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            m.reset_parameters()
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)
            bound = 1 / math.sqrt(fan_in)
            # What torch drew stays inside the bound and reaches close to it.
            for p in (m.weight, m.bias):
                a = float(p.detach().abs().max())
                assert a <= bound * (1 + 1e-6) and (p.numel() < 32 or a > 0.8 * bound), (mod_name, a, bound)
            params[f"{mod_name}.weight"] = {"kind": "uniform", "bound": bound, "fanIn": fan_in,
                                            "shape": list(m.weight.shape)}
            params[f"{mod_name}.bias"] = {"kind": "uniform", "bound": bound, "fanIn": fan_in,
                                          "shape": list(m.bias.shape)}
        elif isinstance(m, nn.GroupNorm):
            m.reset_parameters()
            assert bool((m.weight == 1).all()) and bool((m.bias == 0).all())
            params[f"{mod_name}.weight"] = {"kind": "constant", "value": 1.0, "shape": list(m.weight.shape)}
            params[f"{mod_name}.bias"] = {"kind": "constant", "value": 0.0, "shape": list(m.bias.shape)}
    assert set(params) == {n for n, _ in net.named_parameters()}, "every parameter has its initialisation"
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "params": params, "zeroInitialisedByUnetPy": zeroed}, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT} ({len(params)} parameters; unet.py zero-initialises {len(zeroed)})")


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
