"""Two small, randomly initialised diffusion U-Nets that look like the ones people actually export.

They exist to test tools/export/export_unet.py on architectures other than DiffProbe's own
(tools/model/unet.py): other module names, other timestep dtypes, an attention block, an extra
class-label input, an odd 3x3 bottleneck. The weights are random (seeded), so the outputs mean
nothing; only the graph structure and the numbers' agreement with PyTorch matter.

- ``TinyDiffusersLike``: named like diffusers' ``UNet2DModel`` (``conv_in``, ``down_blocks.N.resnets.M``,
  ``down_blocks.N.downsamplers.0``, ``mid_block.attentions.0``, ``up_blocks.N.resnets.M``, ``conv_out``),
  RGB 3x32x32, int64 timesteps, v-prediction, returns an object with ``.sample`` and down blocks that
  return ``(hidden, residuals)`` tuples, as diffusers' do.
- ``TinyADMLike``: named like guided-diffusion's ``UNetModel`` (``input_blocks.N``, ``middle_block``,
  ``output_blocks.N``, ``out``), grayscale 1x12x12 -> 6 -> 3, float32 timesteps, class labels ``y``
  through ``label_emb``, attention at 3x3. ``batch_len_bug=True`` builds the broken variant whose
  ResBlocks reshape with ``len(x)``, which tracing freezes at the example batch size.
- ``TinyTutorialUNet``: laid out like the U-Nets of DDPM courses and tutorials on Fashion-MNIST
  (``b1``..``b3`` of plain conv blocks, ``down1``..``down3``, a bottleneck ``b_mid``, ``up1``..``up3``
  transposed convs, decoder blocks ``b4``, ``b5``, ``b_out`` after each skip concatenation,
  ``conv_out``), 1x28x28, int64 timesteps through an ``nn.Embedding``: no residual additions at all, so
  a decoder block's output is only ever the input of the next up-sampling op.

Both are written from scratch (not copied from either library); only the naming scheme follows them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


def sinusoid(t: torch.Tensor, dim: int) -> torch.Tensor:
    """[N] timesteps (any dtype) -> [N, dim] float32: cos half then sin half, geometric frequencies."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / half))
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def _reinit(module: nn.Module, seed: int) -> None:
    """Deterministic weights independent of construction order: seed, then reset every layer.

    Non-zero everywhere on purpose (no zero-initialised output convs), so that every block
    carries signal and parity checks compare real numbers, not zeros.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                bound = 1.0 / math.sqrt(m.weight[0].numel())
                m.weight.uniform_(-bound, bound, generator=g)
                if m.bias is not None:
                    m.bias.uniform_(-bound, bound, generator=g)
            elif isinstance(m, nn.Embedding):
                m.weight.normal_(0.0, 1.0, generator=g)
            elif isinstance(m, nn.GroupNorm):
                # Not the identity affine, so a mistake in how the norm is exported would show.
                m.weight.uniform_(0.5, 1.5, generator=g)
                m.bias.uniform_(-0.2, 0.2, generator=g)


# --- diffusers-like ----------------------------------------------------------------------------


@dataclass
class TinyOutput:
    """Stands in for diffusers' ``UNet2DOutput``: the exporter has to find ``.sample`` itself."""

    sample: torch.Tensor


class TimestepEmbedding(nn.Module):
    def __init__(self, cin: int, dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


class ResnetBlock2D(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int, groups: int = 8):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        skip = x if self.conv_shortcut is None else self.conv_shortcut(x)
        return skip + h


class Attention(nn.Module):
    """Multi-head self-attention over the H*W positions, channels as tokens' features."""

    def __init__(self, ch: int, heads: int = 2, groups: int = 8):
        super().__init__()
        self.heads = heads
        self.group_norm = nn.GroupNorm(groups, ch)
        self.to_q = nn.Linear(ch, ch)
        self.to_k = nn.Linear(ch, ch)
        self.to_v = nn.Linear(ch, ch)
        self.to_out = nn.ModuleList([nn.Linear(ch, ch)])

    def forward(self, x):
        # Sizes come from x.shape so that the traced graph keeps N (and H, W) symbolic.
        b, c, h, w = x.shape
        tokens = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)  # [N, L, C]

        def split(t):  # [N, L, C] -> [N, heads, L, C/heads]
            return t.reshape(b, h * w, self.heads, c // self.heads).transpose(1, 2)

        q, k, v = split(self.to_q(tokens)), split(self.to_k(tokens)), split(self.to_v(tokens))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // self.heads), dim=-1)
        out = (a @ v).transpose(1, 2).reshape(b, h * w, c)
        out = self.to_out[0](out).transpose(1, 2).reshape(b, c, h, w)
        return x + out


class Downsample2D(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock2D(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int, layers: int, downsample: bool):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, temb) for i in range(layers)])
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if downsample else None

    def forward(self, hidden, temb):
        # Like diffusers: (output, every intermediate state the up path will concatenate).
        states = ()
        for resnet in self.resnets:
            hidden = resnet(hidden, temb)
            states += (hidden,)
        if self.downsamplers is not None:
            hidden = self.downsamplers[0](hidden)
            states += (hidden,)
        return hidden, states


