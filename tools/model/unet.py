"""A compact DDPM/ADM-style U-Net for 28x28 grayscale images.

Every block's output feature map is named and can be returned, because that is
what DiffProbe probes. Block order (forward order) is the contract the manifest
records:

    down0_0 down0_1 | down1_0 down1_1 | down2_0 down2_1 | mid |
    up2_0 up2_1 up2_2 | up1_0 up1_1 up1_2 | up0_0 up0_1 up0_2

A block's output is taken after its residual (and attention) layers and
*before* any down/upsampling that follows it, so each map has the resolution of
its level (28, 14 or 7).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding as in ADM: [cos(t*f), sin(t*f)] with geometric frequencies."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def norm(ch: int) -> nn.GroupNorm:
    return nn.GroupNorm(8, ch)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int, dropout: float):
        super().__init__()
        self.norm1 = norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout)
        self.norm2 = norm(cout)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(F.silu(emb))[:, :, None, None]
        h = self.conv2(self.drop(F.silu(self.norm2(h))))
        return self.skip(x) + h


class AttnBlock(nn.Module):
    """Single-head self-attention over spatial positions (used at 7x7)."""

    def __init__(self, ch: int):
        super().__init__()
        self.norm = norm(ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(n, 3, c, h * w).unbind(1)
        a = torch.softmax(torch.einsum("ncq,nck->nqk", q, k) / math.sqrt(c), dim=-1)
        out = torch.einsum("nqk,nck->ncq", a, v).reshape(n, c, h, w)
        return x + self.proj(out)


class Block(nn.Module):
    """A residual block, optionally followed by attention: one probe-able unit."""

    def __init__(self, cin: int, cout: int, temb: int, dropout: float, attn: bool):
        super().__init__()
        self.res = ResBlock(cin, cout, temb, dropout)
        self.attn = AttnBlock(cout) if attn else None

    def forward(self, x, emb):
        h = self.res(x, emb)
        return self.attn(h) if self.attn is not None else h


class UNet(nn.Module):
    def __init__(self, ch: int = 32, mults=(1, 2, 2), num_res: int = 2, attn_levels=(2,), dropout: float = 0.1,
                 in_ch: int = 1):
        super().__init__()
        self.ch, self.mults, self.num_res = ch, tuple(mults), num_res
        temb = ch * 4
        self.temb = nn.Sequential(nn.Linear(ch, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.inp = nn.Conv2d(in_ch, ch, 3, padding=1)

        self.block_names: list[str] = []
        self.block_meta: list[dict] = []
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips = [ch]
        cur = ch
        res = 28
        for lvl, m in enumerate(mults):
            for i in range(num_res):
                out = ch * m
                self.down.append(Block(cur, out, temb, dropout, lvl in attn_levels))
                cur = out
                skips.append(cur)
                self._record(f"down{lvl}_{i}", "down", lvl, res, cur)
            if lvl != len(mults) - 1:
                self.downsample.append(nn.Conv2d(cur, cur, 3, stride=2, padding=1))
                skips.append(cur)
                res //= 2
        self.mid1 = ResBlock(cur, cur, temb, dropout)
        self.mid_attn = AttnBlock(cur)
        self.mid2 = ResBlock(cur, cur, temb, dropout)
        self._record("mid", "mid", len(mults) - 1, res, cur)

        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for lvl in reversed(range(len(mults))):
            for i in range(num_res + 1):
                out = ch * mults[lvl]
                self.up.append(Block(cur + skips.pop(), out, temb, dropout, lvl in attn_levels))
                cur = out
                self._record(f"up{lvl}_{i}", "up", lvl, res, cur)
            if lvl != 0:
                self.upsample.append(nn.Conv2d(cur, cur, 3, padding=1))
                res *= 2
        self.out_norm = norm(cur)
        self.out = nn.Conv2d(cur, in_ch, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def _record(self, name, stage, level, res, ch):
        self.block_names.append(name)
        self.block_meta.append({"name": name, "stage": stage, "level": level, "resolution": [res, res], "channels": ch})

    def forward(self, x: torch.Tensor, t: torch.Tensor, return_blocks: bool = False,
                sinusoid: torch.Tensor | None = None):
        # `sinusoid` lets the exported graph pass a precomputed timestep embedding (see ExportWrapper).
        emb = self.temb(sinusoid if sinusoid is not None else timestep_embedding(t, self.ch))
        blocks: list[torch.Tensor] = []
        h = self.inp(x)
        hs = [h]
        bi = 0
        for lvl in range(len(self.mults)):
            for _ in range(self.num_res):
                h = self.down[bi](h, emb)
                bi += 1
                hs.append(h)
                blocks.append(h)
            if lvl != len(self.mults) - 1:
                h = self.downsample[lvl](h)
                hs.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        blocks.append(h)
        bi = 0
        for j, lvl in enumerate(reversed(range(len(self.mults)))):
            for _ in range(self.num_res + 1):
                h = self.up[bi](torch.cat([h, hs.pop()], dim=1), emb)
                bi += 1
                blocks.append(h)
            if lvl != 0:
                h = self.upsample[j](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        eps = self.out(F.silu(self.out_norm(h)))
        if return_blocks:
            return eps, blocks
        return eps


class ExportWrapper(nn.Module):
    """What goes into the ONNX graph: (x_t, t) -> (eps, *blocks).

    The sinusoidal timestep embedding is a lookup table (Gather by integer t) rather than Sin/Cos
    nodes: GPU sin/cos of arguments up to ~1000 rad (WebGPU, SwiftShader) differ from the CPU's by
    ~1e-4, which then shows in every block. The table holds exactly what PyTorch computes in
    float32 for t = 0..T-1, so the graph matches PyTorch on every backend. t must be an integer.
    """

    def __init__(self, net: UNet, steps: int = 1000):
        super().__init__()
        self.net = net
        self.steps = steps
        self.register_buffer("sinusoids", timestep_embedding(torch.arange(steps), net.ch))

    def forward(self, x_t: torch.Tensor, t: torch.Tensor):
        index = torch.clamp(t, 0, self.steps - 1).long()
        eps, blocks = self.net(x_t, t, return_blocks=True, sinusoid=self.sinusoids[index])
        return (eps, *blocks)


def linear_betas(T: int = 1000, start: float = 1e-4, end: float = 0.02) -> torch.Tensor:
    return torch.linspace(start, end, T, dtype=torch.float64)


def alphas_cumprod(T: int = 1000) -> torch.Tensor:
    return torch.cumprod(1.0 - linear_betas(T), dim=0)


if __name__ == "__main__":
    net = UNet()
    print(sum(p.numel() for p in net.parameters()), "params")
    print(net.block_names)
    x = torch.randn(2, 1, 28, 28)
    eps, bl = net(x, torch.tensor([0, 999]), return_blocks=True)
    print(eps.shape, [tuple(b.shape) for b in bl])
