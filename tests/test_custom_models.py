"""Users' own DiT-like models (no diffusers class): long skips, interleaved stacks, glue between blocks."""

from __future__ import annotations

import pytest
import torch
from oracle import Oracle, rel_err, static_plan
from torch import nn

import bdcompile

S = 12
PLAN = static_plan(S, 0.25, 0.95, 2)


class Block(nn.Module):
    def __init__(self, dim, skip=False):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, 2, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.ada = nn.Linear(dim, 2 * dim)
        self.skip = nn.Linear(2 * dim, dim) if skip else None

    def forward(self, x, temb, skip=None):
        if self.skip is not None:
            x = self.skip(torch.cat([x, skip], dim=-1))
        scale, shift = self.ada(temb).unsqueeze(1).chunk(2, dim=-1)
        h = self.norm(x) * (1 + scale) + shift
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm(x))


class Embed(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(4, dim)
        self.t = nn.Sequential(nn.Linear(1, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, x, timestep):
        return self.proj(x), self.t(timestep.float()[:, None] / 1000)


class LongSkipDiT(nn.Module):
    """U-ViT / HunyuanDiT style: the outputs of the first half feed the second half."""

    def __init__(self, dim=32, depth=6):
        super().__init__()
        self.embed = Embed(dim)
        self.blocks = nn.ModuleList([Block(dim, skip=i > depth // 2) for i in range(depth)])
        self.out = nn.Linear(dim, 4)

    def forward(self, x, timestep):
        x, temb = self.embed(x, timestep)
        skips = []
        half = len(self.blocks) // 2
        for i, blk in enumerate(self.blocks):
            x = blk(x, temb, skips.pop() if i > half else None)
            if i < half:
                skips.append(x)
        return self.out(x)


class InterleavedDiT(nn.Module):
    """Latte style: spatial and temporal blocks alternate, with reshapes (glue) between them."""

    def __init__(self, dim=32, depth=3, frames=2):
        super().__init__()
        self.frames = frames
        self.embed = Embed(dim)
        self.spatial_blocks = nn.ModuleList([Block(dim) for _ in range(depth)])
        self.temporal_blocks = nn.ModuleList([Block(dim) for _ in range(depth)])
        self.out = nn.Linear(dim, 4)

    def forward(self, x, timestep):  # x: [B * frames, tokens, 4]
        x, temb = self.embed(x, timestep)
        bf, n, d = x.shape
        b = bf // self.frames
        for sp, tp in zip(self.spatial_blocks, self.temporal_blocks):
            x = sp(x, temb)
            x = x.reshape(b, self.frames, n, d).permute(0, 2, 1, 3).reshape(b * n, self.frames, d)
            x = tp(x, temb.repeat_interleave(n, 0)[: b * n])
            x = x.reshape(b, n, self.frames, d).permute(0, 2, 1, 3).reshape(bf, n, d)
        return self.out(x)


class GlueDiT(nn.Module):
    """Timestep conditioning added to the hidden states between blocks, outside any block."""

    def __init__(self, dim=32, depth=5):
        super().__init__()
        self.embed = Embed(dim)
        self.layers = nn.ModuleList([Block(dim) for _ in range(depth)])
        self.out = nn.Linear(dim, 4)

    def forward(self, x, timestep):
        x, temb = self.embed(x, timestep)
        for layer in self.layers:
            x = layer(x, temb) + 0.1 * temb.unsqueeze(1)
        return self.out(x)


class InplaceGlueDiT(GlueDiT):
    """Glue that writes into the block outputs in place (``add_``, item assignment)."""

    def forward(self, x, timestep):
        x, temb = self.embed(x, timestep)
        for layer in self.layers:
            x = layer(x, temb)
            x.add_(0.1 * temb.unsqueeze(1))
            x[:, 0] = x[:, 0] * 0.5
        return self.out(x)


CASES = {
    # model, blocks in execution order (for the oracle), boundary, expected number of cut values
    "long_skips": (LongSkipDiT, [("blocks", i) for i in range(6)], 5, 2),
    "interleaved": (InterleavedDiT, [(n, i) for i in range(3) for n in ("spatial_blocks", "temporal_blocks")], 3, 1),
    "glue": (GlueDiT, [("layers", i) for i in range(5)], 3, 1),
    "inplace_glue": (InplaceGlueDiT, [("layers", i) for i in range(5)], 3, 1),  # glue on blocks 0, 1 is skipped too
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_custom_model_matches_oracle(case):
    cls, blocks, boundary, n_cut = CASES[case]
    torch.manual_seed(0)
    model = cls().eval()
    compiled = torch.compile(
        model,
        backend="blockdance",
        fullgraph=True,
        options=dict(num_steps=S, warmup=0.25, boundary=boundary, inner="eager"),
    )
    oracle = Oracle(model, blocks, boundary, PLAN)
    x = torch.randn(4, 6, 4)
    with torch.no_grad():
        for step, t in enumerate(torch.linspace(999, 0, S).round().long()):
            kw = dict(x=x + 0.01 * step, timestep=t.repeat(4))
            got, (want, action) = compiled(**kw), oracle(step, **kw)
            assert rel_err(got, want) <= 1e-5, (step, action)
            if action == "reuse":
                assert rel_err(got, model(**kw)) > 1e-4
    info = bdcompile.explain(compiled)
    g = info["graphs"][0]
    assert g["blocks"] == [f"{n}.{i}" for n, i in blocks]
    assert len(g["cut"]) == n_cut, g["cut"]
    assert [e[3] for e in info["log"]] == PLAN


def test_long_skip_cut_holds_the_early_outputs():
    torch.manual_seed(0)
    model = LongSkipDiT().eval()
    found = {}

    def probe(gm, example_inputs, **kw):
        from bdcompile.passes import find_block_regions, find_cut

        regions = find_block_regions(gm)
        cut = find_cut(gm, regions, 5)
        found["producers"] = sorted({regions.node_block[n].order for n in cut.values if n in regions.node_block})
        return gm.forward

    with torch.no_grad():
        torch.compile(model, backend=probe)(torch.randn(2, 6, 4), torch.tensor([1, 1]))
    # blocks 2 and 1 feed blocks 4 and 5 through long skips (block 0's skip is never read); with
    # boundary 5 only block 5 runs: it reads block 1 (skip) and block 4 (hidden states)
    assert found["producers"] == [1, 4]