class MidBlock2D(nn.Module):
    def __init__(self, ch: int, temb: int):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(ch, ch, temb), ResnetBlock2D(ch, ch, temb)])
        self.attentions = nn.ModuleList([Attention(ch)])

    def forward(self, hidden, temb):
        hidden = self.resnets[0](hidden, temb)
        hidden = self.attentions[0](hidden)
        return self.resnets[1](hidden, temb)


class UpBlock2D(nn.Module):
    def __init__(self, cin: int, cout: int, skip_chs: list[int], temb: int, upsample: bool):
        super().__init__()
        resnets = []
        for i, s in enumerate(skip_chs):
            resnets.append(ResnetBlock2D((cin if i == 0 else cout) + s, cout, temb))
        self.resnets = nn.ModuleList(resnets)
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, hidden, skips, temb):
        for resnet in self.resnets:
            hidden = resnet(torch.cat([hidden, skips[-1]], dim=1), temb)
            skips = skips[:-1]
        if self.upsamplers is not None:
            hidden = self.upsamplers[0](hidden)
        return hidden


class TinyDiffusersLike(nn.Module):
    """3x32x32 -> 16 -> 8, channels (16, 24, 32), two resnets a level, attention in the mid block.

    ``forward(sample, timestep)`` accepts timesteps of shape [N], [1] or [] (any integer dtype) and
    returns ``TinyOutput(sample=v_prediction)``.
    """

    prediction_type = "v_prediction"

    def __init__(self, channels=(16, 24, 32), layers_per_block: int = 2, in_channels: int = 3, seed: int = 0):
        super().__init__()
        c0 = channels[0]
        temb = 4 * c0
        self.time_embed_dim = c0
        self.conv_in = nn.Conv2d(in_channels, c0, 3, padding=1)
        self.time_embedding = TimestepEmbedding(c0, temb)

        self.down_blocks = nn.ModuleList()
        skip_chs = [c0]  # channels of every state the down path hands to the up path, in order
        cur = c0
        for i, c in enumerate(channels):
            last = i == len(channels) - 1
            self.down_blocks.append(DownBlock2D(cur, c, temb, layers_per_block, downsample=not last))
            cur = c
            skip_chs += [c] * (layers_per_block + (0 if last else 1))
        self.mid_block = MidBlock2D(cur, temb)

        self.up_blocks = nn.ModuleList()
        for i, c in enumerate(reversed(channels)):
            last = i == len(channels) - 1
            n = layers_per_block + 1
            mine, skip_chs = skip_chs[-n:], skip_chs[:-n]
            self.up_blocks.append(UpBlock2D(cur, c, list(reversed(mine)), temb, upsample=not last))
            cur = c
        self.conv_norm_out = nn.GroupNorm(8, cur)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(cur, in_channels, 3, padding=1)
        _reinit(self, seed)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor) -> TinyOutput:
        # Broadcast a scalar or [1] timestep to the batch with sample.shape[0], never len(sample):
        # the tracer records shape[0] as a graph op (dynamic N); len() would become a constant.
        t = timestep.reshape(-1).expand(sample.shape[0])
        temb = self.time_embedding(sinusoid(t, self.time_embed_dim))
        h = self.conv_in(sample)
        states = (h,)
        for block in self.down_blocks:
            h, more = block(h, temb)
            states += more
        h = self.mid_block(h, temb)
        for block in self.up_blocks:
            n = len(block.resnets)
            h = block(h, states[-n:], temb)
            states = states[:-n]
        return TinyOutput(sample=self.conv_out(self.conv_act(self.conv_norm_out(h))))


# --- guided-diffusion (ADM)-like ----------------------------------------------------------------


