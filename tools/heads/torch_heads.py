"""DiffProbe's neural heads in PyTorch: the reference the browser's (core/heads/model.ts) is
checked against, built from the same settings and started from the same weights.

Weights travel as DiffProbe's HeadWeights: {name: (shape, float32 values)} with torch
state_dict names, every Linear weight as [in, out] (DiffProbe multiplies x·W; torch's Linear
holds W transposed). `load_weights` puts them into these modules.

Inputs as DiffProbe feeds them (core/heads/batch.ts): the MLP gets standardised rows [B, d];
the attention head gets one [B, h·w, C] tensor per token group (positions × channels).
"""
import math

import torch
from torch import nn


class MlpHead(nn.Module):
    def __init__(self, d, k, hidden, activation, dropout):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.act = nn.GELU() if activation == "gelu" else nn.ReLU()
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, k)

    def forward(self, inputs):
        (x,) = inputs
        return self.fc2(self.drop(self.act(self.fc1(x))))


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        h = self.heads
        q, k, v = self.qkv(x).reshape(b, n, 3, h, c // h).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(c // h), dim=-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden, dropout):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class Block(nn.Module):
    def __init__(self, dim, heads, ratio, dropout):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * ratio), dropout)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class AttentionHead(nn.Module):
    """groups: [(channels, height, width)] of the token groups."""

    def __init__(self, groups, k, dim, heads, ratio, dropout, readout, positions):
        super().__init__()
        self.readout = readout
        self.positions = positions
        for i, (c, h, w) in enumerate(groups):
            # The paper's LayerNorm over the whole pooled map ([positions, channels] here).
            setattr(self, f"norm{i}", nn.LayerNorm([h * w, c]))
            setattr(self, f"proj{i}", nn.Linear(c, dim))
            if positions:
                setattr(self, f"pos{i}", nn.Parameter(torch.zeros(h * w, dim)))
        self.n_groups = len(groups)
        if readout == "cls":
            self.cls_token = nn.Parameter(torch.zeros(dim))
        self.block = Block(dim, heads, ratio, dropout)
        self.head = nn.Linear(dim, k)

    def forward(self, inputs):
        tokens = [getattr(self, f"proj{i}")(getattr(self, f"norm{i}")(x)) for i, x in enumerate(inputs)]
        if self.positions:
            tokens = [t + getattr(self, f"pos{i}") for i, t in enumerate(tokens)]
        if self.readout == "cls":
            b = inputs[0].shape[0]
            tokens.insert(0, self.cls_token.reshape(1, 1, -1).expand(b, -1, -1))
        x = self.block(torch.cat(tokens, dim=1))
        return self.head(x[:, 0] if self.readout == "cls" else x.mean(dim=1))


def build(head, layout):
    """A module for DiffProbe's head settings (NeuralHead) and layout ({d, k, groups})."""
    k = layout["k"]
    if head["kind"] == "mlp":
        m = head["mlp"]
        return MlpHead(layout["d"], k, m["hidden"], m["activation"], m["dropout"])
    a = head["attention"]
    groups = [(g["channels"], g["height"], g["width"]) for g in layout["groups"]]
    return AttentionHead(groups, k, a["dim"], a["heads"], a["mlpRatio"], a["dropout"], a["readout"], a["positions"])


def _is_linear_weight(module, name):
    if not name.endswith(".weight"):
        return False
    owner = module.get_submodule(name[: -len(".weight")])
    return isinstance(owner, nn.Linear)


def load_weights(module, weights, dtype=torch.float32):
    """Copies DiffProbe HeadWeights ({name: {shape, data}}) into `module`."""
    state = {}
    for name, w in weights.items():
        t = torch.tensor(w["data"], dtype=dtype).reshape(w["shape"])
        state[name] = t.t().contiguous() if _is_linear_weight(module, name) else t
    module.load_state_dict(state)
    return module


def export_weights(module):
    """The module's parameters as DiffProbe HeadWeights."""
    out = {}
    for name, p in module.state_dict().items():
        t = p.detach().to(torch.float32)
        if _is_linear_weight(module, name):
            t = t.t().contiguous()
        out[name] = {"shape": list(t.shape), "data": t.reshape(-1).tolist()}
    return out


def tokens_of(head, layout, x):
    """DiffProbe's batch inputs from raw rows x [B, d] (core/heads/batch.ts), given scaling for the MLP."""
    if head["kind"] == "mlp":
        return [x]
    out, offset = [], 0
    for g in layout["groups"]:
        c, p = g["channels"], g["height"] * g["width"]
        out.append(x[:, offset : offset + c * p].reshape(-1, c, p).transpose(1, 2).contiguous())
        offset += c * p
    return out
