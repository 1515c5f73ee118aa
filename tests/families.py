"""Tiny random-weight configs for every transformer model class of ``diffusers.models.transformers``.

Registry
--------
``FAMILIES[name] -> Family``: at least one family per model class that diffusers 0.42.1 exports from
``diffusers.models.transformers`` (all 76 classes; 79 families: SD3/SD3.5, CogVideoX 1.0/1.5 and Motif-Video
with/without decoder layers are separate configs of one class).  Configs and dummy inputs follow diffusers' own
model tests (``tests/models/transformers/test_models_transformer_*.py``; written from the source where 0.42.1 has
no test: FLUX.3, DreamLite, Dual, T5Film, RVQ depth decoder, RFD4, Kandinsky 5, HunyuanImage, StableAudio), widened
to >= 3 (mostly 4) blocks per block stack, and checked against the installed 0.42.1 API by running them. Every
eager forward takes < 50 ms on one CPU thread (most < 10 ms).

Each family has two configs: the *normal* one above and a *minimal* one (``Family.minimal``: config overrides that
leave one block per stack, as diffusers' own model tests do; a family with one stack then has one block in total).

API
---
    fam = FAMILIES["flux"]
    model = fam.make_model(seed=0)                       # nn.Module in eval mode, weights drawn from `seed`
    kwargs = fam.make_inputs(batch_size=1, seed=0)       # forward kwargs: latent + conditioning fixed by `seed`
    for t in fam.timesteps(num_steps=10):                # the values the pipeline would pass, in this model's scale
        out = model(**fam.with_timestep(kwargs, t))      # returns a NEW dict; only the timestep kwarg(s) change
        sample = fam.output_tensor(out)                  # the main prediction, whatever the return type
    small = fam.make_model(seed=0, minimal=True)         # the minimal config (inputs: make_inputs(..., minimal=True))

* ``make_inputs(batch_size, seed=0, t=None, minimal=False, **overrides)``: deterministic given ``seed``; ``t``
  (optional) is applied through ``with_timestep``; ``overrides`` replace kwargs verbatim.  Families that cannot batch
  (list-of-sample APIs, packed sequences) have ``max_batch_size == 1``.
* ``with_timestep(kwargs, t)``: writes ``t`` into ``timestep_kwarg`` (keeping the dtype, shape and container of the
  default value: per-sample, per-frame or per-token timesteps are all filled with ``t``) and into every kwarg of
  ``extra_timestep_kwargs`` (e.g. ACE-Step's ``timestep_r``).  ``t`` is a python number in ``timestep_scale``.
* ``timesteps(num_steps)``: the pipeline-like schedule in ``timestep_scale``, from pure noise towards clean, built
  from ``sigma = 1 - i / num_steps``; ``SCALES`` documents each scale.
* ``make_model(seed, minimal=False)``: random init; weights that diffusers initialises to exactly zero (zero-init
  output projections, gates, ...) are refilled with small random values (``zero_params_refilled`` records which), so
  every block changes its output and the output depends on ``t``.
* ``config`` / ``minimal_config``: the constructor arguments of each config.

Probe facts
-----------
``PROBED[name]`` (also ``fam.probe``) and ``PROBED_MINIMAL[name]`` (``fam.probe_minimal``) hold facts recorded by
``python tests/probe_families.py --probe`` into ``tests/families_probe.json`` (whether and how the family traces as
one graph, its block lists, output kind, timing, ...); that script's docstring says what each fact means and what
the probe found, and ``python tests/probe_families.py`` prints the summary table.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

# --------------------------------------------------------------------------------------------------------------------
# timestep scales
# --------------------------------------------------------------------------------------------------------------------


def _edm_sigma(s: float, smin: float, smax: float) -> float:
    s = min(max(s, 1e-6), 1.0)
    return smin ** (1.0 - s) * smax**s


SCALES: dict[str, tuple[str, Callable[[float], float]]] = {
    "descending_1000": (
        "t = 1000*sigma, the scheduler's timesteps as is (DDPM / flow matching); noise at 1000",
        lambda s: 1000.0 * s,
    ),
    "descending_0_1": ("t = sigma = timestep/1000 (Flux-style); noise at 1, clean at 0", lambda s: s),
    "ascending_0_1": (
        "t = 1 - sigma (Lumina: 1 - t/1000, Z-Image, OmniGen, Ideogram4, inverted schedulers); noise at 0, clean at 1",
        lambda s: 1.0 - s,
    ),
    "ascending_1000": (
        "t = 1000*(1 - sigma) (Mochi, scheduler invert_sigmas=True); noise at 0",
        lambda s: 1000.0 * (1.0 - s),
    ),
    "glm_1000_minus_1": ("t = 1000*sigma - 1 (GLM-Image passes t - 1)", lambda s: 1000.0 * s - 1.0),
    "edm_c_noise": (
        "t = 0.25*log(sigma_edm), sigma_edm in [0.002, 80] (Cosmos 1.0 EDM preconditioning)",
        lambda s: 0.25 * math.log(_edm_sigma(s, 0.002, 80.0)),
    ),
    "cosine_dpm": (
        "t = atan(sigma_edm)*2/pi, sigma_edm in [0.3, 500] (StableAudio, CosineDPMSolverMultistep)",
        lambda s: math.atan(_edm_sigma(s, 0.3, 500.0)) * 2.0 / math.pi,
    ),
}


# --------------------------------------------------------------------------------------------------------------------
# Family
# --------------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Family:
    name: str
    cls_name: str
    build: Callable[..., nn.Module]  # constructs the model (called under torch.manual_seed); kwargs override config
    inputs: Callable[[int, torch.Generator], dict]  # (batch_size, generator) -> forward kwargs
    timestep_kwarg: str
    timestep_scale: str
    notes: str = ""
    extra_timestep_kwargs: tuple[str, ...] = ()
    max_batch_size: int | None = None
    output_key: str | int | None = None  # where the main prediction lives in the output (None: .sample / [0])
    slow: bool = False
    minimal: dict | None = None  # config overrides of the minimal config: one block per stack
    minimal_inputs: Callable[[int, torch.Generator], dict] | None = None  # input overrides the minimal config needs

    # -- model ---------------------------------------------------------------------------------------------------
    def make_model(self, seed: int = 0, refill_zero_params: bool = True, minimal: bool = False) -> nn.Module:
        torch.manual_seed(seed)
        model = self.build(**self._overrides(minimal))
        if refill_zero_params:
            g = torch.Generator().manual_seed(10_000 + seed)
            with torch.no_grad():
                for _, p in _zero_params(model):
                    p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float32).to(p.dtype) * 0.02)
        return model.eval()

    @property
    def zero_params_refilled(self) -> list[str]:
        torch.manual_seed(0)
        return [n for n, _ in _zero_params(self.build())]

    def _overrides(self, minimal: bool) -> dict:
        if not minimal:
            return {}
        if self.minimal is None:
            raise ValueError(f"{self.name}: no minimal config")
        return self.minimal

    @property
    def config(self) -> dict:
        """The constructor arguments of the normal config (``minimal_config``: of the minimal one)."""
        return dict(self.build.config)

    @property
    def minimal_config(self) -> dict:
        return {**self.build.config, **self._overrides(True)}

    # -- inputs --------------------------------------------------------------------------------------------------
    def make_inputs(
        self, batch_size: int = 1, seed: int = 0, t: float | None = None, minimal: bool = False, **overrides
    ) -> dict:
        if self.max_batch_size is not None and batch_size > self.max_batch_size:
            raise ValueError(f"{self.name}: batch_size {batch_size} > max_batch_size {self.max_batch_size}")
        g = torch.Generator().manual_seed(seed)
        kwargs = self.inputs(batch_size, g)
        if minimal and self.minimal_inputs is not None:
            kwargs.update(self.minimal_inputs(batch_size, g))
        kwargs.update(overrides)
        if t is not None:
            kwargs = self.with_timestep(kwargs, t)
        return kwargs

    def with_timestep(self, kwargs: dict, t: float) -> dict:
        out = dict(kwargs)
        for key in (self.timestep_kwarg, *self.extra_timestep_kwargs):
            if key:  # "" = the model takes no timestep
                out[key] = _fill_like(kwargs[key], t)
        return out

    def timesteps(self, num_steps: int) -> list[float]:
        fn = SCALES[self.timestep_scale][1]
        return [float(fn(1.0 - i / num_steps)) for i in range(num_steps)]

    def output_tensor(self, out: Any) -> torch.Tensor:
        return _main_output(out, self.output_key)

    # -- probe ---------------------------------------------------------------------------------------------------
    @property
    def probe(self) -> dict:
        """Recorded facts of the normal config (tests/families_probe.json)."""
        return PROBED.get(self.name, {})

    @property
    def probe_minimal(self) -> dict:
        """Recorded facts of the minimal config."""
        return PROBED_MINIMAL.get(self.name, {})

    def probe_for(self, minimal: bool) -> dict:
        return self.probe_minimal if minimal else self.probe


def _zero_params(model: nn.Module):
    """Weights (dim >= 2) or gate/scale vectors that are exactly zero after construction: zero-init projections."""
    for n, p in model.named_parameters():
        if p.numel() > 0 and not torch.is_floating_point(p):
            continue
        if p.numel() > 1 and bool((p == 0).all()) and (p.dim() >= 2 or not n.endswith("bias")):
            yield n, p


def _fill_like(value, t: float):
    if isinstance(value, torch.Tensor):
        if value.dtype.is_floating_point:
            return torch.full_like(value, float(t))
        return torch.full_like(value, int(round(t)))
    if isinstance(value, (list, tuple)):
        return type(value)(_fill_like(v, t) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(round(t))
    return float(t)


def _main_output(out: Any, key=None) -> torch.Tensor:
    if key is not None:
        out = out[key] if not isinstance(key, str) or isinstance(out, dict) else getattr(out, key)
        return _main_output(out)
    if isinstance(out, torch.Tensor):
        return out
    if hasattr(out, "sample"):
        return _main_output(out.sample)
    if isinstance(out, dict):
        return _main_output(next(iter(out.values())))
    if hasattr(out, "to_tuple"):
        return _main_output(out.to_tuple()[0])
    if isinstance(out, (list, tuple)):
        if (
            len(out)
            and all(isinstance(o, torch.Tensor) for o in out)
            and len({o.shape for o in out}) == 1
            and not isinstance(out, tuple)
        ):
            return torch.stack(list(out))
        return _main_output(out[0])
    raise TypeError(f"cannot find the main output tensor in {type(out).__name__}")


FAMILIES: dict[str, Family] = {}


def _register(name, cls_name, build, inputs, timestep_kwarg="timestep", timestep_scale="descending_1000", **kw):
    FAMILIES[name] = Family(name, cls_name, build, inputs, timestep_kwarg, timestep_scale, **kw)


def _cls(name):
    import diffusers.models.transformers as T

    return getattr(T, name)


@dataclasses.dataclass(frozen=True)
class _Build:
    """``cls_name(**config)``; keyword arguments of a call override the config (the minimal config)."""

    cls_name: str
    config: dict

    def __call__(self, **overrides) -> nn.Module:
        return _cls(self.cls_name)(**{**self.config, **overrides})


def _mk(cls_name, **config):
    return _Build(cls_name, config)


def _rn(g, *shape):
    return torch.randn(*shape, generator=g)


def _ri(g, high, *shape):
    return torch.randint(0, high, shape, generator=g)


def _t(b, v=500.0):
    return torch.full((b,), float(v))


def _ti(b, v=500):
    return torch.full((b,), int(v), dtype=torch.long)


def _flux_ids(h, w, txt_len, n_axes=3):
    img = torch.zeros(h, w, 3)
    img[..., 1] = torch.arange(h)[:, None]
    img[..., 2] = torch.arange(w)[None, :]
    img = img.reshape(h * w, 3)
    txt = torch.zeros(txt_len, 3)
    return img, txt


# ====================================================================================================================
# class-conditional / PixArt-style DiTs
# ====================================================================================================================

_register(
    "dit",
    "DiTTransformer2DModel",
    _mk(
        "DiTTransformer2DModel",
        in_channels=4,
        out_channels=8,
        activation_fn="gelu-approximate",
        num_attention_heads=2,
        attention_head_dim=8,
        attention_bias=True,
        num_layers=4,
        norm_type="ada_norm_zero",
        num_embeds_ada_norm=1000,
        patch_size=2,
        sample_size=8,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), timestep=_ti(b), class_labels=_ri(g, 10, b)),
    notes="DiTPipeline passes scheduler timesteps (DDIM/DDPM, 999..0).",
    minimal=dict(num_layers=1),
)

_register(
    "pixart",
    "PixArtTransformer2DModel",
    _mk(
        "PixArtTransformer2DModel",
        sample_size=8,
        num_layers=4,
        patch_size=2,
        attention_head_dim=8,
        num_attention_heads=2,
        in_channels=4,
        cross_attention_dim=16,
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
        use_additional_conditions=False,
        caption_channels=32,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 6, 32),
        timestep=_ti(b),
        added_cond_kwargs={"resolution": None, "aspect_ratio": None},
    ),
    notes="PixArt-alpha/sigma; also used by the PAG and Sana-Sprint-like pipelines.",
    minimal=dict(num_layers=1),
)

_register(
    "transformer_2d",
    "Transformer2DModel",
    _mk(
        "Transformer2DModel",
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=4,
        out_channels=8,
        num_layers=4,
        patch_size=2,
        sample_size=8,
        norm_type="ada_norm_zero",
        num_embeds_ada_norm=1000,
        activation_fn="gelu-approximate",
        attention_bias=True,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), timestep=_ti(b), class_labels=_ri(g, 10, b)),
    notes="Generic legacy class; configured in its patched ada_norm_zero (DiT) mode so that t matters. In UNets it "
    "runs with continuous inputs + layer_norm, where the timestep is ignored.",
    minimal=dict(num_layers=1),
)

_register(
    "dual_transformer_2d",
    "DualTransformer2DModel",
    _mk(
        "DualTransformer2DModel",
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=16,
        num_layers=3,
        norm_num_groups=4,
        cross_attention_dim=8,
        attention_bias=True,
        sample_size=4,
        activation_fn="geglu",
        num_embeds_ada_norm=None,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4, 4), encoder_hidden_states=_rn(g, b, 77 + 257, 8), timestep=_ti(b)),
    notes="Versatile-Diffusion UNet sub-module: two Transformer2DModels (`transformers.0/1.transformer_blocks`) mixed "
    "by mix_ratio; condition lengths fixed to 77 + 257 tokens. layer_norm blocks: the timestep is unused.",
    minimal=dict(num_layers=1),
)

_register(
    "dreamlite_transformer_2d",
    "DreamLiteTransformer2DModel",
    _mk(
        "DreamLiteTransformer2DModel",
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=16,
        out_channels=16,
        num_layers=4,
        norm_num_groups=4,
        cross_attention_dim=8,
        attention_bias=True,
        activation_fn="geglu",
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4, 4), encoder_hidden_states=_rn(g, b, 6, 8), timestep=_ti(b)),
    notes="DreamLite UNet sub-module (continuous inputs, layer_norm blocks): the timestep is unused.",
    minimal=dict(num_layers=1),
)

_register(
    "transformer_temporal",
    "TransformerTemporalModel",
    _mk(
        "TransformerTemporalModel",
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=16,
        num_layers=4,
        norm_num_groups=4,
    ),
    lambda b, g: dict(hidden_states=_rn(g, 2 * b, 16, 4, 4), timestep=_ti(2 * b), num_frames=2),
    notes="AnimateDiff/I2VGen temporal sub-module; hidden_states is (batch*frames, C, H, W), 2 frames. The timestep "
    "is unused by its layer_norm blocks.",
    minimal=dict(num_layers=1),
)

_register(
    "prior",
    "PriorTransformer",
    _mk(
        "PriorTransformer",
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=4,
        embedding_dim=16,
        num_embeddings=7,
        additional_embeddings=4,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16),
        timestep=_ti(b),
        proj_embedding=_rn(g, b, 16),
        encoder_hidden_states=_rn(g, b, 7, 16),
    ),
    output_key="predicted_image_embedding",
    notes="unCLIP/Kandinsky prior; output is PriorTransformerOutput(predicted_image_embedding).",
    minimal=dict(num_layers=1),
)

_register(
    "t5_film",
    "T5FilmDecoder",
    _mk(
        "T5FilmDecoder",
        input_dims=8,
        targets_length=16,
        max_decoder_noise_time=2000.0,
        d_model=16,
        num_layers=4,
        num_heads=2,
        d_kv=8,
        d_ff=32,
        dropout_rate=0.0,
    ),
    lambda b, g: dict(
        encodings_and_masks=[(_rn(g, b, 6, 16), torch.ones(b, 6, dtype=torch.bool))],
        decoder_input_tokens=_rn(g, b, 16, 8),
        decoder_noise_time=_t(b, 0.5),
    ),
    timestep_kwarg="decoder_noise_time",
    timestep_scale="descending_0_1",
    notes="Spectrogram-diffusion decoder; the pipeline passes t/num_train_timesteps in [0, 1). Returns a bare tensor.",
    minimal=dict(num_layers=1),
)

# ====================================================================================================================
# MMDiT / Flux-like
# ====================================================================================================================

_register(
    "sd3",
    "SD3Transformer2DModel",
    _mk(
        "SD3Transformer2DModel",
        sample_size=8,
        patch_size=2,
        in_channels=4,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        caption_projection_dim=16,
        joint_attention_dim=16,
        pooled_projection_dim=16,
        out_channels=4,
        pos_embed_max_size=16,
        dual_attention_layers=(),
        qk_norm=None,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 8, 16),
        pooled_projections=_rn(g, b, 16),
        timestep=_t(b),
    ),
    notes="SD3 pipelines pass the flow-matching timesteps (sigma*1000) as is.",
    minimal=dict(num_layers=1),
)

_register(
    "sd35",
    "SD3Transformer2DModel",
    _mk(
        "SD3Transformer2DModel",
        sample_size=8,
        patch_size=2,
        in_channels=4,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        caption_projection_dim=16,
        joint_attention_dim=16,
        pooled_projection_dim=16,
        out_channels=4,
        pos_embed_max_size=16,
        dual_attention_layers=(0, 1),
        qk_norm="rms_norm",
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 8, 16),
        pooled_projections=_rn(g, b, 16),
        timestep=_t(b),
    ),
    notes="SD3.5 variant: qk rms_norm and MMDiT-X dual attention in blocks 0 and 1 (heterogeneous blocks in one list).",
    minimal=dict(num_layers=1, dual_attention_layers=(0,)),
)

_register(
    "auraflow",
    "AuraFlowTransformer2DModel",
    _mk(
        "AuraFlowTransformer2DModel",
        sample_size=8,
        patch_size=2,
        in_channels=4,
        num_mmdit_layers=3,
        num_single_dit_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        caption_projection_dim=16,
        joint_attention_dim=16,
        out_channels=4,
        pos_embed_max_size=16,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_t(b, 0.5)),
    timestep_scale="descending_0_1",
    notes="AuraFlowPipeline passes t/1000.",
    minimal=dict(num_mmdit_layers=1, num_single_dit_layers=1),
)

_register(
    "flux",
    "FluxTransformer2DModel",
    _mk(
        "FluxTransformer2DModel",
        patch_size=1,
        in_channels=4,
        num_layers=4,
        num_single_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        pooled_projection_dim=16,
        guidance_embeds=True,
        axes_dims_rope=[4, 4, 8],
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        pooled_projections=_rn(g, b, 16),
        img_ids=_flux_ids(4, 4, 8)[0],
        txt_ids=_flux_ids(4, 4, 8)[1],
        timestep=_t(b, 0.5),
        guidance=_t(b, 3.5),
    ),
    timestep_scale="descending_0_1",
    notes="Flux-dev style (guidance_embeds=True); pipelines pass timestep/1000. Model multiplies by 1000 inside.",
    minimal=dict(num_layers=1, num_single_layers=1),
)

_register(
    "flux2",
    "Flux2Transformer2DModel",
    _mk(
        "Flux2Transformer2DModel",
        patch_size=1,
        in_channels=4,
        num_layers=4,
        num_single_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        timestep_guidance_channels=32,
        axes_dims_rope=[4, 4, 4, 4],
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        img_ids=torch.cartesian_prod(torch.arange(1), torch.arange(4), torch.arange(4), torch.arange(1))
        .unsqueeze(0)
        .expand(b, -1, -1),
        txt_ids=torch.cartesian_prod(torch.arange(1), torch.arange(1), torch.arange(1), torch.arange(8))
        .unsqueeze(0)
        .expand(b, -1, -1),
        timestep=_t(b, 0.5),
        guidance=_t(b, 1.0),
    ),
    timestep_scale="descending_0_1",
    notes="FLUX.2; pipelines pass timestep/1000; 4-axis ids with a batch dim.",
    minimal=dict(num_layers=1, num_single_layers=1),
)

_register(
    "flux3",
    "Flux3Transformer2DModel",
    _mk(
        "Flux3Transformer2DModel",
        in_channels=4,
        cond_in_channels=4,
        num_layers=3,
        num_single_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        timestep_channels=32,
        mlp_ratio=2.0,
        axes_dims_rope=(4, 4, 4, 4),
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        timestep=_t(b, 0.5),
        img_ids=torch.cartesian_prod(torch.arange(1), torch.arange(4), torch.arange(4), torch.arange(1)).float(),
        txt_ids=torch.cartesian_prod(torch.arange(1), torch.arange(1), torch.arange(1), torch.arange(8)).float(),
    ),
    timestep_scale="descending_0_1",
    notes="FLUX.3: per-mode blocks live in a ModuleDict of ModuleLists (`mode_blocks.image.N`) next to "
    "`txt_mode_blocks` and `single_transformer_blocks`; timestep in [0, 1] (x1000 inside). No diffusers test "
    "upstream at 0.42.1; config written from the source.",
    minimal=dict(num_layers=1, num_single_layers=1),
)

_register(
    "chroma",
    "ChromaTransformer2DModel",
    _mk(
        "ChromaTransformer2DModel",
        patch_size=1,
        in_channels=4,
        num_layers=4,
        num_single_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        axes_dims_rope=[4, 4, 8],
        approximator_num_channels=8,
        approximator_hidden_dim=16,
        approximator_layers=1,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        img_ids=_flux_ids(4, 4, 8)[0],
        txt_ids=_flux_ids(4, 4, 8)[1],
        timestep=_t(b, 0.5),
    ),
    timestep_scale="descending_0_1",
    notes="Chroma pipelines pass timestep/1000.",
    minimal=dict(num_layers=1, num_single_layers=1),
)

_register(
    "bria",
    "BriaTransformer2DModel",
    _mk(
        "BriaTransformer2DModel",
        patch_size=1,
        in_channels=4,
        num_layers=4,
        num_single_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        joint_attention_dim=16,
        pooled_projection_dim=None,
        axes_dims_rope=[0, 4, 4],
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        img_ids=_flux_ids(4, 4, 8)[0],
        txt_ids=_flux_ids(4, 4, 8)[1],
        timestep=_t(b),
    ),
    notes="BriaPipeline passes the scheduler timesteps (sigma*1000) as is.",
    minimal=dict(num_layers=1, num_single_layers=1),
)

_register(
    "bria_fibo",
    "BriaFiboTransformer2DModel",
    _mk(
        "BriaFiboTransformer2DModel",
        patch_size=1,
        in_channels=16,
        num_layers=4,
        num_single_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        joint_attention_dim=32,
        text_encoder_dim=16,
        pooled_projection_dim=None,
        axes_dims_rope=[0, 4, 4],
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 16),
        encoder_hidden_states=_rn(g, b, 8, 32),
        img_ids=_flux_ids(4, 4, 8)[0],
        txt_ids=_flux_ids(4, 4, 8)[1],
        timestep=_t(b),
        text_encoder_layers=[_rn(g, b, 8, 16) for _ in range(8)],
    ),
    notes="FIBO: one text-encoder layer per block (num_layers + num_single_layers of them).",
    minimal=dict(num_layers=1, num_single_layers=1),
    minimal_inputs=lambda b, g: dict(text_encoder_layers=[_rn(g, b, 8, 16) for _ in range(2)]),
)

_register(
    "longcat_image",
    "LongCatImageTransformer2DModel",
    _mk(
        "LongCatImageTransformer2DModel",
        patch_size=1,
        in_channels=4,
        num_layers=4,
        num_single_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        pooled_projection_dim=16,
        axes_dims_rope=[4, 4, 8],
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        img_ids=_flux_ids(4, 4, 8)[0],
        txt_ids=_flux_ids(4, 4, 8)[1],
        timestep=_t(b, 0.5),
        guidance=_t(b, 3.5),
    ),
    timestep_scale="descending_0_1",
    notes="LongCat-Image pipelines pass timestep/1000.",
    minimal=dict(num_layers=1, num_single_layers=1),
)

_register(
    "ovis_image",
    "OvisImageTransformer2DModel",
    _mk(
        "OvisImageTransformer2DModel",
        patch_size=1,
        in_channels=4,
        out_channels=4,
        num_layers=4,
        num_single_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        axes_dims_rope=(4, 4, 8),
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        img_ids=_flux_ids(4, 4, 8)[0],
        txt_ids=_flux_ids(4, 4, 8)[1],
        timestep=_t(b, 0.5),
    ),
    timestep_scale="descending_0_1",
    notes="Ovis-Image pipeline passes timestep/1000.",
    minimal=dict(num_layers=1, num_single_layers=1),
)

_register(
    "hidream",
    "HiDreamImageTransformer2DModel",
    _mk(
        "HiDreamImageTransformer2DModel",
        patch_size=2,
        in_channels=4,
        out_channels=4,
        num_layers=3,
        num_single_layers=3,
        attention_head_dim=8,
        num_attention_heads=2,
        caption_channels=[8, 4],
        text_emb_dim=8,
        num_routed_experts=2,
        num_activated_experts=2,
        axes_dims_rope=(4, 2, 2),
        max_resolution=(8, 8),
        llama_layers=(0, 1, 2, 3, 4, 5),
        force_inference_output=True,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states_t5=_rn(g, b, 6, 8),
        encoder_hidden_states_llama3=_rn(g, 6, b, 6, 4),
        pooled_embeds=_rn(g, b, 8),
        timesteps=_t(b),
    ),
    timestep_kwarg="timesteps",
    notes="Timestep kwarg is `timesteps`; one llama layer per block (llama_layers indexes "
    "encoder_hidden_states_llama3[layer]). MoE feed-forward (2 routed experts).",
    minimal=dict(num_layers=1, num_single_layers=1, llama_layers=(0, 1)),
)

_register(
    "hunyuan_dit",
    "HunyuanDiT2DModel",
    _mk(
        "HunyuanDiT2DModel",
        sample_size=8,
        patch_size=2,
        in_channels=4,
        num_layers=6,
        attention_head_dim=8,
        num_attention_heads=2,
        cross_attention_dim=8,
        cross_attention_dim_t5=8,
        pooled_projection_dim=4,
        hidden_size=16,
        text_len=4,
        text_len_t5=4,
        activation_fn="gelu-approximate",
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 4, 8),
        text_embedding_mask=torch.ones(b, 4),
        encoder_hidden_states_t5=_rn(g, b, 4, 8),
        text_embedding_mask_t5=torch.ones(b, 4),
        timestep=_t(b),
        image_meta_size=torch.tensor([[1024.0, 1024, 16, 16, 0, 0]]).repeat(b, 1),
        style=torch.zeros(b, dtype=torch.long),
        image_rotary_emb=[torch.ones(16, 8), torch.zeros(16, 8)],
    ),
    notes="U-shaped long skips: blocks 0..num_layers//2-2 push their output, blocks num_layers//2+1.. pop one "
    "(skip_linear); 6 layers: 0,1 push, 4,5 pop.",
    minimal=dict(num_layers=1),
)

_register(
    "cogview3plus",
    "CogView3PlusTransformer2DModel",
    _mk(
        "CogView3PlusTransformer2DModel",
        patch_size=2,
        in_channels=4,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        out_channels=4,
        text_embed_dim=8,
        time_embed_dim=8,
        condition_dim=2,
        pos_embed_max_size=8,
        sample_size=8,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 8, 8),
        original_size=torch.tensor([[64, 64]]).repeat(b, 1),
        target_size=torch.tensor([[64, 64]]).repeat(b, 1),
        crop_coords=torch.tensor([[0, 0]]).repeat(b, 1),
        timestep=_ti(b),
    ),
    minimal=dict(num_layers=1),
)

_register(
    "cogview4",
    "CogView4Transformer2DModel",
    _mk(
        "CogView4Transformer2DModel",
        patch_size=2,
        in_channels=4,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        out_channels=4,
        text_embed_dim=8,
        time_embed_dim=8,
        condition_dim=4,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 8, 8),
        timestep=_t(b),
        original_size=torch.tensor([[64, 64]]).repeat(b, 1),
        target_size=torch.tensor([[64, 64]]).repeat(b, 1),
        crop_coords=torch.tensor([[0, 0]]).repeat(b, 1),
    ),
    minimal=dict(num_layers=1),
)

_register(
    "glm_image",
    "GlmImageTransformer2DModel",
    _mk(
        "GlmImageTransformer2DModel",
        patch_size=2,
        in_channels=4,
        out_channels=4,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        text_embed_dim=16,
        time_embed_dim=16,
        condition_dim=8,
        prior_vq_quantizer_codebook_size=64,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 6, 16),
        prior_token_id=_ri(g, 64, b, 16),
        prior_token_drop=torch.zeros(b, dtype=torch.bool),
        timestep=_ti(b),
        target_size=torch.tensor([[8.0, 8.0]]).repeat(b, 1),
        crop_coords=torch.zeros(b, 2),
    ),
    timestep_scale="glm_1000_minus_1",
    notes="GLM-Image pipeline passes t - 1.",
    minimal=dict(num_layers=1),
)

_register(
    "lumina_next",
    "LuminaNextDiT2DModel",
    _mk(
        "LuminaNextDiT2DModel",
        sample_size=8,
        patch_size=2,
        in_channels=4,
        hidden_size=24,
        num_layers=4,
        num_attention_heads=3,
        num_kv_heads=1,
        multiple_of=16,
        ffn_dim_multiplier=None,
        norm_eps=1e-5,
        learn_sigma=False,
        qk_norm=True,
        cross_attention_dim=16,
        scaling_factor=1.0,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 6, 16),
        timestep=_t(b, 0.5),
        encoder_mask=torch.ones(b, 6),
        image_rotary_emb=_lumina_next_rope(),
        cross_attention_kwargs={},
    ),
    timestep_scale="ascending_0_1",
    notes="Lumina-Next; pipeline passes 1 - t/1000; image_rotary_emb is precomputed by the pipeline.",
    minimal=dict(num_layers=1),
)


def _lumina_next_rope():
    from diffusers.models.embeddings import get_2d_rotary_pos_embed_lumina

    return get_2d_rotary_pos_embed_lumina(8, 64, 64, linear_factor=1.0, ntk_factor=1.0)


_register(
    "lumina2",
    "Lumina2Transformer2DModel",
    _mk(
        "Lumina2Transformer2DModel",
        sample_size=8,
        patch_size=2,
        in_channels=4,
        hidden_size=24,
        num_layers=4,
        num_refiner_layers=3,
        num_attention_heads=3,
        num_kv_heads=1,
        multiple_of=2,
        ffn_dim_multiplier=None,
        norm_eps=1e-5,
        scaling_factor=1.0,
        axes_dim_rope=(4, 2, 2),
        axes_lens=(64, 64, 64),
        cap_feat_dim=16,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 6, 16),
        timestep=_t(b, 0.5),
        encoder_attention_mask=torch.ones(b, 6, dtype=torch.bool),
    ),
    timestep_scale="ascending_0_1",
    notes="Lumina-Image-2.0; pipeline passes 1 - t/1000. noise_refiner/context_refiner stacks before `layers`.",
    minimal=dict(num_layers=1, num_refiner_layers=1),
)

_register(
    "z_image",
    "ZImageTransformer2DModel",
    _mk(
        "ZImageTransformer2DModel",
        all_patch_size=(2,),
        all_f_patch_size=(1,),
        in_channels=4,
        dim=32,
        n_layers=4,
        n_refiner_layers=3,
        n_heads=2,
        n_kv_heads=2,
        qk_norm=True,
        cap_feat_dim=16,
        rope_theta=256.0,
        t_scale=1000.0,
        axes_dims=[8, 4, 4],
        axes_lens=[64, 32, 32],
    ),
    lambda b, g: dict(
        x=[_rn(g, 4, 1, 8, 8) for _ in range(b)], t=_t(b, 0.5), cap_feats=[_rn(g, 6, 16) for _ in range(b)]
    ),
    timestep_kwarg="t",
    timestep_scale="ascending_0_1",
    notes="List-of-samples API (x, cap_feats are lists, one tensor per sample); pipeline passes (1000 - t)/1000; "
    "returns a list of tensors (output_tensor stacks them).",
    minimal=dict(n_layers=1, n_refiner_layers=1),
)

_register(
    "bria_fibo2",
    "BriaFibo2Transformer2DModel",
    _mk(
        "BriaFibo2Transformer2DModel",
        in_channels=4,
        patch_size=2,
        dim=32,
        n_layers=4,
        n_refiner_layers=3,
        n_heads=2,
        cap_feat_dim=24,
        injection_layer_ids=(1,),
        perceiver_num_layers=1,
        min_num_gist_tokens=4,
        max_num_gist_tokens=8,
        gist_step=4,
        gist_min_text_len=4,
        gist_max_text_len=16,
        axes_dims=(4, 6, 6),
        axes_lens=(16, 16, 16),
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), timestep=_t(b, 0.5), encoder_hidden_states=_rn(g, b, 2, 6, 24)),
    timestep_scale="descending_0_1",
    notes="Z-Image-derived; pipeline passes t/1000. Same block class runs in the noise refiner, the main `layers` "
    "and the injection layers.",
    minimal=dict(n_layers=1, n_refiner_layers=1, injection_layer_ids=(0,)),
)

_register(
    "qwenimage",
    "QwenImageTransformer2DModel",
    _mk(
        "QwenImageTransformer2DModel",
        patch_size=2,
        in_channels=16,
        out_channels=4,
        num_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        guidance_embeds=False,
        axes_dims_rope=(8, 4, 4),
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 16),
        encoder_hidden_states=_rn(g, b, 8, 16),
        encoder_hidden_states_mask=torch.ones(b, 8, dtype=torch.long),
        timestep=_t(b, 0.5),
        img_shapes=[(1, 4, 4)] * b,
    ),
    timestep_scale="descending_0_1",
    notes="Qwen-Image pipelines pass timestep/1000; img_shapes is a python list (one (F, H, W) per sample).",
    minimal=dict(num_layers=1),
)

_register(
    "qwenimage21",
    "QwenImage21Transformer2DModel",
    _mk(
        "QwenImage21Transformer2DModel",
        patch_size=1,
        in_channels=4,
        out_channels=4,
        num_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        context_in_dim=8,
        mlp_ratio=2,
        axes_dims_rope=(4, 6, 6),
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4),
        encoder_hidden_states=_rn(g, b, 4, 8),
        encoder_hidden_states_mask=torch.ones(b, 4, dtype=torch.long),
        timestep=_t(b, 0.5),
        img_shapes=[[(1, 4, 4)]] * b,
        img_mask=torch.cat([torch.zeros(b, 4, dtype=torch.bool), torch.ones(b, 4, dtype=torch.bool)], 1),
    ),
    timestep_scale="descending_0_1",
    notes="Qwen-Image 2.1: block-causal attention via flex_attention BlockMask; pipeline passes timestep/1000.",
    minimal=dict(num_layers=1),
)

_register(
    "nucleusmoe_image",
    "NucleusMoEImageTransformer2DModel",
    _mk(
        "NucleusMoEImageTransformer2DModel",
        patch_size=2,
        in_channels=16,
        out_channels=4,
        num_layers=4,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=16,
        axes_dims_rope=(8, 4, 4),
        moe_enabled=False,
        capacity_factors=[8.0] * 4,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 16),
        encoder_hidden_states=_rn(g, b, 8, 16),
        encoder_hidden_states_mask=torch.ones(b, 8, dtype=torch.long),
        timestep=_t(b, 0.5),
        img_shapes=[(1, 4, 4)] * b,
    ),
    timestep_scale="descending_0_1",
    notes="Pipeline passes t/num_train_timesteps. MoE disabled in the tiny config.",
    minimal=dict(num_layers=1, capacity_factors=[8.0]),
)

_register(
    "ernie_image",
    "ErnieImageTransformer2DModel",
    _mk(
        "ErnieImageTransformer2DModel",
        hidden_size=16,
        num_attention_heads=1,
        num_layers=4,
        ffn_hidden_size=16,
        in_channels=16,
        out_channels=16,
        patch_size=1,
        text_in_dim=16,
        rope_theta=256,
        rope_axes_dim=(8, 4, 4),
        eps=1e-6,
        qk_layernorm=True,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 16, 4, 4),
        timestep=_t(b),
        text_bth=_rn(g, b, 6, 16),
        text_lens=torch.full((b,), 6, dtype=torch.long),
    ),
    notes="Pipeline passes the scheduler's timesteps (sigma*1000).",
    minimal=dict(num_layers=1),
)

_register(
    "prx",
    "PRXTransformer2DModel",
    _mk(
        "PRXTransformer2DModel",
        in_channels=4,
        patch_size=2,
        context_in_dim=16,
        hidden_size=32,
        mlp_ratio=2.0,
        num_heads=2,
        depth=4,
        axes_dim=[8, 8],
        theta=10000,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_t(b, 0.5)),
    timestep_scale="descending_0_1",
    notes="PRX (Photoroom): pipeline passes t/num_train_timesteps.",
    minimal=dict(depth=1),
)

_register(
    "ideogram4",
    "Ideogram4Transformer2DModel",
    _mk(
        "Ideogram4Transformer2DModel",
        in_channels=16,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        intermediate_size=32,
        adaln_dim=16,
        llm_features_dim=24,
        rope_theta=10000,
        mrope_section=(2, 1, 1),
        norm_eps=1e-5,
    ),
    lambda b, g: _ideogram4_inputs(b, g),
    timestep_scale="ascending_0_1",
    notes="Text and image tokens share one sequence (indicator/segment ids); pipeline passes 1 - t/1000.",
    minimal=dict(num_layers=1),
)


def _ideogram4_inputs(b, g, n_txt=4, n_img=4):
    seq = n_txt + n_img
    hs = torch.zeros(b, seq, 16)
    hs[:, n_txt:] = _rn(g, b, n_img, 16)
    ehs = torch.zeros(b, seq, 24)
    ehs[:, :n_txt] = _rn(g, b, n_txt, 24)
    pos = torch.zeros(b, seq, 3, dtype=torch.long)
    pos[:, :n_txt] = torch.arange(n_txt)[:, None]
    off = 16384
    pos[:, n_txt:, 0] = off
    pos[:, n_txt:, 1] = torch.tensor([0, 0, 1, 1]) + off
    pos[:, n_txt:, 2] = torch.tensor([0, 1, 0, 1]) + off
    ind = torch.empty(b, seq, dtype=torch.long)
    ind[:, :n_txt] = 1
    ind[:, n_txt:] = 3
    return dict(
        hidden_states=hs,
        encoder_hidden_states=ehs,
        timestep=_t(b, 0.5),
        position_ids=pos,
        segment_ids=torch.ones(b, seq, dtype=torch.long),
        indicator=ind,
    )


_register(
    "krea2",
    "Krea2Transformer2DModel",
    _mk(
        "Krea2Transformer2DModel",
        in_channels=16,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        num_key_value_heads=1,
        intermediate_size=32,
        timestep_embed_dim=8,
        text_hidden_dim=16,
        num_text_layers=3,
        text_num_attention_heads=2,
        text_num_key_value_heads=1,
        text_intermediate_size=16,
        num_layerwise_text_blocks=1,
        num_refiner_text_blocks=1,
        axes_dims_rope=(4, 2, 2),
        rope_theta=1000.0,
        norm_eps=1e-5,
    ),
    lambda b, g: _krea2_inputs(b, g),
    timestep_scale="descending_0_1",
    notes="Pipeline passes t/num_train_timesteps.",
    minimal=dict(num_layers=1),
)


def _krea2_inputs(b, g, h=2, w=2, n_txt=4):
    pos = torch.zeros(n_txt + h * w, 3)
    pos[n_txt:, 1] = torch.arange(h).repeat_interleave(w)
    pos[n_txt:, 2] = torch.arange(w).repeat(h)
    mask = torch.ones(b, n_txt, dtype=torch.bool)
    mask[:, -1] = False
    return dict(
        hidden_states=_rn(g, b, h * w, 16),
        encoder_hidden_states=_rn(g, b, n_txt, 3, 16),
        timestep=_t(b, 0.5),
        position_ids=pos,
        encoder_attention_mask=mask,
    )


_register(
    "sana",
    "SanaTransformer2DModel",
    _mk(
        "SanaTransformer2DModel",
        patch_size=1,
        in_channels=4,
        out_channels=4,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        num_cross_attention_heads=2,
        cross_attention_head_dim=8,
        cross_attention_dim=16,
        caption_channels=8,
        sample_size=8,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 6, 8), timestep=_t(b)),
    notes="SanaPipeline passes t * config.timestep_scale (1.0). Linear attention + Mix-FFN (conv) blocks.",
    minimal=dict(num_layers=1),
)

_register(
    "omnigen",
    "OmniGenTransformer2DModel",
    _mk(
        "OmniGenTransformer2DModel",
        hidden_size=16,
        num_attention_heads=4,
        num_key_value_heads=4,
        intermediate_size=32,
        num_layers=4,
        pad_token_id=0,
        vocab_size=100,
        in_channels=4,
        time_step_dim=4,
        rope_scaling={"long_factor": [1, 2], "short_factor": [1, 2]},
    ),
    lambda b, g: _omnigen_inputs(b, g),
    timestep_scale="ascending_0_1",
    notes="Phi-3 style LLM over [text, time token, image] tokens; scheduler has invert_sigmas=True, "
    "num_train_timesteps=1, so t = 1 - sigma.",
    minimal=dict(num_layers=1),
)


def _omnigen_inputs(b, g, seq=12, h=8, w=8):
    n = seq + 1 + (h // 2) * (w // 2)
    return dict(
        hidden_states=_rn(g, b, 4, h, w),
        timestep=_t(b, 0.5),
        input_ids=_ri(g, 10, b, seq),
        input_img_latents=[],
        input_image_sizes={},
        attention_mask=torch.ones(b, n, n),
        position_ids=torch.arange(n).unsqueeze(0).repeat(b, 1),
    )


_register(
    "stable_audio",
    "StableAudioDiTModel",
    _mk(
        "StableAudioDiTModel",
        sample_size=8,
        in_channels=4,
        num_layers=4,
        attention_head_dim=8,
        num_attention_heads=2,
        num_key_value_attention_heads=1,
        out_channels=4,
        cross_attention_dim=16,
        time_proj_dim=8,
        global_states_input_dim=8,
        cross_attention_input_dim=8,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 8),
        timestep=_t(b, 0.5),
        encoder_hidden_states=_rn(g, b, 6, 8),
        global_hidden_states=_rn(g, b, 1, 8),
        rotary_embedding=_stable_audio_rope(8 + 1, 8 // 2),
    ),
    timestep_scale="cosine_dpm",
    notes="Stable Audio Open: CosineDPMSolverMultistepScheduler timesteps (atan(sigma)*2/pi); rotary table built by "
    "the pipeline for latent length + 1 global token.",
    minimal=dict(num_layers=1),
)


def _stable_audio_rope(n, dim):
    from diffusers.models.embeddings import get_1d_rotary_pos_embed

    return get_1d_rotary_pos_embed(dim, n, use_real=True, repeat_interleave_real=False)


_register(
    "stable_audio3",
    "StableAudio3DiTModel",
    _mk(
        "StableAudio3DiTModel",
        io_channels=8,
        patch_size=1,
        embed_dim=32,
        depth=4,
        num_heads=2,
        cond_token_dim=16,
        global_cond_dim=12,
        local_add_cond_dim=5,
        timestep_features_dim=16,
        ff_mult=2,
        num_memory_tokens=3,
        use_differential_attention=False,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 8, 16),
        timestep=_t(b, 0.5),
        encoder_hidden_states=_rn(g, b, 4, 16),
        global_hidden_states=_rn(g, b, 12),
    ),
    timestep_scale="descending_0_1",
    notes="Flow matching with logSNR sigma schedule; the pipeline passes the scheduler timestep (sigma scale).",
    minimal=dict(depth=1),
)

_register(
    "ace_step",
    "AceStepTransformer1DModel",
    _mk(
        "AceStepTransformer1DModel",
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=4,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        in_channels=24,
        audio_acoustic_hidden_dim=8,
        patch_size=2,
        rope_theta=10000.0,
        rms_norm_eps=1e-6,
        sliding_window=16,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 8, 8),
        timestep=_t(b, 0.5),
        timestep_r=_t(b, 0.5),
        encoder_hidden_states=_rn(g, b, 6, 32),
        context_latents=_rn(g, b, 8, 16),
    ),
    timestep_scale="descending_0_1",
    extra_timestep_kwargs=("timestep_r",),
    notes="ACE-Step 1.5: pipeline passes t in [0, 1] as both timestep and timestep_r.",
    minimal=dict(num_hidden_layers=1),
)

_register(
    "longcat_audio_dit",
    "LongCatAudioDiTTransformer",
    _mk(
        "LongCatAudioDiTTransformer",
        dit_dim=32,
        dit_depth=4,
        dit_heads=2,
        dit_text_dim=16,
        latent_dim=8,
        text_conv=False,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 8, 8),
        encoder_hidden_states=_rn(g, b, 6, 16),
        encoder_attention_mask=torch.ones(b, 6, dtype=torch.bool),
        attention_mask=torch.ones(b, 8, dtype=torch.bool),
        timestep=_t(b, 0.5),
    ),
    timestep_scale="ascending_0_1",
    notes="Scheduler invert_sigmas=True; pipeline passes t/num_train_timesteps, i.e. 1 - sigma.",
    minimal=dict(dit_depth=1),
)

_register(
    "minimax_music3",
    "MiniMaxMusic3Transformer1DModel",
    _mk(
        "MiniMaxMusic3Transformer1DModel",
        in_channels=8,
        condition_dim=16,
        num_layers=4,
        num_attention_heads=2,
        attention_head_dim=8,
        ff_inner_dim=32,
        rotary_dim=4,
        fourier_embedding_dim=8,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 8, 12), encoder_hidden_states=_rn(g, b, 12, 16), timestep=_t(b, 0.5)),
    timestep_scale="ascending_0_1",
    notes="Scheduler invert_sigmas=True, num_train_timesteps=1 (modular pipeline).",
    minimal=dict(num_layers=1),
)

_register(
    "minimax_music3_rvq_depth",
    "MiniMaxMusic3RVQDepthDecoder",
    _mk(
        "MiniMaxMusic3RVQDepthDecoder",
        hidden_size=32,
        num_layers=4,
        num_attention_heads=2,
        intermediate_size=64,
        audio_vocab_size=16,
        num_codebooks=4,
        max_position_embeddings=8,
    ),
    lambda b, g: dict(inputs_embeds=_rn(g, b, 4, 32)),
    timestep_kwarg="",
    timestep_scale="descending_0_1",
    notes="Not a diffusion model: autoregressive RVQ depth decoder with no timestep input (with_timestep is a "
    "no-op). Returns a bare tensor of logits.",
    minimal=dict(num_layers=1),
)

# ====================================================================================================================
# video
# ====================================================================================================================

_register(
    "cogvideox",
    "CogVideoXTransformer3DModel",
    _mk(
        "CogVideoXTransformer3DModel",
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=4,
        out_channels=4,
        time_embed_dim=2,
        text_embed_dim=8,
        num_layers=4,
        sample_width=8,
        sample_height=8,
        sample_frames=9,
        patch_size=2,
        patch_size_t=None,
        temporal_compression_ratio=4,
        max_text_seq_length=8,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 3, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 8), timestep=_ti(b)),
    notes="CogVideoX 1.0 (sincos pos-embed, no RoPE): hidden_states is (B, F, C, H, W).",
    minimal=dict(num_layers=1),
)

_register(
    "cogvideox15",
    "CogVideoXTransformer3DModel",
    _mk(
        "CogVideoXTransformer3DModel",
        num_attention_heads=2,
        attention_head_dim=16,
        in_channels=4,
        out_channels=4,
        time_embed_dim=2,
        text_embed_dim=8,
        num_layers=4,
        sample_width=8,
        sample_height=8,
        sample_frames=8,
        patch_size=2,
        patch_size_t=2,
        temporal_compression_ratio=4,
        max_text_seq_length=8,
        use_rotary_positional_embeddings=True,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 2, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 8, 8),
        timestep=_ti(b),
        image_rotary_emb=_cogvideox_rope(2, 8, 8),
    ),
    notes="CogVideoX 1.5 (temporal patching, RoPE passed in by the pipeline).",
    minimal=dict(num_layers=1),
)


def _cogvideox_rope(frames, h, w, head_dim=16, p=2, p_t=2):
    """As CogVideoXPipeline._prepare_rotary_positional_embeddings for 1.5 (patch_size_t set)."""
    from diffusers.models.embeddings import get_3d_rotary_pos_embed

    return get_3d_rotary_pos_embed(
        embed_dim=head_dim,
        crops_coords=None,
        grid_size=(h // p, w // p),
        temporal_size=(frames + p_t - 1) // p_t,
        grid_type="slice",
        max_size=(8 // p, 8 // p),
    )


_register(
    "consisid",
    "ConsisIDTransformer3DModel",
    _mk(
        "ConsisIDTransformer3DModel",
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=4,
        out_channels=4,
        time_embed_dim=2,
        text_embed_dim=8,
        num_layers=4,
        sample_width=8,
        sample_height=8,
        sample_frames=8,
        patch_size=2,
        temporal_compression_ratio=4,
        max_text_seq_length=8,
        cross_attn_interval=1,
        is_kps=False,
        is_train_face=True,
        cross_attn_dim_head=1,
        cross_attn_num_heads=1,
        LFE_id_dim=2,
        LFE_vit_dim=2,
        LFE_depth=5,
        LFE_dim_head=8,
        LFE_num_heads=2,
        LFE_num_id_token=1,
        LFE_num_querie=1,
        LFE_output_dim=10,
        LFE_ff_mult=1,
        LFE_num_scale=1,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 1, 4, 8, 8),
        encoder_hidden_states=_rn(g, b, 8, 8),
        timestep=_ti(b),
        id_vit_hidden=[torch.ones(b, 2, 2)],
        id_cond=torch.ones(b, 2),
    ),
    notes="CogVideoX-based; face cross-attention (`perceiver_cross_attention.N`) applied at root level after "
    "every block (cross_attn_interval=1): two interleaved lists.",
    minimal=dict(num_layers=1),
)

_register(
    "latte",
    "LatteTransformer3DModel",
    _mk(
        "LatteTransformer3DModel",
        sample_size=8,
        num_layers=4,
        patch_size=2,
        attention_head_dim=8,
        num_attention_heads=2,
        caption_channels=8,
        in_channels=4,
        cross_attention_dim=16,
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
        video_length=2,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 2, 8, 8),
        encoder_hidden_states=_rn(g, b, 6, 8),
        timestep=_ti(b),
        enable_temporal_attentions=True,
    ),
    notes="Interleaved spatial (`transformer_blocks`) / temporal (`temporal_transformer_blocks`) stacks, zipped; "
    "the frame count must equal config.video_length (2 here).",
    minimal=dict(num_layers=1),
)

_register(
    "allegro",
    "AllegroTransformer3DModel",
    _mk(
        "AllegroTransformer3DModel",
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=4,
        out_channels=4,
        num_layers=4,
        cross_attention_dim=16,
        sample_width=8,
        sample_height=8,
        sample_frames=8,
        caption_channels=8,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 6, 8), timestep=_ti(b)),
    minimal=dict(num_layers=1),
)

_register(
    "mochi",
    "MochiTransformer3DModel",
    _mk(
        "MochiTransformer3DModel",
        patch_size=2,
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=4,
        pooled_projection_dim=16,
        in_channels=4,
        out_channels=None,
        qk_norm="rms_norm",
        text_embed_dim=16,
        time_embed_dim=4,
        activation_fn="swiglu",
        max_sequence_length=8,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 2, 8, 8),
        encoder_hidden_states=_rn(g, b, 8, 16),
        timestep=_t(b),
        encoder_attention_mask=torch.ones(b, 8, dtype=torch.bool),
    ),
    timestep_scale="ascending_1000",
    notes="Scheduler invert_sigmas=True: the pipeline passes 1000*(1 - sigma). Last block is context_pre_only.",
    minimal=dict(num_layers=1),
)

_register(
    "ltx",
    "LTXVideoTransformer3DModel",
    _mk(
        "LTXVideoTransformer3DModel",
        in_channels=4,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        num_layers=4,
        qk_norm="rms_norm_across_heads",
        caption_channels=16,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 2 * 4 * 4, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        timestep=_t(b),
        encoder_attention_mask=torch.ones(b, 8, dtype=torch.bool),
        num_frames=2,
        height=4,
        width=4,
    ),
    notes="Packed tokens (B, F*H*W, C); pipeline passes sigma*1000.",
    minimal=dict(num_layers=1),
)

_register(
    "ltx2",
    "LTX2VideoTransformer3DModel",
    _mk(
        "LTX2VideoTransformer3DModel",
        in_channels=4,
        out_channels=4,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        audio_in_channels=4,
        audio_out_channels=4,
        audio_num_attention_heads=2,
        audio_attention_head_dim=4,
        audio_cross_attention_dim=8,
        num_layers=4,
        qk_norm="rms_norm_across_heads",
        caption_channels=16,
        rope_double_precision=False,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 2 * 4 * 4, 4),
        audio_hidden_states=_rn(g, b, 5, 4),
        encoder_hidden_states=_rn(g, b, 8, 16),
        audio_encoder_hidden_states=_rn(g, b, 8, 16),
        timestep=_t(b),
        encoder_attention_mask=torch.ones(b, 8, dtype=torch.bool),
        num_frames=2,
        height=4,
        width=4,
        audio_num_frames=5,
        fps=25.0,
    ),
    notes="Audio-video joint model; returns AudioVisualModelOutput(sample, audio_sample).",
    minimal=dict(num_layers=1),
)

_register(
    "hunyuan_video",
    "HunyuanVideoTransformer3DModel",
    _mk(
        "HunyuanVideoTransformer3DModel",
        in_channels=4,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=3,
        num_single_layers=4,
        num_refiner_layers=3,
        patch_size=1,
        patch_size_t=1,
        guidance_embeds=True,
        text_embed_dim=16,
        pooled_projection_dim=8,
        rope_axes_dim=(2, 2, 4),
        image_condition_type=None,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 1, 4, 4),
        timestep=_t(b),
        encoder_hidden_states=_rn(g, b, 6, 16),
        pooled_projections=_rn(g, b, 8),
        encoder_attention_mask=torch.ones(b, 6),
        guidance=_t(b, 6000.0),
    ),
    notes="Double-stream (`transformer_blocks`) then single-stream blocks; the token refiner "
    "(context_embedder.token_refiner.refiner_blocks) is a nested stack.",
    minimal=dict(num_layers=1, num_single_layers=1, num_refiner_layers=1),
)

_register(
    "hunyuan_video_framepack",
    "HunyuanVideoFramepackTransformer3DModel",
    _mk(
        "HunyuanVideoFramepackTransformer3DModel",
        in_channels=4,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=3,
        num_single_layers=3,
        num_refiner_layers=3,
        patch_size=2,
        patch_size_t=1,
        guidance_embeds=True,
        text_embed_dim=16,
        pooled_projection_dim=8,
        rope_axes_dim=(2, 2, 4),
        image_condition_type=None,
        has_image_proj=True,
        image_proj_dim=16,
        has_clean_x_embedder=True,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 3, 4, 4),
        timestep=_ti(b),
        encoder_hidden_states=_rn(g, b, 6, 16),
        pooled_projections=_rn(g, b, 8),
        encoder_attention_mask=torch.ones(b, 6),
        guidance=_ti(b, 6000),
        image_embeds=_rn(g, b, 6, 16),
        indices_latents=torch.ones(3),
        latents_clean=_rn(g, b, 4, 2, 4, 4),
        indices_latents_clean=torch.ones(2),
        latents_history_2x=_rn(g, b, 4, 2, 4, 4),
        indices_latents_history_2x=torch.ones(2),
        latents_history_4x=_rn(g, b, 4, 8, 4, 4),
        indices_latents_history_4x=torch.ones(8),
    ),
    minimal=dict(num_layers=1, num_single_layers=1, num_refiner_layers=1),
)

_register(
    "hunyuan_video15",
    "HunyuanVideo15Transformer3DModel",
    _mk(
        "HunyuanVideo15Transformer3DModel",
        in_channels=4,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=4,
        num_refiner_layers=3,
        mlp_ratio=2.0,
        patch_size=1,
        patch_size_t=1,
        text_embed_dim=16,
        text_embed_2_dim=8,
        image_embed_dim=12,
        rope_axes_dim=(2, 2, 4),
        target_size=16,
        task_type="t2v",
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 1, 4, 4),
        timestep=_t(b),
        encoder_hidden_states=_rn(g, b, 6, 16),
        encoder_hidden_states_2=_rn(g, b, 4, 8),
        encoder_attention_mask=torch.ones(b, 6),
        encoder_attention_mask_2=torch.ones(b, 4),
        image_embeds=_rn(g, b, 3, 12),
    ),
    minimal=dict(num_layers=1, num_refiner_layers=1),
)

_register(
    "hunyuanimage",
    "HunyuanImageTransformer2DModel",
    _mk(
        "HunyuanImageTransformer2DModel",
        in_channels=4,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=3,
        num_single_layers=4,
        num_refiner_layers=3,
        patch_size=(1, 1),
        guidance_embeds=False,
        text_embed_dim=16,
        text_embed_2_dim=None,
        rope_axes_dim=(4, 4),
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 4, 4),
        timestep=_t(b),
        encoder_hidden_states=_rn(g, b, 6, 16),
        encoder_attention_mask=torch.ones(b, 6),
    ),
    notes="HunyuanImage 2.1 (no meanflow, no byT5 stream).",
    minimal=dict(num_layers=1, num_single_layers=1, num_refiner_layers=1),
)

_register(
    "wan",
    "WanTransformer3DModel",
    _mk(
        "WanTransformer3DModel",
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=4,
        out_channels=4,
        text_dim=16,
        freq_dim=32,
        ffn_dim=32,
        num_layers=4,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_ti(b)),
    notes="Wan 2.1/2.2 (T2V); pipeline passes the scheduler timesteps.",
    minimal=dict(num_layers=1),
)

_register(
    "wan_vace",
    "WanVACETransformer3DModel",
    _mk(
        "WanVACETransformer3DModel",
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=4,
        out_channels=4,
        text_dim=16,
        freq_dim=32,
        ffn_dim=32,
        num_layers=4,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        vace_layers=[0, 1, 3],
        vace_in_channels=12,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 2, 8, 8),
        encoder_hidden_states=_rn(g, b, 8, 16),
        control_hidden_states=_rn(g, b, 12, 2, 8, 8),
        timestep=_ti(b),
    ),
    notes="VACE: a `vace_blocks` stack (one per vace layer) runs first; its hints are added after blocks 0, 1 and 3 "
    "(vace_layers=[0, 1, 3]) at root level (glue between main blocks).",
    minimal=dict(num_layers=1, vace_layers=[0]),
)

_register(
    "wan_animate",
    "WanAnimateTransformer3DModel",
    _mk(
        "WanAnimateTransformer3DModel",
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=12,
        latent_channels=4,
        out_channels=4,
        text_dim=16,
        freq_dim=32,
        ffn_dim=32,
        num_layers=6,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        image_dim=16,
        rope_max_seq_len=32,
        motion_encoder_channel_sizes={"4": 16, "8": 16, "16": 16},
        motion_encoder_size=16,
        motion_style_dim=8,
        motion_dim=4,
        motion_encoder_dim=16,
        face_encoder_hidden_dim=16,
        face_encoder_num_heads=2,
        inject_face_latents_blocks=2,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 12, 5, 8, 8),
        timestep=_ti(b),
        encoder_hidden_states=_rn(g, b, 8, 16),
        encoder_hidden_states_image=_rn(g, b, 4, 16),
        pose_hidden_states=_rn(g, b, 4, 4, 8, 8),
        face_pixel_values=_rn(g, b, 3, 13, 16, 16),
    ),
    slow=True,
    notes="Face adapter (`face_adapter.N`) applied at root level after every 2nd of the 6 blocks; the motion "
    "encoder is a conv net with its own small lists (res_blocks, motion_network).",
    minimal=dict(num_layers=1, inject_face_latents_blocks=1),
)

_register(
    "wan_animate2",
    "WanAnimate2Transformer3DModel",
    _mk(
        "WanAnimate2Transformer3DModel",
        patch_size=(1, 2, 2),
        text_len=8,
        in_dim=36,
        dim=32,
        ffn_dim=64,
        freq_dim=32,
        text_dim=16,
        out_dim=16,
        num_heads=2,
        num_layers=4,
        cross_attn_norm=True,
        use_img_emb=True,
    ),
    lambda b, g: _wan_animate2_inputs(b, g),
    max_batch_size=1,
    notes="List-of-samples API with a reference KV cache: the inputs run a generation step (kv_cache_mode='cached') "
    "against a cache prefilled with random K/V (the reference pass ignores t). Block-sparse flex attention.",
    minimal=dict(num_layers=1),
    minimal_inputs=lambda b, g: _wan_animate2_inputs(b, g, num_layers=1),
)


def _wan_animate2_inputs(b, g, ref_frames=2, frames=3, h=4, w=4, num_layers=4, heads=2, head_dim=16):
    """One generation step (kv_cache_mode='cached') against a reference KV cache prefilled with random pre-RoPE K/V
    (what the reference pass, kv_cache_mode='extract', would have stored)."""
    from diffusers.models.transformers.transformer_wan_animate_2 import WanAnimate2KVCache

    cache = WanAnimate2KVCache(num_layers)
    ref_len = ref_frames * (h // 2) * (w // 2)
    for layer in cache.layer_caches:
        layer.store(_rn(g, 1, ref_len, heads, head_dim), _rn(g, 1, ref_len, heads, head_dim))
    return dict(
        hidden_states=[_rn(g, 16, frames, h, w)],
        timestep=_t(1, 500.0),
        encoder_hidden_states=[_rn(g, 8, 16)],
        condition_latents=[_rn(g, 20, frames, h, w)],
        encoder_hidden_states_image=_rn(g, 1, 4, 1280),
        kv_cache=cache,
        kv_cache_mode="cached",
        seq_len=frames * (h // 2) * (w // 2),
        reference_grid_sizes=torch.tensor([[ref_frames, h // 2, w // 2]], dtype=torch.long),
        origin_len=5,
        origin_area=[32, 32],
    )


_register(
    "skyreels_v2",
    "SkyReelsV2Transformer3DModel",
    _mk(
        "SkyReelsV2Transformer3DModel",
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=4,
        out_channels=4,
        text_dim=16,
        freq_dim=32,
        ffn_dim=32,
        num_layers=4,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_ti(b)),
    minimal=dict(num_layers=1),
)

_register(
    "chronoedit",
    "ChronoEditTransformer3DModel",
    _mk(
        "ChronoEditTransformer3DModel",
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=8,
        out_channels=4,
        text_dim=16,
        freq_dim=16,
        ffn_dim=32,
        num_layers=4,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        eps=1e-6,
        image_dim=None,
        added_kv_proj_dim=None,
        rope_max_seq_len=64,
        pos_embed_seq_len=None,
        rope_temporal_skip_len=8,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 8, 2, 8, 8),
        timestep=_ti(b),
        encoder_hidden_states=_rn(g, b, 8, 16),
        encoder_hidden_states_image=None,
    ),
    minimal=dict(num_layers=1),
)

_register(
    "helios",
    "HeliosTransformer3DModel",
    _mk(
        "HeliosTransformer3DModel",
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=4,
        out_channels=4,
        text_dim=16,
        freq_dim=32,
        ffn_dim=32,
        num_layers=4,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_dim=(4, 4, 4),
        has_multi_term_memory_patch=True,
        guidance_cross_attn=True,
        zero_history_timestep=True,
        is_amplify_history=False,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 2, 8, 8),
        timestep=_ti(b),
        encoder_hidden_states=_rn(g, b, 8, 16),
        indices_hidden_states=torch.ones(b, 2),
        indices_latents_history_short=torch.ones(b, 1),
        indices_latents_history_mid=torch.ones(b, 1),
        indices_latents_history_long=torch.ones(b, 4),
        latents_history_short=_rn(g, b, 4, 1, 8, 8),
        latents_history_mid=_rn(g, b, 4, 1, 8, 8),
        latents_history_long=_rn(g, b, 4, 4, 8, 8),
    ),
    minimal=dict(num_layers=1),
)

_register(
    "anyflow",
    "AnyFlowTransformer3DModel",
    _mk(
        "AnyFlowTransformer3DModel",
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=4,
        out_channels=4,
        text_dim=16,
        freq_dim=32,
        ffn_dim=32,
        num_layers=4,
        cross_attn_norm=True,
        rope_max_seq_len=32,
        gate_value=0.25,
        deltatime_type="r",
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 2, 4, 8, 8),
        timestep=torch.full((b, 2), 500.0),
        r_timestep=torch.full((b, 2), 500.0),
        encoder_hidden_states=_rn(g, b, 8, 16),
    ),
    extra_timestep_kwargs=("r_timestep",),
    notes="Flow-map model with per-frame timesteps (B, F) and a target time r_timestep; with_timestep sets r = t "
    "(the pipeline's non-flow-map branch). hidden_states is (B, F, C, H, W).",
    minimal=dict(num_layers=1),
)

_register(
    "anyflow_far",
    "AnyFlowFARTransformer3DModel",
    _mk(
        "AnyFlowFARTransformer3DModel",
        patch_size=(1, 2, 2),
        compressed_patch_size=(1, 4, 4),
        full_chunk_limit=3,
        num_attention_heads=2,
        attention_head_dim=16,
        in_channels=4,
        out_channels=4,
        text_dim=16,
        freq_dim=32,
        ffn_dim=32,
        num_layers=4,
        cross_attn_norm=True,
        rope_max_seq_len=32,
        gate_value=0.25,
        deltatime_type="r",
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 2, 4, 8, 8),
        timestep=torch.full((b, 2), 500.0),
        r_timestep=torch.full((b, 2), 500.0),
        encoder_hidden_states=_rn(g, b, 8, 16),
        chunk_partition=[1, 1],
    ),
    extra_timestep_kwargs=("r_timestep",),
    slow=True,
    notes="Frame-autoregressive AnyFlow: builds a flex_attention BlockMask per call (slow on CPU).",
    minimal=dict(num_layers=1),
)

_register(
    "easyanimate",
    "EasyAnimateTransformer3DModel",
    _mk(
        "EasyAnimateTransformer3DModel",
        attention_head_dim=16,
        num_attention_heads=2,
        in_channels=4,
        mmdit_layers=4,
        num_layers=4,
        out_channels=4,
        patch_size=2,
        sample_height=60,
        sample_width=90,
        text_embed_dim=16,
        time_embed_dim=8,
        time_position_encoding_type="3d_rope",
        timestep_activation_fn="silu",
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 2, 8, 8),
        timestep=_ti(b),
        timestep_cond=None,
        encoder_hidden_states=_rn(g, b, 8, 16),
        encoder_hidden_states_t5=None,
        inpaint_latents=None,
        control_latents=None,
    ),
    minimal=dict(mmdit_layers=1, num_layers=1),
)

_register(
    "cosmos",
    "CosmosTransformer3DModel",
    _mk(
        "CosmosTransformer3DModel",
        in_channels=4,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=12,
        num_layers=4,
        mlp_ratio=2,
        text_embed_dim=16,
        adaln_lora_dim=4,
        max_size=(4, 32, 32),
        patch_size=(1, 2, 2),
        rope_scale=(2.0, 1.0, 1.0),
        concat_padding_mask=False,
        extra_pos_embed_type="learnable",
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 4, 1, 8, 8),
        timestep=_t(b, 0.0),
        encoder_hidden_states=_rn(g, b, 8, 16),
        attention_mask=torch.ones(b, 8),
        fps=30,
    ),
    timestep_scale="edm_c_noise",
    notes="Cosmos 1.0 config (EDM: pipeline passes c_noise = 0.25*log(sigma)); Cosmos 2 passes sigma/(sigma+1), "
    "Cosmos 2.5 the flow sigma. concat_padding_mask=False because True needs torchvision (not installed).",
    minimal=dict(num_layers=1),
)

_register(
    "cosmos3",
    "Cosmos3OmniTransformer",
    _mk(
        "Cosmos3OmniTransformer",
        head_dim=8,
        hidden_act="relu2",
        hidden_size=16,
        intermediate_size=32,
        latent_channel=2,
        latent_patch_size=1,
        num_attention_heads=2,
        num_hidden_layers=4,
        num_key_value_heads=1,
        patch_latent_dim=2,
        qk_norm_for_text=False,
        rms_norm_eps=1e-5,
        rope_axes_dim=[2, 2, 4],
        rope_theta=1e4,
        vocab_size=32,
    ),
    lambda b, g: _cosmos3_inputs(g),
    timestep_kwarg="vision_timesteps",
    max_batch_size=1,
    notes="Packed omni-model (text + vision tokens in one sequence, no batch dim); the pipeline passes the "
    "scheduler timestep (x config.timestep_scale=0.001 inside).",
    minimal=dict(num_hidden_layers=1),
)


def _cosmos3_inputs(g, h=2, w=2):
    n_vis = h * w
    seq = 2 + n_vis
    vis = torch.arange(2, seq)
    return dict(
        input_ids=torch.tensor([1, 2]),
        text_indexes=torch.tensor([0, 1]),
        position_ids=torch.zeros(3, seq, dtype=torch.long),
        und_len=2,
        sequence_length=seq,
        vision_tokens=[_rn(g, 1, 2, 1, h, w)],
        vision_token_shapes=[(1, h, w)],
        vision_sequence_indexes=vis,
        vision_mse_loss_indexes=vis,
        vision_timesteps=torch.full((n_vis,), 500.0),
        vision_noisy_frame_indexes=[torch.tensor([0])],
    )


_register(
    "motif_video",
    "MotifVideoTransformer3DModel",
    _mk(
        "MotifVideoTransformer3DModel",
        in_channels=9,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=12,
        num_layers=3,
        num_single_layers=3,
        num_decoder_layers=0,
        mlp_ratio=2.0,
        patch_size=1,
        patch_size_t=1,
        qk_norm="rms_norm",
        norm_type="layer_norm",
        text_embed_dim=16,
        image_embed_dim=4,
        rope_theta=256.0,
        rope_axes_dim=(4, 4, 4),
        enable_text_cross_attention_dual=False,
        enable_text_cross_attention_single=False,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 9, 1, 4, 4), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_ti(b)),
    minimal=dict(num_layers=1, num_single_layers=1),
)

_register(
    "motif_video_decoder",
    "MotifVideoTransformer3DModel",
    _mk(
        "MotifVideoTransformer3DModel",
        in_channels=9,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=12,
        num_layers=3,
        num_single_layers=6,
        num_decoder_layers=3,
        mlp_ratio=2.0,
        patch_size=1,
        patch_size_t=1,
        qk_norm="rms_norm",
        norm_type="layer_norm",
        text_embed_dim=16,
        image_embed_dim=4,
        rope_theta=256.0,
        rope_axes_dim=(4, 4, 4),
        enable_text_cross_attention_dual=False,
        enable_text_cross_attention_single=False,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 9, 1, 4, 4), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_ti(b)),
    notes="num_decoder_layers=3: the last 3 of the 6 `single_transformer_blocks` run as a decoder on a copy of the "
    "pre-block hidden states, cross-attending the encoder output -- one ModuleList, two phases with glue.",
    minimal=dict(num_layers=1, num_single_layers=2, num_decoder_layers=1),
)

_register(
    "sana_video",
    "SanaVideoTransformer3DModel",
    _mk(
        "SanaVideoTransformer3DModel",
        in_channels=4,
        out_channels=4,
        num_attention_heads=2,
        attention_head_dim=12,
        num_layers=4,
        num_cross_attention_heads=2,
        cross_attention_head_dim=12,
        cross_attention_dim=24,
        caption_channels=16,
        mlp_ratio=2.5,
        dropout=0.0,
        attention_bias=False,
        sample_size=8,
        patch_size=(1, 2, 2),
        norm_elementwise_affine=False,
        norm_eps=1e-6,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_ti(b)),
    minimal=dict(num_layers=1),
)

_register(
    "sana_wm",
    "SanaWMTransformer3DModel",
    _mk(
        "SanaWMTransformer3DModel",
        in_channels=4,
        num_layers=4,
        hidden_size=32,
        num_attention_heads=2,
        patch_size=(1, 1, 1),
        softmax_every_n=2,
        linear_head_dim=16,
        t_kernel_size=3,
        conv_kernel_size=4,
        caption_channels=8,
        mlp_ratio=2.0,
        chunk_plucker_channels=8,
        chunk_plucker_post_attn_blocks=4,
    ),
    lambda b, g: _sana_wm_inputs(b, g),
    notes="SANA-WM world model: camera-conditioned, per-frame timesteps (B, 1, F); GDN linear-attention and "
    "softmax blocks alternate (softmax_every_n=2).",
    minimal=dict(num_layers=1, chunk_plucker_post_attn_blocks=1),
)


def _sana_wm_inputs(b, g, frames=4, h=4, w=4, n_txt=8):
    c2w = torch.eye(4).repeat(b, frames, 1, 1)
    c2w[..., 2, 3] = torch.arange(frames, dtype=torch.float32) * 0.1
    intr = torch.tensor([float(w), float(h), w / 2, h / 2]).expand(b, frames, 4)
    cams = torch.cat([c2w.flatten(start_dim=-2), intr], dim=-1)
    return dict(
        hidden_states=_rn(g, b, 4, frames, h, w),
        timestep=torch.full((b, 1, frames), 500.0),
        encoder_hidden_states=_rn(g, b, 1, n_txt, 8),
        encoder_attention_mask=torch.ones(b, n_txt, dtype=torch.long),
        camera_conditions=cams,
        chunk_plucker=_rn(g, b, 8, frames, h, w),
    )


_register(
    "sana_wm_refiner",
    "SanaWMLTX2RefinerTransformer3DModel",
    _mk(
        "SanaWMLTX2RefinerTransformer3DModel",
        in_channels=4,
        out_channels=4,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        audio_in_channels=4,
        audio_out_channels=4,
        audio_num_attention_heads=2,
        audio_attention_head_dim=4,
        audio_cross_attention_dim=8,
        num_layers=4,
        qk_norm="rms_norm_across_heads",
        caption_channels=16,
        rope_double_precision=False,
    ),
    lambda b, g: _sana_wm_refiner_inputs(b, g),
    notes="LTX-2 based refiner: per-token timesteps (B, N) already x1000; video RoPE passed in.",
    minimal=dict(num_layers=1),
)


def _sana_wm_refiner_inputs(b, g, frames=2, h=4, w=4, n_txt=8):
    from diffusers.models.transformers.transformer_sana_wm_refiner import SanaWMLTX2AudioVideoRotaryPosEmbed

    rope = SanaWMLTX2AudioVideoRotaryPosEmbed(
        dim=16,
        patch_size=1,
        patch_size_t=1,
        base_num_frames=20,
        base_height=2048,
        base_width=2048,
        scale_factors=(8, 32, 32),
        modality="video",
        double_precision=False,
        num_attention_heads=2,
    )
    coords = rope.prepare_video_coords(b, frames, h, w, device=torch.device("cpu"), fps=24.0)
    n = frames * h * w
    return dict(
        hidden_states=_rn(g, b, n, 4),
        encoder_hidden_states=_rn(g, b, n_txt, 16),
        timestep=torch.full((b, n), 500.0),
        video_rotary_emb=rope(coords, device=torch.device("cpu")),
        encoder_attention_mask=torch.ones(b, n_txt),
    )


_register(
    "minimax_h3",
    "MiniMaxH3Transformer3DModel",
    _mk(
        "MiniMaxH3Transformer3DModel",
        num_attention_heads=2,
        attention_head_dim=16,
        hidden_size=24,
        num_layers=4,
        num_refiner_layers=3,
        ffn_dim=32,
        in_channels=4,
        audio_in_channels=6,
        patch_size=(1, 2, 2),
        text_dim=8,
        freq_dim=8,
        time_embed_hidden_dim=24,
        time_embed_dim=16,
        rope_freq_dim=2,
    ),
    lambda b, g: _minimax_h3_inputs(b, g),
    timestep_scale="descending_0_1",
    notes="Packed audio+video+text sequence; `timestep` is a table with one row per noise level (video, audio), "
    "addressed per token by timestep_indices. No diffusers pipeline in 0.42.1 (scale from the tests).",
    minimal=dict(num_layers=1, num_refiner_layers=1),
)


def _minimax_h3_inputs(b, g, n_txt=4, n_aud=6, n_vid=8):
    seq = n_txt + n_aud + n_vid
    ti = torch.arange(n_txt)
    ai = torch.arange(n_txt, n_txt + n_aud)
    vi = torch.arange(n_txt + n_aud, seq)
    tags = torch.empty(seq, dtype=torch.long)
    tags[ti], tags[ai], tags[vi] = 1, 2, 0
    tidx = torch.zeros(seq, dtype=torch.long)
    tidx[ai] = 1
    pos = torch.zeros(seq, 3)
    pos[:, 0] = torch.arange(seq, dtype=torch.float32)
    pos[vi, 1] = torch.arange(n_vid, dtype=torch.float32) % 4
    pos[vi, 2] = torch.arange(n_vid, dtype=torch.float32) % 2
    return dict(
        hidden_states=_rn(g, b, n_vid, 16),
        audio_hidden_states=_rn(g, b, n_aud, 6),
        encoder_hidden_states=_rn(g, b, n_txt, 8),
        timestep=torch.tensor([0.5, 0.5]),
        timestep_indices=tidx,
        token_tags=tags,
        position_ids=pos,
        video_indices=vi,
        audio_indices=ai,
        text_indices=ti,
    )


_register(
    "joyimage_edit",
    "JoyImageEditTransformer3DModel",
    _mk(
        "JoyImageEditTransformer3DModel",
        patch_size=[1, 2, 2],
        in_channels=16,
        hidden_size=32,
        num_attention_heads=2,
        text_dim=16,
        num_layers=4,
        rope_dim_list=[4, 6, 6],
        theta=256,
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 1, 4, 4), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_t(b)),
    minimal=dict(num_layers=1),
)

_register(
    "joyimage_edit_plus",
    "JoyImageEditPlusTransformer3DModel",
    _mk(
        "JoyImageEditPlusTransformer3DModel",
        patch_size=[1, 2, 2],
        in_channels=16,
        hidden_size=32,
        num_attention_heads=2,
        text_dim=16,
        num_layers=4,
        rope_dim_list=[4, 6, 6],
        theta=256,
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 2, 16, 1, 2, 2),
        encoder_hidden_states=_rn(g, b, 8, 16),
        timestep=_t(b),
        shape_list=[[(1, 1, 1), (1, 1, 1)]] * b,
    ),
    minimal=dict(num_layers=1),
)

_register(
    "kandinsky5",
    "Kandinsky5Transformer3DModel",
    _mk(
        "Kandinsky5Transformer3DModel",
        in_visual_dim=4,
        in_text_dim=16,
        in_text_dim2=8,
        time_dim=16,
        out_visual_dim=4,
        patch_size=(1, 2, 2),
        model_dim=16,
        ff_dim=32,
        num_text_blocks=3,
        num_visual_blocks=4,
        axes_dims=(2, 2, 4),
        visual_cond=False,
        attention_type="regular",
    ),
    lambda b, g: dict(
        hidden_states=_rn(g, b, 1, 8, 8, 4),
        encoder_hidden_states=_rn(g, b, 6, 16),
        timestep=_t(b),
        pooled_projections=_rn(g, b, 8),
        visual_rope_pos=[torch.arange(1), torch.arange(4), torch.arange(4)],
        text_rope_pos=torch.arange(6),
        scale_factor=(1.0, 1.0, 1.0),
        sparse_params=None,
    ),
    notes="Kandinsky 5: channels-last video latents (B, F, H, W, C); text blocks then visual blocks.",
    minimal=dict(num_text_blocks=1, num_visual_blocks=1),
)

_register(
    "kandinsky6",
    "Kandinsky6Transformer3DModel",
    _mk(
        "Kandinsky6Transformer3DModel",
        in_visual_dim=4,
        out_visual_dim=4,
        in_text_dim=8,
        in_text_dim2=8,
        time_dim=16,
        patch_size=(1, 2, 2),
        model_dim=48,
        ff_dim=64,
        num_text_blocks=3,
        num_visual_blocks=4,
        axes_dims=(4, 4, 4),
        visual_cond=True,
        in_audio_dim=4,
        out_audio_dim=4,
    ),
    lambda b, g: _kandinsky6_inputs(b, g),
    notes="Kandinsky 6 (audio branch off: no audio_hidden_states); channels-last latents with cond + mask channels.",
    minimal=dict(num_text_blocks=1, num_visual_blocks=1),
)


def _kandinsky6_inputs(b, g, frames=2, h=4, w=4, n_txt=6):
    return dict(
        hidden_states=_rn(g, b, frames, h, w, 9),
        encoder_hidden_states=_rn(g, b, n_txt, 8),
        pooled_projections=_rn(g, b, 8),
        timestep=_t(b),
        visual_rope_pos=(torch.arange(frames), torch.arange(h // 2), torch.arange(w // 2)),
    )


_register(
    "kandinsky6_sr",
    "Kandinsky6SRTransformer3DModel",
    _mk(
        "Kandinsky6SRTransformer3DModel",
        in_visual_dim=4,
        out_visual_dim=8,
        time_dim=16,
        patch_size=(1, 2, 2),
        model_dim=24,
        ff_dim=32,
        num_visual_blocks=4,
        axes_dims=(4, 4, 4),
    ),
    lambda b, g: dict(hidden_states=_rn(g, b, 2, 16, 16, 9), timestep=_t(b)),
    slow=True,
    notes="Video super-resolution; NABLA sparse attention via flex_attention.",
    minimal=dict(num_visual_blocks=1),
)

_register(
    "rfd4_proteina",
    "RFD4ProteinaTransformer",
    _mk(
        "RFD4ProteinaTransformer",
        nlayers=4,
        token_dim=32,
        nheads=2,
        dim_cond=16,
        pair_repr_dim=16,
        latent_dim=4,
        token_type_emb_dim=8,
        cath_emb_dim=8,
        t_emb_dim=16,
        seq_sep_dim=8,
        xt_pair_dist_dim=8,
        feats_seq=("xt_bb_ca", "xt_local_latents"),
        feats_cond_seq=("time_emb_bb_ca", "time_emb_local_latents"),
        feats_pair_repr=("xt_bb_ca_pair_dists",),
        feats_pair_cond=("time_emb_bb_ca", "time_emb_local_latents"),
        update_pair_repr_every_n=1,
        tri_mult_c=16,
    ),
    lambda b, g: dict(
        bb_ca=_rn(g, b, 8, 3),
        local_latents=_rn(g, b, 8, 4),
        bb_ca_time=_t(b, 0.5),
        local_latents_time=_t(b, 0.5),
        padding_mask=torch.ones(b, 8, dtype=torch.bool),
        conditioning={
            "is_in_context_conditioning": torch.zeros(b, 8, dtype=torch.bool),
            "supports_local_latent": torch.ones(b, 8, dtype=torch.bool),
        },
    ),
    timestep_kwarg="bb_ca_time",
    timestep_scale="ascending_0_1",
    extra_timestep_kwargs=("local_latents_time",),
    output_key="backbone",
    notes="Protein design (La-Proteina): two times in [0, 1] (noise at 0), pair representation updated between "
    "blocks by `pair_update_layers`; output RFD4ProteinaTransformerOutput(backbone, local_latents, ...).",
    minimal=dict(nlayers=1),
)


# ====================================================================================================================
# probed facts (written by `python tests/probe_families.py --probe`)
# ====================================================================================================================

PROBE_PATH = Path(__file__).with_name("families_probe.json")


def _load_probe(path: Path = PROBE_PATH) -> tuple[dict, dict]:
    if not path.exists():
        return {}, {}
    data = json.loads(path.read_text())
    return data.get("normal", {}), data.get("minimal", {})


PROBED, PROBED_MINIMAL = _load_probe()