class TimestepSequential(nn.Sequential):
    """A Sequential whose ResBlocks also get the embedding (guided-diffusion's TimestepEmbedSequential)."""

    def forward(self, x, emb):
        for layer in self:
            x = layer(x, emb) if isinstance(layer, ResBlock) else layer(x)
        return x


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int, batch_len_bug: bool = False):
        super().__init__()
        self.batch_len_bug = batch_len_bug
        self.in_layers = nn.Sequential(nn.GroupNorm(8, cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(temb, cout))
        self.out_layers = nn.Sequential(nn.GroupNorm(8, cout), nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1))
        self.skip_connection = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        e = self.emb_layers(emb)
        if self.batch_len_bug:
            # The classic export bug: len(x) is a Python int while tracing, so the example's batch
            # size is baked into the Reshape and any other batch size fails in onnxruntime.
            e = e.reshape(len(x), -1, 1, 1)
        else:
            e = e.reshape(x.shape[0], -1, 1, 1)  # traced as Shape->Gather: stays dynamic
        return self.skip_connection(x) + self.out_layers(h + e)


class AttentionBlock(nn.Module):
    """Single-head attention over a [N, C, H*W] view with a 1-D qkv conv, as ADM does."""

    def __init__(self, ch: int):
        super().__init__()
        self.norm = nn.GroupNorm(8, ch)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1)
        self.proj_out = nn.Conv1d(ch, ch, 1)

    def forward(self, x):
        b, c, *spatial = x.shape
        flat = x.reshape(b, c, -1)
        q, k, v = self.qkv(self.norm(flat)).chunk(3, dim=1)
        w = torch.softmax(torch.einsum("bct,bcs->bts", q, k) / math.sqrt(c), dim=-1)
        h = self.proj_out(torch.einsum("bts,bcs->bct", w, v))
        return (flat + h).reshape(b, c, *spatial)


class Down(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Up(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class TinyADMLike(nn.Module):
    """1x12x12 -> 6 -> 3, model_channels 16, mults (1, 2, 2), one ResBlock a level, attention at 3x3.

    ``forward(x, timesteps, y)``: timesteps float32 [N], class labels int64 [N] in 0..num_classes-1.
    Returns the epsilon prediction [N, 1, 12, 12].
    """

    prediction_type = "epsilon"

    def __init__(self, model_channels: int = 16, mults=(1, 2, 2), num_res_blocks: int = 1, in_channels: int = 1,
                 num_classes: int = 10, attention_levels=(2,), batch_len_bug: bool = False, seed: int = 1):
        super().__init__()
        mc = model_channels
        temb = 4 * mc
        self.model_channels = mc
        self.time_embed = nn.Sequential(nn.Linear(mc, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.label_emb = nn.Embedding(num_classes, temb)

        def res(cin, cout):
            return ResBlock(cin, cout, temb, batch_len_bug)

        self.input_blocks = nn.ModuleList([TimestepSequential(nn.Conv2d(in_channels, mc, 3, padding=1))])
        chans = [mc]  # channels of every input block's output: the output blocks pop them
        cur = mc
        for level, m in enumerate(mults):
            for _ in range(num_res_blocks):
                layers = [res(cur, mc * m)]
                cur = mc * m
                if level in attention_levels:
                    layers.append(AttentionBlock(cur))
                self.input_blocks.append(TimestepSequential(*layers))
                chans.append(cur)
            if level != len(mults) - 1:
                self.input_blocks.append(TimestepSequential(Down(cur)))
                chans.append(cur)
        self.middle_block = TimestepSequential(res(cur, cur), AttentionBlock(cur), res(cur, cur))

        self.output_blocks = nn.ModuleList()
        for level, m in reversed(list(enumerate(mults))):
            for i in range(num_res_blocks + 1):
                layers = [res(cur + chans.pop(), mc * m)]
                cur = mc * m
                if level in attention_levels:
                    layers.append(AttentionBlock(cur))
                if level and i == num_res_blocks:
                    layers.append(Up(cur))
                self.output_blocks.append(TimestepSequential(*layers))
        self.out = nn.Sequential(nn.GroupNorm(8, cur), nn.SiLU(), nn.Conv2d(cur, in_channels, 3, padding=1))
        _reinit(self, seed)

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        emb = self.time_embed(sinusoid(timesteps, self.model_channels)) + self.label_emb(y)
        hs = []
        h = x
        for block in self.input_blocks:
            h = block(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)


# --- course / tutorial DDPM-like ---------------------------------------------------------------


class ConvBlock(nn.Module):
    """LayerNorm over (C, H, W), conv, SiLU, conv, SiLU: the tutorials' block, no residual."""

    def __init__(self, shape: tuple[int, int, int], cin: int, cout: int, normalize: bool = True):
        super().__init__()
        self.ln = nn.LayerNorm(shape) if normalize else nn.Identity()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)

    def forward(self, x):
        return F.silu(self.conv2(F.silu(self.conv1(self.ln(x)))))


def conv_blocks(size: int, chans: list[int], normalize_last: bool = True) -> nn.Sequential:
    """Blocks chans[0] -> chans[1] -> ... at size x size."""
    last = len(chans) - 2
    return nn.Sequential(*[ConvBlock((chans[i], size, size), chans[i], chans[i + 1], normalize_last or i < last)
                           for i in range(len(chans) - 1)])


class TinyTutorialUNet(nn.Module):
    """1x28x28 -> 14 -> 7 -> 3 (an odd 7 -> 6 -> 3 step, as in the tutorials), channels (c, 2c, 4c).

    ``forward(x, t)``: t int64 [N] in 0..n_steps-1. Returns the epsilon prediction [N, 1, 28, 28].
    The time embedding is added to each block's input ([N, C, 1, 1] broadcasts), never a residual.
    """

    prediction_type = "epsilon"

    def __init__(self, c: int = 8, n_steps: int = 1000, time_dim: int = 16, seed: int = 2):
        super().__init__()
        self.time_embed = nn.Embedding(n_steps, time_dim)

        def te(cout):
            return nn.Sequential(nn.Linear(time_dim, cout), nn.SiLU(), nn.Linear(cout, cout))

        self.te1, self.b1 = te(1), conv_blocks(28, [1, c, c])
        self.down1 = nn.Conv2d(c, c, 4, 2, 1)
        self.te2, self.b2 = te(c), conv_blocks(14, [c, 2 * c, 2 * c])
        self.down2 = nn.Conv2d(2 * c, 2 * c, 4, 2, 1)
        self.te3, self.b3 = te(2 * c), conv_blocks(7, [2 * c, 4 * c, 4 * c])
        self.down3 = nn.Sequential(nn.Conv2d(4 * c, 4 * c, 2, 1), nn.SiLU(), nn.Conv2d(4 * c, 4 * c, 4, 2, 1))
        self.te_mid, self.b_mid = te(4 * c), conv_blocks(3, [4 * c, 2 * c, 4 * c])
        self.up1 = nn.Sequential(nn.ConvTranspose2d(4 * c, 4 * c, 4, 2, 1), nn.SiLU(),
                                 nn.ConvTranspose2d(4 * c, 4 * c, 2, 1))
        self.te4, self.b4 = te(8 * c), conv_blocks(7, [8 * c, 4 * c, 2 * c])
        self.up2 = nn.ConvTranspose2d(2 * c, 2 * c, 4, 2, 1)
        self.te5, self.b5 = te(4 * c), conv_blocks(14, [4 * c, 2 * c, c])
        self.up3 = nn.ConvTranspose2d(c, c, 4, 2, 1)
        self.te_out, self.b_out = te(2 * c), conv_blocks(28, [2 * c, c, c], normalize_last=False)
        self.conv_out = nn.Conv2d(c, 1, 3, 1, 1)
        _reinit(self, seed)
        with torch.no_grad():  # the tutorials' fixed sinusoidal table
            self.time_embed.weight.copy_(sinusoid(torch.arange(n_steps), time_dim))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.time_embed(t)
        n = x.shape[0]  # not len(x): that would freeze the batch size in the export

        def at(te, h):
            return h + te(emb).reshape(n, -1, 1, 1)

        out1 = self.b1(at(self.te1, x))
        out2 = self.b2(at(self.te2, self.down1(out1)))
        out3 = self.b3(at(self.te3, self.down2(out2)))
        out_mid = self.b_mid(at(self.te_mid, self.down3(out3)))
        out4 = self.b4(at(self.te4, torch.cat((out3, self.up1(out_mid)), dim=1)))
        out5 = self.b5(at(self.te5, torch.cat((out2, self.up2(out4)), dim=1)))
        out = self.b_out(at(self.te_out, torch.cat((out1, self.up3(out5)), dim=1)))
        return self.conv_out(out)


def tiny_adm_broken(seed: int = 1) -> TinyADMLike:
    """The ``len(x)`` variant, as a zero-argument factory for ``export_unet.py --factory``."""
    return TinyADMLike(batch_len_bug=True, seed=seed)


if __name__ == "__main__":
    for net, args in [(TinyDiffusersLike(), (torch.randn(2, 3, 32, 32), torch.tensor([1, 500]))),
                      (TinyADMLike(), (torch.randn(2, 1, 12, 12), torch.tensor([1.0, 500.0]), torch.tensor([3, 7]))),
                      (TinyTutorialUNet(), (torch.randn(2, 1, 28, 28), torch.tensor([1, 500])))]:
        out = net.eval()(*args)
        out = out.sample if isinstance(out, TinyOutput) else out
        params = sum(p.numel() for p in net.parameters())
        print(f"{type(net).__name__}: {params:,} params ({params * 4 / 1e6:.2f} MB fp32), output {tuple(out.shape)}")
