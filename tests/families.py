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

API
---
    fam = FAMILIES["flux"]
    model = fam.make_model(seed=0)                       # nn.Module in eval mode, weights drawn from `seed`
    kwargs = fam.make_inputs(batch_size=1, seed=0)       # forward kwargs: latent + conditioning fixed by `seed`
    for t in fam.timesteps(num_steps=10):                # the values the pipeline would pass, in this model's scale
        out = model(**fam.with_timestep(kwargs, t))      # returns a NEW dict; only the timestep kwarg(s) change
        sample = fam.output_tensor(out)                  # the main prediction, whatever the return type

* ``make_inputs(batch_size, seed=0, t=None, **overrides)``: deterministic given ``seed``; ``t`` (optional) is
  applied through ``with_timestep``; ``overrides`` replace kwargs verbatim.  Families that cannot batch
  (list-of-sample APIs, packed sequences) have ``max_batch_size == 1``.
* ``with_timestep(kwargs, t)``: writes ``t`` into ``timestep_kwarg`` (keeping the dtype, shape and container of the
  default value: per-sample, per-frame or per-token timesteps are all filled with ``t``) and into every kwarg of
  ``extra_timestep_kwargs`` (e.g. ACE-Step's ``timestep_r``).  ``t`` is a python number in ``timestep_scale``.
* ``timesteps(num_steps)``: the pipeline-like schedule in ``timestep_scale``, from pure noise towards clean, built
  from ``sigma = 1 - i / num_steps``; ``SCALES`` documents each scale.
* ``make_model(seed)``: random init; weights that diffusers initialises to exactly zero (zero-init output
  projections, gates, ...) are refilled with small random values (``zero_params_refilled`` records which), so every
  block changes its output and the output depends on ``t``.

Probe facts
-----------
``PROBED[name]`` (also ``fam.probe``) holds facts recorded by ``python tests/families.py --probe`` (``--probe NAME..``
re-probes some and merges) with a ``torch.compile`` backend that records the FX graphs and reads
``node.meta["nn_module_stack"]``, ``fullgraph=True`` under ``torch.no_grad()``, batch size 1:
``traces`` (fresh model, default kwargs) + ``break_reason`` (short: type, message, user-code location),
``traces_after_eager`` (after one eager call), ``traces_return_dict_false`` (+ ``return_dict=False``), ``traced_via``
(which of those the facts below come from; None: none traced, see ``partial`` = a fullgraph=False compile),
``compiled_matches_eager`` / ``max_abs_diff``, ``block_lists`` (execution order: (normalised list path, number of
indices run, block class); lists of torch.nn modules and lists holding whole models are left out), ``nested_lists``,
``list_lengths`` (len of each ModuleList), ``glue_nodes`` / ``stackless_markers`` (see Findings), ``nodes``,
``nodes_without_stack``, ``path_formats``, ``output_kind`` ('sample' = object with ``.sample``, 'tuple', 'tensor',
'list', 'other:<Type>'), ``forward_ms`` (eager, 1 thread, median of 3), ``trace_s``, ``t_sensitive`` (the output
changes with t).  ``SUMMARY`` below is generated from the same data.

Findings (torch 2.13.0 CPU, diffusers 0.42.1; details per family in PROBED)
---------------------------------------------------------------------------
* Path format. Almost every node's nn_module_stack path is ``L['self'].__dict__['_modules']['<attr>']`` followed by
  dotted names and indices (``...['transformer_blocks'].0.attn1.to_out.0``; ``path_format`` abbreviates it as
  ``L['self'] D I A I``). Exceptions: a ModuleList indexed with a computed int (``self.transformers[i]`` in
  DualTransformer2DModel) gives ``L['self'].transformers.1.__dict__['_modules']['transformer_blocks'].0``; a
  ModuleDict key that is not an identifier stays dotted (Z-Image ``all_final_layer.2-1``); a plain python list of
  modules gives ``feature_fns[0]`` (RFD4); ModuleDict-of-ModuleList stacks read ``mode_blocks.image.0`` (FLUX.3); a
  ModuleDict with numeric keys looks like a list (RFD4 ``pair_update_layers`` = {0,1,2}). ``normalise_path``
  handles all of them.
* Nodes without nn_module_stack inside blocks: ``_enter_autocast``/``_exit_autocast`` (Z-Image, BriaFibo2 blocks
  use ``torch.amp.autocast("cuda", enabled=False)``) and ``_vmap_*_nesting`` markers (flex-attention masks built
  inside Kandinsky6-SR blocks) carry neither nn_module_stack nor stack_trace although they sit between two nodes of
  the same block (``stackless_markers``). Everything else without a stack is root-level code.
* Root-level glue between the blocks of one stack (``glue_nodes``): Chroma (per-block slices of pooled_temb),
  BriaFIBO (per-block text-encoder layer concat + split), WanVACE (hint added after blocks 0, 1, 3), ConsisID
  (perceiver cross-attention after each block), Latte (reshapes between interleaved spatial/temporal blocks),
  WanAnimate (face adapter after every 2nd block), RFD4 (pair-representation updates), Motif-Video with decoder
  layers (one ModuleList run in two phases), BriaFibo2 (per-layer text bundle select). The rest call their blocks
  back to back.
* No block is called through ``.forward`` or a helper that bypasses ``Module.__call__``; the gradient-checkpointing
  branch (``self._gradient_checkpointing_func(block, ...)``) is always guarded by ``torch.is_grad_enabled()`` and
  never taken under no_grad. HiDream wraps each block in a ``HiDreamBlock`` whose ``.block`` is the real one
  (paths ``double_stream_blocks.N.block``).
* Graph breaks: (1) lazily built caches: Z-Image and BriaFibo2 build the RoPE table on first use under
  ``with torch.device("cpu")`` -> fullgraph fails on a fresh model, works after one eager call; (2) the deprecated
  ``transformer_2d.Transformer2DModelOutput`` calls ``warnings.warn`` in ``__init__`` -> Transformer2DModel,
  DreamLite and StableAudioDiT break at ``return ...Output(sample=...)`` with the default return_dict=True but trace
  with return_dict=False (what pipelines pass); (3) data-dependent control flow, no workaround: HiDream (MoE
  ``tokens_per_expert`` loop), Lumina2 (``len(set(seq_lengths))``), OmniGen (``if seq_len > max_pos``),
  HunyuanVideo-1.5 (``if torch.all(image_embeds == 0)``), QwenImage-2.1 (``mask.tolist()``), WanAnimate-2 (RoPE
  cache dict keyed by tensor values).
* With graph breaks (fullgraph=False) the graphs Dynamo compiles for resumed / nested frames carry nn_module_stack
  paths relative to *that frame's* ``self`` (``L['self'].proj`` inside the patch embedder), so block indices are lost:
  the graph-broken HiDream compile shows no block list at all (``partial`` in PROBED).
* Lists that are not transformer-block stacks also show up: BriaFIBO ``caption_projection`` (one text projection per
  block, run before the blocks), WanAnimate ``motion_encoder.*``, ConsisID ``perceiver_cross_attention``, RFD4
  ``pair_update_layers``; T5FilmDecoder has a nested heterogeneous list ``decoders.*.layer``. Auxiliary stacks run
  before the main one: token refiners (HunyuanVideo/Image, MiniMax-H3), noise/context refiners (Z-Image, Lumina2,
  BriaFibo2), text blocks (Kandinsky 5/6), VACE blocks, FLUX.3 per-mode blocks.
* Timestep: DualTransformer2D, DreamLite, TransformerTemporal (layer_norm blocks) ignore it; the RVQ depth decoder has
  none; everything else changes its output with t (``t_sensitive``). Weights diffusers zero-initialises are refilled
  by ``make_model`` (``Family.zero_params_refilled``: e.g. Krea2, Kandinsky5, JoyImage, SANA-WM, PRX).

SUMMARY
-------
family                   | class                                   | fullgraph             | out    | fwd ms | block lists in execution order: list xN [block class]
-------------------------+-----------------------------------------+-----------------------+--------+--------+---------------------
dit                      | DiTTransformer2DModel                   | y                     | sample | 1.9    | transformer_blocks x4 [BasicTransformerBlock]
pixart                   | PixArtTransformer2DModel                | y                     | sample | 1.8    | transformer_blocks x4 [BasicTransformerBlock]
transformer_2d           | Transformer2DModel                      | return_dict=False [1] | sample | 1.8    | transformer_blocks x4 [BasicTransformerBlock]
dual_transformer_2d      | DualTransformer2DModel                  | y                     | sample | 2.3    | transformers.1.transformer_blocks x3 [BasicTransformerBlock], transformers.0.transformer_blocks x3 [BasicTransformerBlock]
dreamlite_transformer_2d | DreamLiteTransformer2DModel             | return_dict=False [2] | sample | 1.5    | transformer_blocks x4 [BasicTransformerBlockDreamLite]
transformer_temporal     | TransformerTemporalModel                | y                     | sample | 1.5    | transformer_blocks x4 [BasicTransformerBlock]
prior                    | PriorTransformer                        | y                     | object | 1.3    | transformer_blocks x4 [BasicTransformerBlock]
t5_film                  | T5FilmDecoder                           | y                     | tensor | 2.9    | decoders x4 [DecoderLayer]
sd3                      | SD3Transformer2DModel                   | y                     | sample | 2.1    | transformer_blocks x4 [JointTransformerBlock]
sd35                     | SD3Transformer2DModel                   | y                     | sample | 2.9    | transformer_blocks x4 [JointTransformerBlock]
auraflow                 | AuraFlowTransformer2DModel              | y                     | sample | 2.9    | joint_transformer_blocks x3 [AuraFlowJointTransformerBlock], single_transformer_blocks x4 [AuraFlowSingleTransformerBlock]
flux                     | FluxTransformer2DModel                  | y                     | sample | 4.8    | transformer_blocks x4 [FluxTransformerBlock], single_transformer_blocks x4 [FluxSingleTransformerBlock]
flux2                    | Flux2Transformer2DModel                 | y                     | sample | 4.7    | transformer_blocks x4 [Flux2TransformerBlock], single_transformer_blocks x4 [Flux2SingleTransformerBlock]
flux3                    | Flux3Transformer2DModel                 | y                     | sample | 4.4    | txt_mode_blocks x3 [Flux3ModeTransformerBlock], mode_blocks.image x3 [Flux3ModeTransformerBlock], single_transformer_blocks x4 [Flux3SingleTransformerBlock]
chroma                   | ChromaTransformer2DModel                | y                     | sample | 9.3    | transformer_blocks x4 [ChromaTransformerBlock], single_transformer_blocks x4 [ChromaSingleTransformerBlock]
bria                     | BriaTransformer2DModel                  | y                     | sample | 8.7    | transformer_blocks x4 [BriaTransformerBlock], single_transformer_blocks x4 [BriaSingleTransformerBlock]
bria_fibo                | BriaFiboTransformer2DModel              | y                     | sample | 8.9    | caption_projection x8 [BriaFiboTextProjection], transformer_blocks x4 [BriaFiboTransformerBlock], single_transformer_blocks x4 [BriaFiboSingleTransformerBlock]
longcat_image            | LongCatImageTransformer2DModel          | y                     | sample | 4.7    | transformer_blocks x4 [LongCatImageTransformerBlock], single_transformer_blocks x4 [LongCatImageSingleTransformerBlock]
ovis_image               | OvisImageTransformer2DModel             | y                     | sample | 4.8    | transformer_blocks x4 [OvisImageTransformerBlock], single_transformer_blocks x4 [OvisImageSingleTransformerBlock]
hidream                  | HiDreamImageTransformer2DModel          | n [3]                 | sample | 5.4    | (graph-broken compile) -
hunyuan_dit              | HunyuanDiT2DModel                       | y                     | sample | 4.3    | blocks x6 [HunyuanDiTBlock]
cogview3plus             | CogView3PlusTransformer2DModel          | y                     | sample | 2.1    | transformer_blocks x4 [CogView3PlusTransformerBlock]
cogview4                 | CogView4Transformer2DModel              | y                     | sample | 2.5    | transformer_blocks x4 [CogView4TransformerBlock]
glm_image                | GlmImageTransformer2DModel              | y                     | sample | 3.1    | transformer_blocks x4 [GlmImageTransformerBlock]
lumina_next              | LuminaNextDiT2DModel                    | y                     | sample | 7.9    | layers x4 [LuminaNextDiTBlock]
lumina2                  | Lumina2Transformer2DModel               | n [4]                 | sample | 13.6   | (graph-broken compile) context_refiner x3 [Lumina2TransformerBlock], noise_refiner x3 [Lumina2TransformerBlock], layers x4 [Lumina2TransformerBlock]
z_image                  | ZImageTransformer2DModel                | after eager [5]       | sample | 10.9   | noise_refiner x3 [ZImageTransformerBlock], context_refiner x3 [ZImageTransformerBlock], layers x4 [ZImageTransformerBlock]
bria_fibo2               | BriaFibo2Transformer2DModel             | after eager [6]       | sample | 6.9    | noise_refiner x3 [BriaFibo2TransformerBlock], layers x4 [BriaFibo2TransformerBlock]
qwenimage                | QwenImageTransformer2DModel             | y                     | sample | 3.4    | transformer_blocks x4 [QwenImageTransformerBlock]
qwenimage21              | QwenImage21Transformer2DModel           | n [7]                 | sample | 6.7    | (graph-broken compile) transformer_blocks x4 [QwenImage21TransformerBlock]
nucleusmoe_image         | NucleusMoEImageTransformer2DModel       | y                     | sample | 7.2    | transformer_blocks x4 [NucleusMoEImageTransformerBlock]
ernie_image              | ErnieImageTransformer2DModel            | y                     | sample | 2.5    | layers x4 [ErnieImageSharedAdaLNBlock]
prx                      | PRXTransformer2DModel                   | y                     | sample | 2.2    | blocks x4 [PRXBlock]
ideogram4                | Ideogram4Transformer2DModel             | y                     | sample | 2.2    | layers x4 [Ideogram4TransformerBlock]
krea2                    | Krea2Transformer2DModel                 | y                     | sample | 3.0    | transformer_blocks x4 [Krea2TransformerBlock]
sana                     | SanaTransformer2DModel                  | y                     | sample | 7.0    | transformer_blocks x4 [SanaTransformerBlock]
omnigen                  | OmniGenTransformer2DModel               | n [8]                 | sample | 3.1    | (graph-broken compile) layers x4 [OmniGenBlock]
stable_audio             | StableAudioDiTModel                     | return_dict=False [9] | sample | 2.5    | transformer_blocks x4 [StableAudioDiTBlock]
stable_audio3            | StableAudio3DiTModel                    | y                     | sample | 3.8    | transformer_blocks x4 [StableAudio3DiTBlock]
ace_step                 | AceStepTransformer1DModel               | y                     | sample | 7.6    | layers x4 [AceStepTransformerBlock]
longcat_audio_dit        | LongCatAudioDiTTransformer              | y                     | sample | 2.8    | blocks x4 [AudioDiTBlock]
minimax_music3           | MiniMaxMusic3Transformer1DModel         | y                     | sample | 1.1    | transformer_blocks x4 [MiniMaxMusic3TransformerBlock]
minimax_music3_rvq_depth | MiniMaxMusic3RVQDepthDecoder            | y                     | tensor | 0.7    | layers x4 [MiniMaxMusic3DepthDecoderBlock]
cogvideox                | CogVideoXTransformer3DModel             | y                     | sample | 2.4    | transformer_blocks x4 [CogVideoXBlock]
cogvideox15              | CogVideoXTransformer3DModel             | y                     | sample | 2.5    | transformer_blocks x4 [CogVideoXBlock]
consisid                 | ConsisIDTransformer3DModel              | y                     | sample | 3.7    | transformer_blocks x4 [ConsisIDBlock], perceiver_cross_attention x4 [PerceiverCrossAttention]
latte                    | LatteTransformer3DModel                 | y                     | sample | 3.2    | transformer_blocks x4 [BasicTransformerBlock], temporal_transformer_blocks x4 [BasicTransformerBlock]
allegro                  | AllegroTransformer3DModel               | y                     | sample | 2.0    | transformer_blocks x4 [AllegroTransformerBlock]
mochi                    | MochiTransformer3DModel                 | y                     | sample | 4.2    | transformer_blocks x4 [MochiTransformerBlock]
ltx                      | LTXVideoTransformer3DModel              | y                     | sample | 3.0    | transformer_blocks x4 [LTXVideoTransformerBlock]
ltx2                     | LTX2VideoTransformer3DModel             | y                     | sample | 9.3    | transformer_blocks x4 [LTX2VideoTransformerBlock]
hunyuan_video            | HunyuanVideoTransformer3DModel          | y                     | sample | 6.6    | context_embedder.token_refiner.refiner_blocks x3 [HunyuanVideoIndividualTokenRefinerBlock], transformer_blocks x3 [HunyuanVideoTransformerBlock], single_transformer_blocks x4 [HunyuanVideoSingleTransformerBlock]
hunyuan_video_framepack  | HunyuanVideoFramepackTransformer3DModel | y                     | sample | 6.0    | context_embedder.token_refiner.refiner_blocks x3 [HunyuanVideoIndividualTokenRefinerBlock], transformer_blocks x3 [HunyuanVideoTransformerBlock], single_transformer_blocks x3 [HunyuanVideoSingleTransformerBlock]
hunyuan_video15          | HunyuanVideo15Transformer3DModel        | n [10]                | sample | 7.4    | (graph-broken compile) context_embedder.token_refiner.refiner_blocks x3 [HunyuanVideo15IndividualTokenRefinerBlock]
hunyuanimage             | HunyuanImageTransformer2DModel          | y                     | sample | 5.3    | context_embedder.token_refiner.refiner_blocks x3 [HunyuanImageIndividualTokenRefinerBlock], transformer_blocks x3 [HunyuanImageTransformerBlock], single_transformer_blocks x4 [HunyuanImageSingleTransformerBlock]
wan                      | WanTransformer3DModel                   | y                     | sample | 6.7    | blocks x4 [WanTransformerBlock]
wan_vace                 | WanVACETransformer3DModel               | y                     | sample | 4.2    | vace_blocks x3 [WanVACETransformerBlock], blocks x4 [WanTransformerBlock]
wan_animate              | WanAnimateTransformer3DModel            | y                     | sample | 8.9    | motion_encoder.res_blocks x2 [MotionEncoderResBlock], motion_encoder.motion_network x5 [MotionLinear], blocks x6 [WanTransformerBlock], face_adapter x3 [WanAnimateFaceBlockCrossAttention]
wan_animate2             | WanAnimate2Transformer3DModel           | n [11]                | sample | 34.4   | (graph-broken compile) -
skyreels_v2              | SkyReelsV2Transformer3DModel            | y                     | sample | 2.5    | blocks x4 [SkyReelsV2TransformerBlock]
chronoedit               | ChronoEditTransformer3DModel            | y                     | sample | 2.5    | blocks x4 [WanTransformerBlock]
helios                   | HeliosTransformer3DModel                | y                     | sample | 8.4    | blocks x4 [HeliosTransformerBlock]
anyflow                  | AnyFlowTransformer3DModel               | y                     | sample | 2.8    | blocks x4 [AnyFlowTransformerBlock]
anyflow_far              | AnyFlowFARTransformer3DModel            | y                     | sample | 48.6   | blocks x4 [AnyFlowTransformerBlock]
easyanimate              | EasyAnimateTransformer3DModel           | y                     | sample | 7.5    | transformer_blocks x4 [EasyAnimateTransformerBlock]
cosmos                   | CosmosTransformer3DModel                | y                     | sample | 5.0    | transformer_blocks x4 [CosmosTransformerBlock]
cosmos3                  | Cosmos3OmniTransformer                  | y                     | sample | 2.2    | layers x4 [Cosmos3VLTextMoTDecoderLayer]
motif_video              | MotifVideoTransformer3DModel            | y                     | sample | 4.1    | transformer_blocks x3 [MotifVideoTransformerBlock], single_transformer_blocks x3 [MotifVideoSingleTransformerBlock]
motif_video_decoder      | MotifVideoTransformer3DModel            | y                     | sample | 9.7    | transformer_blocks x3 [MotifVideoTransformerBlock], single_transformer_blocks x6 [MotifVideoSingleTransformerBlock]
sana_video               | SanaVideoTransformer3DModel             | y                     | sample | 3.8    | transformer_blocks x4 [SanaVideoTransformerBlock]
sana_wm                  | SanaWMTransformer3DModel                | y                     | sample | 14.3   | blocks x4 [SanaVideoMSCamCtrlBlock]
sana_wm_refiner          | SanaWMLTX2RefinerTransformer3DModel     | y                     | sample | 3.1    | transformer_blocks x4 [SanaWMLTX2RefinerTransformerBlock]
minimax_h3               | MiniMaxH3Transformer3DModel             | y                     | sample | 7.2    | token_refiner.refiner_blocks x3 [MiniMaxH3TokenRefinerBlock], transformer_blocks x4 [MiniMaxH3TransformerBlock]
joyimage_edit            | JoyImageEditTransformer3DModel          | y                     | sample | 7.1    | double_blocks x4 [JoyImageTransformerBlock]
joyimage_edit_plus       | JoyImageEditPlusTransformer3DModel      | y                     | sample | 3.2    | double_blocks x4 [JoyImageEditPlusTransformerBlock]
kandinsky5               | Kandinsky5Transformer3DModel            | y                     | sample | 12.8   | text_transformer_blocks x3 [Kandinsky5TransformerEncoderBlock], visual_transformer_blocks x4 [Kandinsky5TransformerDecoderBlock]
kandinsky6               | Kandinsky6Transformer3DModel            | y                     | sample | 5.5    | video_text_transformer_blocks x3 [Kandinsky6TransformerEncoderBlock], audio_text_transformer_blocks x3 [Kandinsky6TransformerEncoderBlock], visual_transformer_blocks x4 [Kandinsky6FusedTransformerDecoderBlock]
kandinsky6_sr            | Kandinsky6SRTransformer3DModel          | y                     | sample | 14.8   | visual_transformer_blocks x4 [Kandinsky6SRTransformerBlock]
rfd4_proteina            | RFD4ProteinaTransformer                 | y                     | object | 6.0    | transformer_layers x4 [RFD4ProteinaTrunkLayer], pair_update_layers x3 [RFD4ProteinaPairUpdate]

[1] transformer_2d: Unsupported: Attempted to call function marked as skipped (Dynamo does not know how to trace the Python builtin `_warnings.warn`.) at deprecation_utils.py:98 `warnings.warn(warning + message, FutureWarning, stacklevel=stacklevel)`
[2] dreamlite_transformer_2d: Unsupported: Attempted to call function marked as skipped (Dynamo does not know how to trace the Python builtin `_warnings.warn`.) at deprecation_utils.py:98 `warnings.warn(warning + message, FutureWarning, stacklevel=stacklevel)`
[3] hidream: UserError: data-dependent value in `for i, end_idx in enumerate(tokens_per_expert):` at transformer_hidream_image.py:391 `for i, end_idx in enumerate(tokens_per_expert):`
[4] lumina2: UserError: data-dependent value in `use_mask = len(set(seq_lengths)) > 1` at transformer_lumina2.py:519 `use_mask = len(set(seq_lengths)) > 1`
[5] z_image: Unsupported: Unsupported context manager (Dynamo does not know how to enter a `device` context manager.) at transformer_z_image.py:330 `with torch.device("cpu"):`
[6] bria_fibo2: Unsupported: Unsupported context manager (Dynamo does not know how to enter a `device` context manager.) at transformer_bria_fibo2.py:149 `with torch.device("cpu"):`
[7] qwenimage21: Unsupported: Tensor.tolist() with non-integer tensor (Dynamo currently does not support tracing `tolist()` on non-integer tensors.) at transformer_qwenimage21.py:689 `is_image_token = image_pad_mask.tolist()`
[8] omnigen: Unsupported: Data-dependent branching (Detected data-dependent branching (e.g. `if my_tensor.sum() > 0:`). Dynamo does not support tracing dynamic co) at transformer_omnigen.py:155 `if seq_len > self.original_max_position_embeddings:`
[9] stable_audio: Unsupported: Attempted to call function marked as skipped (Dynamo does not know how to trace the Python builtin `_warnings.warn`.) at deprecation_utils.py:98 `warnings.warn(warning + message, FutureWarning, stacklevel=stacklevel)`
[10] hunyuan_video15: Unsupported: Data-dependent branching (Detected data-dependent branching (e.g. `if my_tensor.sum() > 0:`). Dynamo does not support tracing dynamic co) at transformer_hunyuan_video15.py:702 `if is_t2v:`
[11] wan_animate2: UserError: data-dependent value in `freqs = self.rope_freqs_cache.get(offsets)` at transformer_wan_animate_2.py:706 `freqs = self.rope_freqs_cache.get(offsets)`
"""
from __future__ import annotations

import dataclasses
import math
import re
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
    "descending_1000": ("t = 1000*sigma, the scheduler's timesteps as is (DDPM / flow matching); noise at 1000",
                        lambda s: 1000.0 * s),
    "descending_0_1": ("t = sigma = timestep/1000 (Flux-style); noise at 1, clean at 0", lambda s: s),
    "ascending_0_1": ("t = 1 - sigma (Lumina: 1 - t/1000, Z-Image, OmniGen, Ideogram4, inverted schedulers); noise "
                      "at 0, clean at 1", lambda s: 1.0 - s),
    "ascending_1000": ("t = 1000*(1 - sigma) (Mochi, scheduler invert_sigmas=True); noise at 0", lambda s: 1000.0 * (1.0 - s)),
    "glm_1000_minus_1": ("t = 1000*sigma - 1 (GLM-Image passes t - 1)", lambda s: 1000.0 * s - 1.0),
    "edm_c_noise": ("t = 0.25*log(sigma_edm), sigma_edm in [0.002, 80] (Cosmos 1.0 EDM preconditioning)",
                    lambda s: 0.25 * math.log(_edm_sigma(s, 0.002, 80.0))),
    "cosine_dpm": ("t = atan(sigma_edm)*2/pi, sigma_edm in [0.3, 500] (StableAudio, CosineDPMSolverMultistep)",
                   lambda s: math.atan(_edm_sigma(s, 0.3, 500.0)) * 2.0 / math.pi),
}


# --------------------------------------------------------------------------------------------------------------------
# Family
# --------------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Family:
    name: str
    cls_name: str
    build: Callable[[], nn.Module]  # constructs the model (called under torch.manual_seed)
    inputs: Callable[[int, torch.Generator], dict]  # (batch_size, generator) -> forward kwargs
    timestep_kwarg: str
    timestep_scale: str
    notes: str = ""
    extra_timestep_kwargs: tuple[str, ...] = ()
    max_batch_size: int | None = None
    output_key: str | int | None = None  # where the main prediction lives in the output (None: .sample / [0])
    slow: bool = False

    # -- model ---------------------------------------------------------------------------------------------------
    def make_model(self, seed: int = 0, refill_zero_params: bool = True) -> nn.Module:
        torch.manual_seed(seed)
        model = self.build()
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

    # -- inputs --------------------------------------------------------------------------------------------------
    def make_inputs(self, batch_size: int = 1, seed: int = 0, t: float | None = None, **overrides) -> dict:
        if self.max_batch_size is not None and batch_size > self.max_batch_size:
            raise ValueError(f"{self.name}: batch_size {batch_size} > max_batch_size {self.max_batch_size}")
        g = torch.Generator().manual_seed(seed)
        kwargs = self.inputs(batch_size, g)
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
        return PROBED.get(self.name, {})


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
        if len(out) and all(isinstance(o, torch.Tensor) for o in out) and len({o.shape for o in out}) == 1 \
                and not isinstance(out, tuple):
            return torch.stack(list(out))
        return _main_output(out[0])
    raise TypeError(f"cannot find the main output tensor in {type(out).__name__}")


FAMILIES: dict[str, Family] = {}


def _register(name, cls_name, build, inputs, timestep_kwarg="timestep", timestep_scale="descending_1000", **kw):
    FAMILIES[name] = Family(name, cls_name, build, inputs, timestep_kwarg, timestep_scale, **kw)


def _cls(name):
    import diffusers.models.transformers as T

    return getattr(T, name)


def _mk(cls_name, **config):
    return lambda: _cls(cls_name)(**config)


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
    "dit", "DiTTransformer2DModel",
    _mk("DiTTransformer2DModel", in_channels=4, out_channels=8, activation_fn="gelu-approximate", num_attention_heads=2,
        attention_head_dim=8, attention_bias=True, num_layers=4, norm_type="ada_norm_zero", num_embeds_ada_norm=1000,
        patch_size=2, sample_size=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), timestep=_ti(b), class_labels=_ri(g, 10, b)),
    notes="DiTPipeline passes scheduler timesteps (DDIM/DDPM, 999..0).",
)

_register(
    "pixart", "PixArtTransformer2DModel",
    _mk("PixArtTransformer2DModel", sample_size=8, num_layers=4, patch_size=2, attention_head_dim=8,
        num_attention_heads=2, in_channels=4, cross_attention_dim=16, out_channels=8, attention_bias=True,
        activation_fn="gelu-approximate", num_embeds_ada_norm=1000, norm_type="ada_norm_single",
        norm_elementwise_affine=False, norm_eps=1e-6, use_additional_conditions=False, caption_channels=32),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 6, 32), timestep=_ti(b),
                      added_cond_kwargs={"resolution": None, "aspect_ratio": None}),
    notes="PixArt-alpha/sigma; also used by the PAG and Sana-Sprint-like pipelines.",
)

_register(
    "transformer_2d", "Transformer2DModel",
    _mk("Transformer2DModel", num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=8,
        num_layers=4, patch_size=2, sample_size=8, norm_type="ada_norm_zero", num_embeds_ada_norm=1000,
        activation_fn="gelu-approximate", attention_bias=True),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), timestep=_ti(b), class_labels=_ri(g, 10, b)),
    notes="Generic legacy class; configured in its patched ada_norm_zero (DiT) mode so that t matters. In UNets it "
          "runs with continuous inputs + layer_norm, where the timestep is ignored.",
)

_register(
    "dual_transformer_2d", "DualTransformer2DModel",
    _mk("DualTransformer2DModel", num_attention_heads=2, attention_head_dim=8, in_channels=16, num_layers=3,
        norm_num_groups=4, cross_attention_dim=8, attention_bias=True, sample_size=4, activation_fn="geglu",
        num_embeds_ada_norm=None),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4, 4), encoder_hidden_states=_rn(g, b, 77 + 257, 8),
                      timestep=_ti(b)),
    notes="Versatile-Diffusion UNet sub-module: two Transformer2DModels (`transformers.0/1.transformer_blocks`) mixed "
          "by mix_ratio; condition lengths fixed to 77 + 257 tokens. layer_norm blocks: the timestep is unused.",
)

_register(
    "dreamlite_transformer_2d", "DreamLiteTransformer2DModel",
    _mk("DreamLiteTransformer2DModel", num_attention_heads=2, attention_head_dim=8, in_channels=16, out_channels=16,
        num_layers=4, norm_num_groups=4, cross_attention_dim=8, attention_bias=True, activation_fn="geglu"),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4, 4), encoder_hidden_states=_rn(g, b, 6, 8), timestep=_ti(b)),
    notes="DreamLite UNet sub-module (continuous inputs, layer_norm blocks): the timestep is unused.",
)

_register(
    "transformer_temporal", "TransformerTemporalModel",
    _mk("TransformerTemporalModel", num_attention_heads=2, attention_head_dim=8, in_channels=16, num_layers=4,
        norm_num_groups=4),
    lambda b, g: dict(hidden_states=_rn(g, 2 * b, 16, 4, 4), timestep=_ti(2 * b), num_frames=2),
    notes="AnimateDiff/I2VGen temporal sub-module; hidden_states is (batch*frames, C, H, W), 2 frames. The timestep "
          "is unused by its layer_norm blocks.",
)

_register(
    "prior", "PriorTransformer",
    _mk("PriorTransformer", num_attention_heads=2, attention_head_dim=8, num_layers=4, embedding_dim=16,
        num_embeddings=7, additional_embeddings=4),
    lambda b, g: dict(hidden_states=_rn(g, b, 16), timestep=_ti(b), proj_embedding=_rn(g, b, 16),
                      encoder_hidden_states=_rn(g, b, 7, 16)),
    output_key="predicted_image_embedding",
    notes="unCLIP/Kandinsky prior; output is PriorTransformerOutput(predicted_image_embedding).",
)

_register(
    "t5_film", "T5FilmDecoder",
    _mk("T5FilmDecoder", input_dims=8, targets_length=16, max_decoder_noise_time=2000.0, d_model=16, num_layers=4,
        num_heads=2, d_kv=8, d_ff=32, dropout_rate=0.0),
    lambda b, g: dict(encodings_and_masks=[(_rn(g, b, 6, 16), torch.ones(b, 6, dtype=torch.bool))],
                      decoder_input_tokens=_rn(g, b, 16, 8), decoder_noise_time=_t(b, 0.5)),
    timestep_kwarg="decoder_noise_time", timestep_scale="descending_0_1",
    notes="Spectrogram-diffusion decoder; the pipeline passes t/num_train_timesteps in [0, 1). Returns a bare tensor.",
)

# ====================================================================================================================
# MMDiT / Flux-like
# ====================================================================================================================

_register(
    "sd3", "SD3Transformer2DModel",
    _mk("SD3Transformer2DModel", sample_size=8, patch_size=2, in_channels=4, num_layers=4, attention_head_dim=8,
        num_attention_heads=2, caption_projection_dim=16, joint_attention_dim=16, pooled_projection_dim=16,
        out_channels=4, pos_embed_max_size=16, dual_attention_layers=(), qk_norm=None),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16),
                      pooled_projections=_rn(g, b, 16), timestep=_t(b)),
    notes="SD3 pipelines pass the flow-matching timesteps (sigma*1000) as is.",
)

_register(
    "sd35", "SD3Transformer2DModel",
    _mk("SD3Transformer2DModel", sample_size=8, patch_size=2, in_channels=4, num_layers=4, attention_head_dim=8,
        num_attention_heads=2, caption_projection_dim=16, joint_attention_dim=16, pooled_projection_dim=16,
        out_channels=4, pos_embed_max_size=16, dual_attention_layers=(0, 1), qk_norm="rms_norm"),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16),
                      pooled_projections=_rn(g, b, 16), timestep=_t(b)),
    notes="SD3.5 variant: qk rms_norm and MMDiT-X dual attention in blocks 0 and 1 (heterogeneous blocks in one list).",
)

_register(
    "auraflow", "AuraFlowTransformer2DModel",
    _mk("AuraFlowTransformer2DModel", sample_size=8, patch_size=2, in_channels=4, num_mmdit_layers=3,
        num_single_dit_layers=4, attention_head_dim=8, num_attention_heads=2, caption_projection_dim=16,
        joint_attention_dim=16, out_channels=4, pos_embed_max_size=16),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16),
                      timestep=_t(b, 0.5)),
    timestep_scale="descending_0_1",
    notes="AuraFlowPipeline passes t/1000.",
)

_register(
    "flux", "FluxTransformer2DModel",
    _mk("FluxTransformer2DModel", patch_size=1, in_channels=4, num_layers=4, num_single_layers=4,
        attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16, pooled_projection_dim=16,
        guidance_embeds=True, axes_dims_rope=[4, 4, 8]),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4), encoder_hidden_states=_rn(g, b, 8, 16),
                      pooled_projections=_rn(g, b, 16), img_ids=_flux_ids(4, 4, 8)[0], txt_ids=_flux_ids(4, 4, 8)[1],
                      timestep=_t(b, 0.5), guidance=_t(b, 3.5)),
    timestep_scale="descending_0_1",
    notes="Flux-dev style (guidance_embeds=True); pipelines pass timestep/1000. Model multiplies by 1000 inside.",
)

_register(
    "flux2", "Flux2Transformer2DModel",
    _mk("Flux2Transformer2DModel", patch_size=1, in_channels=4, num_layers=4, num_single_layers=4,
        attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16, timestep_guidance_channels=32,
        axes_dims_rope=[4, 4, 4, 4]),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4), encoder_hidden_states=_rn(g, b, 8, 16),
                      img_ids=torch.cartesian_prod(torch.arange(1), torch.arange(4), torch.arange(4),
                                                   torch.arange(1)).unsqueeze(0).expand(b, -1, -1),
                      txt_ids=torch.cartesian_prod(torch.arange(1), torch.arange(1), torch.arange(1),
                                                   torch.arange(8)).unsqueeze(0).expand(b, -1, -1),
                      timestep=_t(b, 0.5), guidance=_t(b, 1.0)),
    timestep_scale="descending_0_1",
    notes="FLUX.2; pipelines pass timestep/1000; 4-axis ids with a batch dim.",
)

_register(
    "flux3", "Flux3Transformer2DModel",
    _mk("Flux3Transformer2DModel", in_channels=4, cond_in_channels=4, num_layers=3, num_single_layers=4,
        attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16, timestep_channels=32, mlp_ratio=2.0,
        axes_dims_rope=(4, 4, 4, 4)),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_t(b, 0.5),
                      img_ids=torch.cartesian_prod(torch.arange(1), torch.arange(4), torch.arange(4),
                                                   torch.arange(1)).float(),
                      txt_ids=torch.cartesian_prod(torch.arange(1), torch.arange(1), torch.arange(1),
                                                   torch.arange(8)).float()),
    timestep_scale="descending_0_1",
    notes="FLUX.3: per-mode blocks live in a ModuleDict of ModuleLists (`mode_blocks.image.N`) next to "
          "`txt_mode_blocks` and `single_transformer_blocks`; timestep in [0, 1] (x1000 inside). No diffusers test "
          "upstream at 0.42.1; config written from the source.",
)

_register(
    "chroma", "ChromaTransformer2DModel",
    _mk("ChromaTransformer2DModel", patch_size=1, in_channels=4, num_layers=4, num_single_layers=4,
        attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16, axes_dims_rope=[4, 4, 8],
        approximator_num_channels=8, approximator_hidden_dim=16, approximator_layers=1),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4), encoder_hidden_states=_rn(g, b, 8, 16),
                      img_ids=_flux_ids(4, 4, 8)[0], txt_ids=_flux_ids(4, 4, 8)[1], timestep=_t(b, 0.5)),
    timestep_scale="descending_0_1",
    notes="Chroma pipelines pass timestep/1000.",
)

_register(
    "bria", "BriaTransformer2DModel",
    _mk("BriaTransformer2DModel", patch_size=1, in_channels=4, num_layers=4, num_single_layers=4,
        attention_head_dim=8, num_attention_heads=2, joint_attention_dim=16, pooled_projection_dim=None,
        axes_dims_rope=[0, 4, 4]),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4), encoder_hidden_states=_rn(g, b, 8, 16),
                      img_ids=_flux_ids(4, 4, 8)[0], txt_ids=_flux_ids(4, 4, 8)[1], timestep=_t(b)),
    notes="BriaPipeline passes the scheduler timesteps (sigma*1000) as is.",
)

_register(
    "bria_fibo", "BriaFiboTransformer2DModel",
    _mk("BriaFiboTransformer2DModel", patch_size=1, in_channels=16, num_layers=4, num_single_layers=4,
        attention_head_dim=8, num_attention_heads=2, joint_attention_dim=32, text_encoder_dim=16,
        pooled_projection_dim=None, axes_dims_rope=[0, 4, 4]),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 16), encoder_hidden_states=_rn(g, b, 8, 32),
                      img_ids=_flux_ids(4, 4, 8)[0], txt_ids=_flux_ids(4, 4, 8)[1], timestep=_t(b),
                      text_encoder_layers=[_rn(g, b, 8, 16) for _ in range(8)]),
    notes="FIBO: one text-encoder layer per block (num_layers + num_single_layers of them).",
)

_register(
    "longcat_image", "LongCatImageTransformer2DModel",
    _mk("LongCatImageTransformer2DModel", patch_size=1, in_channels=4, num_layers=4, num_single_layers=4,
        attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16, pooled_projection_dim=16,
        axes_dims_rope=[4, 4, 8]),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4), encoder_hidden_states=_rn(g, b, 8, 16),
                      img_ids=_flux_ids(4, 4, 8)[0], txt_ids=_flux_ids(4, 4, 8)[1], timestep=_t(b, 0.5),
                      guidance=_t(b, 3.5)),
    timestep_scale="descending_0_1",
    notes="LongCat-Image pipelines pass timestep/1000.",
)

_register(
    "ovis_image", "OvisImageTransformer2DModel",
    _mk("OvisImageTransformer2DModel", patch_size=1, in_channels=4, out_channels=4, num_layers=4,
        num_single_layers=4, attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16,
        axes_dims_rope=(4, 4, 8)),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4), encoder_hidden_states=_rn(g, b, 8, 16),
                      img_ids=_flux_ids(4, 4, 8)[0], txt_ids=_flux_ids(4, 4, 8)[1], timestep=_t(b, 0.5)),
    timestep_scale="descending_0_1",
    notes="Ovis-Image pipeline passes timestep/1000.",
)

_register(
    "hidream", "HiDreamImageTransformer2DModel",
    _mk("HiDreamImageTransformer2DModel", patch_size=2, in_channels=4, out_channels=4, num_layers=3,
        num_single_layers=3, attention_head_dim=8, num_attention_heads=2, caption_channels=[8, 4], text_emb_dim=8,
        num_routed_experts=2, num_activated_experts=2, axes_dims_rope=(4, 2, 2), max_resolution=(8, 8),
        llama_layers=(0, 1, 2, 3, 4, 5), force_inference_output=True),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states_t5=_rn(g, b, 6, 8),
                      encoder_hidden_states_llama3=_rn(g, 6, b, 6, 4), pooled_embeds=_rn(g, b, 8), timesteps=_t(b)),
    timestep_kwarg="timesteps",
    notes="Timestep kwarg is `timesteps`; one llama layer per block (llama_layers indexes "
          "encoder_hidden_states_llama3[layer]). MoE feed-forward (2 routed experts).",
)

_register(
    "hunyuan_dit", "HunyuanDiT2DModel",
    _mk("HunyuanDiT2DModel", sample_size=8, patch_size=2, in_channels=4, num_layers=6, attention_head_dim=8,
        num_attention_heads=2, cross_attention_dim=8, cross_attention_dim_t5=8, pooled_projection_dim=4,
        hidden_size=16, text_len=4, text_len_t5=4, activation_fn="gelu-approximate"),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 4, 8),
                      text_embedding_mask=torch.ones(b, 4), encoder_hidden_states_t5=_rn(g, b, 4, 8),
                      text_embedding_mask_t5=torch.ones(b, 4), timestep=_t(b),
                      image_meta_size=torch.tensor([[1024.0, 1024, 16, 16, 0, 0]]).repeat(b, 1),
                      style=torch.zeros(b, dtype=torch.long),
                      image_rotary_emb=[torch.ones(16, 8), torch.zeros(16, 8)]),
    notes="U-shaped long skips: blocks 0..num_layers//2-2 push their output, blocks num_layers//2+1.. pop one "
          "(skip_linear); 6 layers: 0,1 push, 4,5 pop.",
)

_register(
    "cogview3plus", "CogView3PlusTransformer2DModel",
    _mk("CogView3PlusTransformer2DModel", patch_size=2, in_channels=4, num_layers=4, attention_head_dim=8,
        num_attention_heads=2, out_channels=4, text_embed_dim=8, time_embed_dim=8, condition_dim=2,
        pos_embed_max_size=8, sample_size=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 8),
                      original_size=torch.tensor([[64, 64]]).repeat(b, 1),
                      target_size=torch.tensor([[64, 64]]).repeat(b, 1),
                      crop_coords=torch.tensor([[0, 0]]).repeat(b, 1), timestep=_ti(b)),
)

_register(
    "cogview4", "CogView4Transformer2DModel",
    _mk("CogView4Transformer2DModel", patch_size=2, in_channels=4, num_layers=4, attention_head_dim=8,
        num_attention_heads=2, out_channels=4, text_embed_dim=8, time_embed_dim=8, condition_dim=4),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 8), timestep=_t(b),
                      original_size=torch.tensor([[64, 64]]).repeat(b, 1),
                      target_size=torch.tensor([[64, 64]]).repeat(b, 1),
                      crop_coords=torch.tensor([[0, 0]]).repeat(b, 1)),
)

_register(
    "glm_image", "GlmImageTransformer2DModel",
    _mk("GlmImageTransformer2DModel", patch_size=2, in_channels=4, out_channels=4, num_layers=4,
        attention_head_dim=8, num_attention_heads=2, text_embed_dim=16, time_embed_dim=16, condition_dim=8,
        prior_vq_quantizer_codebook_size=64),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 6, 16),
                      prior_token_id=_ri(g, 64, b, 16), prior_token_drop=torch.zeros(b, dtype=torch.bool),
                      timestep=_ti(b), target_size=torch.tensor([[8.0, 8.0]]).repeat(b, 1),
                      crop_coords=torch.zeros(b, 2)),
    timestep_scale="glm_1000_minus_1",
    notes="GLM-Image pipeline passes t - 1.",
)

_register(
    "lumina_next", "LuminaNextDiT2DModel",
    _mk("LuminaNextDiT2DModel", sample_size=8, patch_size=2, in_channels=4, hidden_size=24, num_layers=4,
        num_attention_heads=3, num_kv_heads=1, multiple_of=16, ffn_dim_multiplier=None, norm_eps=1e-5,
        learn_sigma=False, qk_norm=True, cross_attention_dim=16, scaling_factor=1.0),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_t(b, 0.5),
                      encoder_mask=torch.ones(b, 6), image_rotary_emb=_lumina_next_rope(), cross_attention_kwargs={}),
    timestep_scale="ascending_0_1",
    notes="Lumina-Next; pipeline passes 1 - t/1000; image_rotary_emb is precomputed by the pipeline.",
)


def _lumina_next_rope():
    from diffusers.models.embeddings import get_2d_rotary_pos_embed_lumina

    return get_2d_rotary_pos_embed_lumina(8, 64, 64, linear_factor=1.0, ntk_factor=1.0)


_register(
    "lumina2", "Lumina2Transformer2DModel",
    _mk("Lumina2Transformer2DModel", sample_size=8, patch_size=2, in_channels=4, hidden_size=24, num_layers=4,
        num_refiner_layers=3, num_attention_heads=3, num_kv_heads=1, multiple_of=2, ffn_dim_multiplier=None,
        norm_eps=1e-5, scaling_factor=1.0, axes_dim_rope=(4, 2, 2), axes_lens=(64, 64, 64), cap_feat_dim=16),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_t(b, 0.5),
                      encoder_attention_mask=torch.ones(b, 6, dtype=torch.bool)),
    timestep_scale="ascending_0_1",
    notes="Lumina-Image-2.0; pipeline passes 1 - t/1000. noise_refiner/context_refiner stacks before `layers`.",
)

_register(
    "z_image", "ZImageTransformer2DModel",
    _mk("ZImageTransformer2DModel", all_patch_size=(2,), all_f_patch_size=(1,), in_channels=4, dim=32, n_layers=4,
        n_refiner_layers=3, n_heads=2, n_kv_heads=2, qk_norm=True, cap_feat_dim=16, rope_theta=256.0, t_scale=1000.0,
        axes_dims=[8, 4, 4], axes_lens=[64, 32, 32]),
    lambda b, g: dict(x=[_rn(g, 4, 1, 8, 8) for _ in range(b)], t=_t(b, 0.5),
                      cap_feats=[_rn(g, 6, 16) for _ in range(b)]),
    timestep_kwarg="t", timestep_scale="ascending_0_1",
    notes="List-of-samples API (x, cap_feats are lists, one tensor per sample); pipeline passes (1000 - t)/1000; "
          "returns a list of tensors (output_tensor stacks them).",
)

_register(
    "bria_fibo2", "BriaFibo2Transformer2DModel",
    _mk("BriaFibo2Transformer2DModel", in_channels=4, patch_size=2, dim=32, n_layers=4, n_refiner_layers=3, n_heads=2,
        cap_feat_dim=24, injection_layer_ids=(1,), perceiver_num_layers=1, min_num_gist_tokens=4,
        max_num_gist_tokens=8, gist_step=4, gist_min_text_len=4, gist_max_text_len=16, axes_dims=(4, 6, 6),
        axes_lens=(16, 16, 16)),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), timestep=_t(b, 0.5),
                      encoder_hidden_states=_rn(g, b, 2, 6, 24)),
    timestep_scale="descending_0_1",
    notes="Z-Image-derived; pipeline passes t/1000. Same block class runs in the noise refiner, the main `layers` "
          "and the injection layers.",
)

_register(
    "qwenimage", "QwenImageTransformer2DModel",
    _mk("QwenImageTransformer2DModel", patch_size=2, in_channels=16, out_channels=4, num_layers=4,
        attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16, guidance_embeds=False,
        axes_dims_rope=(8, 4, 4)),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 16), encoder_hidden_states=_rn(g, b, 8, 16),
                      encoder_hidden_states_mask=torch.ones(b, 8, dtype=torch.long), timestep=_t(b, 0.5),
                      img_shapes=[(1, 4, 4)] * b),
    timestep_scale="descending_0_1",
    notes="Qwen-Image pipelines pass timestep/1000; img_shapes is a python list (one (F, H, W) per sample).",
)

_register(
    "qwenimage21", "QwenImage21Transformer2DModel",
    _mk("QwenImage21Transformer2DModel", patch_size=1, in_channels=4, out_channels=4, num_layers=4,
        attention_head_dim=16, num_attention_heads=2, context_in_dim=8, mlp_ratio=2, axes_dims_rope=(4, 6, 6)),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4), encoder_hidden_states=_rn(g, b, 4, 8),
                      encoder_hidden_states_mask=torch.ones(b, 4, dtype=torch.long), timestep=_t(b, 0.5),
                      img_shapes=[[(1, 4, 4)]] * b,
                      img_mask=torch.cat([torch.zeros(b, 4, dtype=torch.bool), torch.ones(b, 4, dtype=torch.bool)], 1)),
    timestep_scale="descending_0_1",
    notes="Qwen-Image 2.1: block-causal attention via flex_attention BlockMask; pipeline passes timestep/1000.",
)

_register(
    "nucleusmoe_image", "NucleusMoEImageTransformer2DModel",
    _mk("NucleusMoEImageTransformer2DModel", patch_size=2, in_channels=16, out_channels=4, num_layers=4,
        attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16, axes_dims_rope=(8, 4, 4),
        moe_enabled=False, capacity_factors=[8.0] * 4),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 16), encoder_hidden_states=_rn(g, b, 8, 16),
                      encoder_hidden_states_mask=torch.ones(b, 8, dtype=torch.long), timestep=_t(b, 0.5),
                      img_shapes=[(1, 4, 4)] * b),
    timestep_scale="descending_0_1",
    notes="Pipeline passes t/num_train_timesteps. MoE disabled in the tiny config.",
)

_register(
    "ernie_image", "ErnieImageTransformer2DModel",
    _mk("ErnieImageTransformer2DModel", hidden_size=16, num_attention_heads=1, num_layers=4, ffn_hidden_size=16,
        in_channels=16, out_channels=16, patch_size=1, text_in_dim=16, rope_theta=256, rope_axes_dim=(8, 4, 4),
        eps=1e-6, qk_layernorm=True),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 4, 4), timestep=_t(b), text_bth=_rn(g, b, 6, 16),
                      text_lens=torch.full((b,), 6, dtype=torch.long)),
    notes="Pipeline passes the scheduler's timesteps (sigma*1000).",
)

_register(
    "prx", "PRXTransformer2DModel",
    _mk("PRXTransformer2DModel", in_channels=4, patch_size=2, context_in_dim=16, hidden_size=32, mlp_ratio=2.0,
        num_heads=2, depth=4, axes_dim=[8, 8], theta=10000),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_t(b, 0.5)),
    timestep_scale="descending_0_1",
    notes="PRX (Photoroom): pipeline passes t/num_train_timesteps.",
)

_register(
    "ideogram4", "Ideogram4Transformer2DModel",
    _mk("Ideogram4Transformer2DModel", in_channels=16, num_layers=4, attention_head_dim=8, num_attention_heads=2,
        intermediate_size=32, adaln_dim=16, llm_features_dim=24, rope_theta=10000, mrope_section=(2, 1, 1),
        norm_eps=1e-5),
    lambda b, g: _ideogram4_inputs(b, g),
    timestep_scale="ascending_0_1",
    notes="Text and image tokens share one sequence (indicator/segment ids); pipeline passes 1 - t/1000.",
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
    return dict(hidden_states=hs, encoder_hidden_states=ehs, timestep=_t(b, 0.5), position_ids=pos,
                segment_ids=torch.ones(b, seq, dtype=torch.long), indicator=ind)


_register(
    "krea2", "Krea2Transformer2DModel",
    _mk("Krea2Transformer2DModel", in_channels=16, num_layers=4, attention_head_dim=8, num_attention_heads=2,
        num_key_value_heads=1, intermediate_size=32, timestep_embed_dim=8, text_hidden_dim=16, num_text_layers=3,
        text_num_attention_heads=2, text_num_key_value_heads=1, text_intermediate_size=16,
        num_layerwise_text_blocks=1, num_refiner_text_blocks=1, axes_dims_rope=(4, 2, 2), rope_theta=1000.0,
        norm_eps=1e-5),
    lambda b, g: _krea2_inputs(b, g),
    timestep_scale="descending_0_1",
    notes="Pipeline passes t/num_train_timesteps.",
)


def _krea2_inputs(b, g, h=2, w=2, n_txt=4):
    pos = torch.zeros(n_txt + h * w, 3)
    pos[n_txt:, 1] = torch.arange(h).repeat_interleave(w)
    pos[n_txt:, 2] = torch.arange(w).repeat(h)
    mask = torch.ones(b, n_txt, dtype=torch.bool)
    mask[:, -1] = False
    return dict(hidden_states=_rn(g, b, h * w, 16), encoder_hidden_states=_rn(g, b, n_txt, 3, 16),
                timestep=_t(b, 0.5), position_ids=pos, encoder_attention_mask=mask)


_register(
    "sana", "SanaTransformer2DModel",
    _mk("SanaTransformer2DModel", patch_size=1, in_channels=4, out_channels=4, num_layers=4, attention_head_dim=8,
        num_attention_heads=2, num_cross_attention_heads=2, cross_attention_head_dim=8, cross_attention_dim=16,
        caption_channels=8, sample_size=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8, 8), encoder_hidden_states=_rn(g, b, 6, 8), timestep=_t(b)),
    notes="SanaPipeline passes t * config.timestep_scale (1.0). Linear attention + Mix-FFN (conv) blocks.",
)

_register(
    "omnigen", "OmniGenTransformer2DModel",
    _mk("OmniGenTransformer2DModel", hidden_size=16, num_attention_heads=4, num_key_value_heads=4,
        intermediate_size=32, num_layers=4, pad_token_id=0, vocab_size=100, in_channels=4, time_step_dim=4,
        rope_scaling={"long_factor": [1, 2], "short_factor": [1, 2]}),
    lambda b, g: _omnigen_inputs(b, g),
    timestep_scale="ascending_0_1",
    notes="Phi-3 style LLM over [text, time token, image] tokens; scheduler has invert_sigmas=True, "
          "num_train_timesteps=1, so t = 1 - sigma.",
)


def _omnigen_inputs(b, g, seq=12, h=8, w=8):
    n = seq + 1 + (h // 2) * (w // 2)
    return dict(hidden_states=_rn(g, b, 4, h, w), timestep=_t(b, 0.5), input_ids=_ri(g, 10, b, seq),
                input_img_latents=[], input_image_sizes={}, attention_mask=torch.ones(b, n, n),
                position_ids=torch.arange(n).unsqueeze(0).repeat(b, 1))


_register(
    "stable_audio", "StableAudioDiTModel",
    _mk("StableAudioDiTModel", sample_size=8, in_channels=4, num_layers=4, attention_head_dim=8,
        num_attention_heads=2, num_key_value_attention_heads=1, out_channels=4, cross_attention_dim=16,
        time_proj_dim=8, global_states_input_dim=8, cross_attention_input_dim=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 8), timestep=_t(b, 0.5), encoder_hidden_states=_rn(g, b, 6, 8),
                      global_hidden_states=_rn(g, b, 1, 8), rotary_embedding=_stable_audio_rope(8 + 1, 8 // 2)),
    timestep_scale="cosine_dpm",
    notes="Stable Audio Open: CosineDPMSolverMultistepScheduler timesteps (atan(sigma)*2/pi); rotary table built by "
          "the pipeline for latent length + 1 global token.",
)


def _stable_audio_rope(n, dim):
    from diffusers.models.embeddings import get_1d_rotary_pos_embed

    return get_1d_rotary_pos_embed(dim, n, use_real=True, repeat_interleave_real=False)


_register(
    "stable_audio3", "StableAudio3DiTModel",
    _mk("StableAudio3DiTModel", io_channels=8, patch_size=1, embed_dim=32, depth=4, num_heads=2, cond_token_dim=16,
        global_cond_dim=12, local_add_cond_dim=5, timestep_features_dim=16, ff_mult=2, num_memory_tokens=3,
        use_differential_attention=False),
    lambda b, g: dict(hidden_states=_rn(g, b, 8, 16), timestep=_t(b, 0.5), encoder_hidden_states=_rn(g, b, 4, 16),
                      global_hidden_states=_rn(g, b, 12)),
    timestep_scale="descending_0_1",
    notes="Flow matching with logSNR sigma schedule; the pipeline passes the scheduler timestep (sigma scale).",
)

_register(
    "ace_step", "AceStepTransformer1DModel",
    _mk("AceStepTransformer1DModel", hidden_size=32, intermediate_size=64, num_hidden_layers=4, num_attention_heads=2,
        num_key_value_heads=1, head_dim=16, in_channels=24, audio_acoustic_hidden_dim=8, patch_size=2,
        rope_theta=10000.0, rms_norm_eps=1e-6, sliding_window=16),
    lambda b, g: dict(hidden_states=_rn(g, b, 8, 8), timestep=_t(b, 0.5), timestep_r=_t(b, 0.5),
                      encoder_hidden_states=_rn(g, b, 6, 32), context_latents=_rn(g, b, 8, 16)),
    timestep_scale="descending_0_1", extra_timestep_kwargs=("timestep_r",),
    notes="ACE-Step 1.5: pipeline passes t in [0, 1] as both timestep and timestep_r.",
)

_register(
    "longcat_audio_dit", "LongCatAudioDiTTransformer",
    _mk("LongCatAudioDiTTransformer", dit_dim=32, dit_depth=4, dit_heads=2, dit_text_dim=16, latent_dim=8,
        text_conv=False),
    lambda b, g: dict(hidden_states=_rn(g, b, 8, 8), encoder_hidden_states=_rn(g, b, 6, 16),
                      encoder_attention_mask=torch.ones(b, 6, dtype=torch.bool),
                      attention_mask=torch.ones(b, 8, dtype=torch.bool), timestep=_t(b, 0.5)),
    timestep_scale="ascending_0_1",
    notes="Scheduler invert_sigmas=True; pipeline passes t/num_train_timesteps, i.e. 1 - sigma.",
)

_register(
    "minimax_music3", "MiniMaxMusic3Transformer1DModel",
    _mk("MiniMaxMusic3Transformer1DModel", in_channels=8, condition_dim=16, num_layers=4, num_attention_heads=2,
        attention_head_dim=8, ff_inner_dim=32, rotary_dim=4, fourier_embedding_dim=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 8, 12), encoder_hidden_states=_rn(g, b, 12, 16), timestep=_t(b, 0.5)),
    timestep_scale="ascending_0_1",
    notes="Scheduler invert_sigmas=True, num_train_timesteps=1 (modular pipeline).",
)

_register(
    "minimax_music3_rvq_depth", "MiniMaxMusic3RVQDepthDecoder",
    _mk("MiniMaxMusic3RVQDepthDecoder", hidden_size=32, num_layers=4, num_attention_heads=2, intermediate_size=64,
        audio_vocab_size=16, num_codebooks=4, max_position_embeddings=8),
    lambda b, g: dict(inputs_embeds=_rn(g, b, 4, 32)),
    timestep_kwarg="", timestep_scale="descending_0_1",
    notes="Not a diffusion model: autoregressive RVQ depth decoder with no timestep input (with_timestep is a "
          "no-op). Returns a bare tensor of logits.",
)

# ====================================================================================================================
# video
# ====================================================================================================================

_register(
    "cogvideox", "CogVideoXTransformer3DModel",
    _mk("CogVideoXTransformer3DModel", num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=4,
        time_embed_dim=2, text_embed_dim=8, num_layers=4, sample_width=8, sample_height=8, sample_frames=9,
        patch_size=2, patch_size_t=None, temporal_compression_ratio=4, max_text_seq_length=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 3, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 8), timestep=_ti(b)),
    notes="CogVideoX 1.0 (sincos pos-embed, no RoPE): hidden_states is (B, F, C, H, W).",
)

_register(
    "cogvideox15", "CogVideoXTransformer3DModel",
    _mk("CogVideoXTransformer3DModel", num_attention_heads=2, attention_head_dim=16, in_channels=4, out_channels=4,
        time_embed_dim=2, text_embed_dim=8, num_layers=4, sample_width=8, sample_height=8, sample_frames=8,
        patch_size=2, patch_size_t=2, temporal_compression_ratio=4, max_text_seq_length=8,
        use_rotary_positional_embeddings=True),
    lambda b, g: dict(hidden_states=_rn(g, b, 2, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 8), timestep=_ti(b),
                      image_rotary_emb=_cogvideox_rope(2, 8, 8)),
    notes="CogVideoX 1.5 (temporal patching, RoPE passed in by the pipeline).",
)


def _cogvideox_rope(frames, h, w, head_dim=16, p=2, p_t=2):
    """As CogVideoXPipeline._prepare_rotary_positional_embeddings for 1.5 (patch_size_t set)."""
    from diffusers.models.embeddings import get_3d_rotary_pos_embed

    return get_3d_rotary_pos_embed(embed_dim=head_dim, crops_coords=None, grid_size=(h // p, w // p),
                                   temporal_size=(frames + p_t - 1) // p_t, grid_type="slice",
                                   max_size=(8 // p, 8 // p))


_register(
    "consisid", "ConsisIDTransformer3DModel",
    _mk("ConsisIDTransformer3DModel", num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=4,
        time_embed_dim=2, text_embed_dim=8, num_layers=4, sample_width=8, sample_height=8, sample_frames=8,
        patch_size=2, temporal_compression_ratio=4, max_text_seq_length=8, cross_attn_interval=1, is_kps=False,
        is_train_face=True, cross_attn_dim_head=1, cross_attn_num_heads=1, LFE_id_dim=2, LFE_vit_dim=2,
        LFE_depth=5, LFE_dim_head=8, LFE_num_heads=2, LFE_num_id_token=1, LFE_num_querie=1, LFE_output_dim=10,
        LFE_ff_mult=1, LFE_num_scale=1),
    lambda b, g: dict(hidden_states=_rn(g, b, 1, 4, 8, 8), encoder_hidden_states=_rn(g, b, 8, 8), timestep=_ti(b),
                      id_vit_hidden=[torch.ones(b, 2, 2)], id_cond=torch.ones(b, 2)),
    notes="CogVideoX-based; face cross-attention (`perceiver_cross_attention.N`) applied at root level after every block "
          "(cross_attn_interval=1): two interleaved lists.",
)

_register(
    "latte", "LatteTransformer3DModel",
    _mk("LatteTransformer3DModel", sample_size=8, num_layers=4, patch_size=2, attention_head_dim=8,
        num_attention_heads=2, caption_channels=8, in_channels=4, cross_attention_dim=16, out_channels=8,
        attention_bias=True, activation_fn="gelu-approximate", num_embeds_ada_norm=1000, norm_type="ada_norm_single",
        norm_elementwise_affine=False, norm_eps=1e-6, video_length=2),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 6, 8), timestep=_ti(b),
                      enable_temporal_attentions=True),
    notes="Interleaved spatial (`transformer_blocks`) / temporal (`temporal_transformer_blocks`) stacks, zipped; "
          "the frame count must equal config.video_length (2 here).",
)

_register(
    "allegro", "AllegroTransformer3DModel",
    _mk("AllegroTransformer3DModel", num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=4,
        num_layers=4, cross_attention_dim=16, sample_width=8, sample_height=8, sample_frames=8, caption_channels=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 6, 8), timestep=_ti(b)),
)

_register(
    "mochi", "MochiTransformer3DModel",
    _mk("MochiTransformer3DModel", patch_size=2, num_attention_heads=2, attention_head_dim=8, num_layers=4,
        pooled_projection_dim=16, in_channels=4, out_channels=None, qk_norm="rms_norm", text_embed_dim=16,
        time_embed_dim=4, activation_fn="swiglu", max_sequence_length=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_t(b),
                      encoder_attention_mask=torch.ones(b, 8, dtype=torch.bool)),
    timestep_scale="ascending_1000",
    notes="Scheduler invert_sigmas=True: the pipeline passes 1000*(1 - sigma). Last block is context_pre_only.",
)

_register(
    "ltx", "LTXVideoTransformer3DModel",
    _mk("LTXVideoTransformer3DModel", in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, num_layers=4, qk_norm="rms_norm_across_heads", caption_channels=16),
    lambda b, g: dict(hidden_states=_rn(g, b, 2 * 4 * 4, 4), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_t(b),
                      encoder_attention_mask=torch.ones(b, 8, dtype=torch.bool), num_frames=2, height=4, width=4),
    notes="Packed tokens (B, F*H*W, C); pipeline passes sigma*1000.",
)

_register(
    "ltx2", "LTX2VideoTransformer3DModel",
    _mk("LTX2VideoTransformer3DModel", in_channels=4, out_channels=4, patch_size=1, patch_size_t=1,
        num_attention_heads=2, attention_head_dim=8, cross_attention_dim=16, audio_in_channels=4,
        audio_out_channels=4, audio_num_attention_heads=2, audio_attention_head_dim=4, audio_cross_attention_dim=8,
        num_layers=4, qk_norm="rms_norm_across_heads", caption_channels=16, rope_double_precision=False),
    lambda b, g: dict(hidden_states=_rn(g, b, 2 * 4 * 4, 4), audio_hidden_states=_rn(g, b, 5, 4),
                      encoder_hidden_states=_rn(g, b, 8, 16), audio_encoder_hidden_states=_rn(g, b, 8, 16),
                      timestep=_t(b), encoder_attention_mask=torch.ones(b, 8, dtype=torch.bool), num_frames=2,
                      height=4, width=4, audio_num_frames=5, fps=25.0),
    notes="Audio-video joint model; returns AudioVisualModelOutput(sample, audio_sample).",
)

_register(
    "hunyuan_video", "HunyuanVideoTransformer3DModel",
    _mk("HunyuanVideoTransformer3DModel", in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=8,
        num_layers=3, num_single_layers=4, num_refiner_layers=3, patch_size=1, patch_size_t=1, guidance_embeds=True,
        text_embed_dim=16, pooled_projection_dim=8, rope_axes_dim=(2, 2, 4), image_condition_type=None),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 1, 4, 4), timestep=_t(b), encoder_hidden_states=_rn(g, b, 6, 16),
                      pooled_projections=_rn(g, b, 8), encoder_attention_mask=torch.ones(b, 6),
                      guidance=_t(b, 6000.0)),
    notes="Double-stream (`transformer_blocks`) then single-stream blocks; the token refiner "
          "(context_embedder.token_refiner.refiner_blocks) is a nested stack.",
)

_register(
    "hunyuan_video_framepack", "HunyuanVideoFramepackTransformer3DModel",
    _mk("HunyuanVideoFramepackTransformer3DModel", in_channels=4, out_channels=4, num_attention_heads=2,
        attention_head_dim=8, num_layers=3, num_single_layers=3, num_refiner_layers=3, patch_size=2,
        patch_size_t=1, guidance_embeds=True, text_embed_dim=16, pooled_projection_dim=8, rope_axes_dim=(2, 2, 4),
        image_condition_type=None, has_image_proj=True, image_proj_dim=16, has_clean_x_embedder=True),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 3, 4, 4), timestep=_ti(b), encoder_hidden_states=_rn(g, b, 6, 16),
                      pooled_projections=_rn(g, b, 8), encoder_attention_mask=torch.ones(b, 6),
                      guidance=_ti(b, 6000), image_embeds=_rn(g, b, 6, 16), indices_latents=torch.ones(3),
                      latents_clean=_rn(g, b, 4, 2, 4, 4), indices_latents_clean=torch.ones(2),
                      latents_history_2x=_rn(g, b, 4, 2, 4, 4), indices_latents_history_2x=torch.ones(2),
                      latents_history_4x=_rn(g, b, 4, 8, 4, 4), indices_latents_history_4x=torch.ones(8)),
)

_register(
    "hunyuan_video15", "HunyuanVideo15Transformer3DModel",
    _mk("HunyuanVideo15Transformer3DModel", in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=8,
        num_layers=4, num_refiner_layers=3, mlp_ratio=2.0, patch_size=1, patch_size_t=1, text_embed_dim=16,
        text_embed_2_dim=8, image_embed_dim=12, rope_axes_dim=(2, 2, 4), target_size=16, task_type="t2v"),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 1, 4, 4), timestep=_t(b), encoder_hidden_states=_rn(g, b, 6, 16),
                      encoder_hidden_states_2=_rn(g, b, 4, 8), encoder_attention_mask=torch.ones(b, 6),
                      encoder_attention_mask_2=torch.ones(b, 4), image_embeds=_rn(g, b, 3, 12)),
)

_register(
    "hunyuanimage", "HunyuanImageTransformer2DModel",
    _mk("HunyuanImageTransformer2DModel", in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=8,
        num_layers=3, num_single_layers=4, num_refiner_layers=3, patch_size=(1, 1), guidance_embeds=False,
        text_embed_dim=16, text_embed_2_dim=None, rope_axes_dim=(4, 4)),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 4, 4), timestep=_t(b), encoder_hidden_states=_rn(g, b, 6, 16),
                      encoder_attention_mask=torch.ones(b, 6)),
    notes="HunyuanImage 2.1 (no meanflow, no byT5 stream).",
)

_register(
    "wan", "WanTransformer3DModel",
    _mk("WanTransformer3DModel", patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=4,
        out_channels=4, text_dim=16, freq_dim=32, ffn_dim=32, num_layers=4, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_ti(b)),
    notes="Wan 2.1/2.2 (T2V); pipeline passes the scheduler timesteps.",
)

_register(
    "wan_vace", "WanVACETransformer3DModel",
    _mk("WanVACETransformer3DModel", patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
        in_channels=4, out_channels=4, text_dim=16, freq_dim=32, ffn_dim=32, num_layers=4, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, vace_layers=[0, 1, 3], vace_in_channels=12),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16),
                      control_hidden_states=_rn(g, b, 12, 2, 8, 8), timestep=_ti(b)),
    notes="VACE: a `vace_blocks` stack (one per vace layer) runs first; its hints are added after blocks 0, 1 and 3 "
          "(vace_layers=[0, 1, 3]) at root level (glue between main blocks).",
)

_register(
    "wan_animate", "WanAnimateTransformer3DModel",
    _mk("WanAnimateTransformer3DModel", patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
        in_channels=12, latent_channels=4, out_channels=4, text_dim=16, freq_dim=32, ffn_dim=32, num_layers=6,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", image_dim=16, rope_max_seq_len=32,
        motion_encoder_channel_sizes={"4": 16, "8": 16, "16": 16}, motion_encoder_size=16, motion_style_dim=8,
        motion_dim=4, motion_encoder_dim=16, face_encoder_hidden_dim=16, face_encoder_num_heads=2,
        inject_face_latents_blocks=2),
    lambda b, g: dict(hidden_states=_rn(g, b, 12, 5, 8, 8), timestep=_ti(b), encoder_hidden_states=_rn(g, b, 8, 16),
                      encoder_hidden_states_image=_rn(g, b, 4, 16), pose_hidden_states=_rn(g, b, 4, 4, 8, 8),
                      face_pixel_values=_rn(g, b, 3, 13, 16, 16)),
    slow=True,
    notes="Face adapter (`face_adapter.N`) applied at root level after every 2nd of the 6 blocks; the motion encoder is a "
          "conv net with its own small lists (res_blocks, motion_network).",
)

_register(
    "wan_animate2", "WanAnimate2Transformer3DModel",
    _mk("WanAnimate2Transformer3DModel", patch_size=(1, 2, 2), text_len=8, in_dim=36, dim=32, ffn_dim=64,
        freq_dim=32, text_dim=16, out_dim=16, num_heads=2, num_layers=4, cross_attn_norm=True, use_img_emb=True),
    lambda b, g: _wan_animate2_inputs(b, g),
    max_batch_size=1,
    notes="List-of-samples API with a reference KV cache: the inputs run a generation step (kv_cache_mode='cached') "
          "against a cache prefilled with random K/V (the reference pass ignores t). Block-sparse flex attention.",
)


def _wan_animate2_inputs(b, g, ref_frames=2, frames=3, h=4, w=4, num_layers=4, heads=2, head_dim=16):
    """One generation step (kv_cache_mode='cached') against a reference KV cache prefilled with random pre-RoPE K/V
    (what the reference pass, kv_cache_mode='extract', would have stored)."""
    from diffusers.models.transformers.transformer_wan_animate_2 import WanAnimate2KVCache

    cache = WanAnimate2KVCache(num_layers)
    ref_len = ref_frames * (h // 2) * (w // 2)
    for layer in cache.layer_caches:
        layer.store(_rn(g, 1, ref_len, heads, head_dim), _rn(g, 1, ref_len, heads, head_dim))
    return dict(hidden_states=[_rn(g, 16, frames, h, w)], timestep=_t(1, 500.0),
                encoder_hidden_states=[_rn(g, 8, 16)], condition_latents=[_rn(g, 20, frames, h, w)],
                encoder_hidden_states_image=_rn(g, 1, 4, 1280), kv_cache=cache, kv_cache_mode="cached",
                seq_len=frames * (h // 2) * (w // 2),
                reference_grid_sizes=torch.tensor([[ref_frames, h // 2, w // 2]], dtype=torch.long),
                origin_len=5, origin_area=[32, 32])


_register(
    "skyreels_v2", "SkyReelsV2Transformer3DModel",
    _mk("SkyReelsV2Transformer3DModel", patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
        in_channels=4, out_channels=4, text_dim=16, freq_dim=32, ffn_dim=32, num_layers=4, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_ti(b)),
)

_register(
    "chronoedit", "ChronoEditTransformer3DModel",
    _mk("ChronoEditTransformer3DModel", patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=8,
        in_channels=8, out_channels=4, text_dim=16, freq_dim=16, ffn_dim=32, num_layers=4, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", eps=1e-6, image_dim=None, added_kv_proj_dim=None, rope_max_seq_len=64,
        pos_embed_seq_len=None, rope_temporal_skip_len=8),
    lambda b, g: dict(hidden_states=_rn(g, b, 8, 2, 8, 8), timestep=_ti(b), encoder_hidden_states=_rn(g, b, 8, 16),
                      encoder_hidden_states_image=None),
)

_register(
    "helios", "HeliosTransformer3DModel",
    _mk("HeliosTransformer3DModel", patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
        in_channels=4, out_channels=4, text_dim=16, freq_dim=32, ffn_dim=32, num_layers=4, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_dim=(4, 4, 4), has_multi_term_memory_patch=True,
        guidance_cross_attn=True, zero_history_timestep=True, is_amplify_history=False),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), timestep=_ti(b), encoder_hidden_states=_rn(g, b, 8, 16),
                      indices_hidden_states=torch.ones(b, 2), indices_latents_history_short=torch.ones(b, 1),
                      indices_latents_history_mid=torch.ones(b, 1), indices_latents_history_long=torch.ones(b, 4),
                      latents_history_short=_rn(g, b, 4, 1, 8, 8), latents_history_mid=_rn(g, b, 4, 1, 8, 8),
                      latents_history_long=_rn(g, b, 4, 4, 8, 8)),
)

_register(
    "anyflow", "AnyFlowTransformer3DModel",
    _mk("AnyFlowTransformer3DModel", patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
        in_channels=4, out_channels=4, text_dim=16, freq_dim=32, ffn_dim=32, num_layers=4, cross_attn_norm=True,
        rope_max_seq_len=32, gate_value=0.25, deltatime_type="r"),
    lambda b, g: dict(hidden_states=_rn(g, b, 2, 4, 8, 8), timestep=torch.full((b, 2), 500.0),
                      r_timestep=torch.full((b, 2), 500.0), encoder_hidden_states=_rn(g, b, 8, 16)),
    extra_timestep_kwargs=("r_timestep",),
    notes="Flow-map model with per-frame timesteps (B, F) and a target time r_timestep; with_timestep sets r = t "
          "(the pipeline's non-flow-map branch). hidden_states is (B, F, C, H, W).",
)

_register(
    "anyflow_far", "AnyFlowFARTransformer3DModel",
    _mk("AnyFlowFARTransformer3DModel", patch_size=(1, 2, 2), compressed_patch_size=(1, 4, 4), full_chunk_limit=3,
        num_attention_heads=2, attention_head_dim=16, in_channels=4, out_channels=4, text_dim=16, freq_dim=32,
        ffn_dim=32, num_layers=4, cross_attn_norm=True, rope_max_seq_len=32, gate_value=0.25, deltatime_type="r"),
    lambda b, g: dict(hidden_states=_rn(g, b, 2, 4, 8, 8), timestep=torch.full((b, 2), 500.0),
                      r_timestep=torch.full((b, 2), 500.0), encoder_hidden_states=_rn(g, b, 8, 16),
                      chunk_partition=[1, 1]),
    extra_timestep_kwargs=("r_timestep",), slow=True,
    notes="Frame-autoregressive AnyFlow: builds a flex_attention BlockMask per call (slow on CPU).",
)

_register(
    "easyanimate", "EasyAnimateTransformer3DModel",
    _mk("EasyAnimateTransformer3DModel", attention_head_dim=16, num_attention_heads=2, in_channels=4, mmdit_layers=4,
        num_layers=4, out_channels=4, patch_size=2, sample_height=60, sample_width=90, text_embed_dim=16,
        time_embed_dim=8, time_position_encoding_type="3d_rope", timestep_activation_fn="silu"),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), timestep=_ti(b), timestep_cond=None,
                      encoder_hidden_states=_rn(g, b, 8, 16), encoder_hidden_states_t5=None, inpaint_latents=None,
                      control_latents=None),
)

_register(
    "cosmos", "CosmosTransformer3DModel",
    _mk("CosmosTransformer3DModel", in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=12,
        num_layers=4, mlp_ratio=2, text_embed_dim=16, adaln_lora_dim=4, max_size=(4, 32, 32), patch_size=(1, 2, 2),
        rope_scale=(2.0, 1.0, 1.0), concat_padding_mask=False, extra_pos_embed_type="learnable"),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 1, 8, 8), timestep=_t(b, 0.0), encoder_hidden_states=_rn(g, b, 8, 16),
                      attention_mask=torch.ones(b, 8), fps=30),
    timestep_scale="edm_c_noise",
    notes="Cosmos 1.0 config (EDM: pipeline passes c_noise = 0.25*log(sigma)); Cosmos 2 passes sigma/(sigma+1), "
          "Cosmos 2.5 the flow sigma. concat_padding_mask=False because True needs torchvision (not installed).",
)

_register(
    "cosmos3", "Cosmos3OmniTransformer",
    _mk("Cosmos3OmniTransformer", head_dim=8, hidden_act="relu2", hidden_size=16, intermediate_size=32,
        latent_channel=2, latent_patch_size=1, num_attention_heads=2, num_hidden_layers=4, num_key_value_heads=1,
        patch_latent_dim=2, qk_norm_for_text=False, rms_norm_eps=1e-5, rope_axes_dim=[2, 2, 4], rope_theta=1e4,
        vocab_size=32),
    lambda b, g: _cosmos3_inputs(g),
    timestep_kwarg="vision_timesteps", max_batch_size=1,
    notes="Packed omni-model (text + vision tokens in one sequence, no batch dim); the pipeline passes the "
          "scheduler timestep (x config.timestep_scale=0.001 inside).",
)


def _cosmos3_inputs(g, h=2, w=2):
    n_vis = h * w
    seq = 2 + n_vis
    vis = torch.arange(2, seq)
    return dict(input_ids=torch.tensor([1, 2]), text_indexes=torch.tensor([0, 1]),
                position_ids=torch.zeros(3, seq, dtype=torch.long), und_len=2, sequence_length=seq,
                vision_tokens=[_rn(g, 1, 2, 1, h, w)], vision_token_shapes=[(1, h, w)], vision_sequence_indexes=vis,
                vision_mse_loss_indexes=vis, vision_timesteps=torch.full((n_vis,), 500.0),
                vision_noisy_frame_indexes=[torch.tensor([0])])


_register(
    "motif_video", "MotifVideoTransformer3DModel",
    _mk("MotifVideoTransformer3DModel", in_channels=9, out_channels=4, num_attention_heads=2, attention_head_dim=12,
        num_layers=3, num_single_layers=3, num_decoder_layers=0, mlp_ratio=2.0, patch_size=1, patch_size_t=1,
        qk_norm="rms_norm", norm_type="layer_norm", text_embed_dim=16, image_embed_dim=4, rope_theta=256.0,
        rope_axes_dim=(4, 4, 4), enable_text_cross_attention_dual=False, enable_text_cross_attention_single=False),
    lambda b, g: dict(hidden_states=_rn(g, b, 9, 1, 4, 4), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_ti(b)),
)

_register(
    "motif_video_decoder", "MotifVideoTransformer3DModel",
    _mk("MotifVideoTransformer3DModel", in_channels=9, out_channels=4, num_attention_heads=2, attention_head_dim=12,
        num_layers=3, num_single_layers=6, num_decoder_layers=3, mlp_ratio=2.0, patch_size=1, patch_size_t=1,
        qk_norm="rms_norm", norm_type="layer_norm", text_embed_dim=16, image_embed_dim=4, rope_theta=256.0,
        rope_axes_dim=(4, 4, 4), enable_text_cross_attention_dual=False, enable_text_cross_attention_single=False),
    lambda b, g: dict(hidden_states=_rn(g, b, 9, 1, 4, 4), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_ti(b)),
    notes="num_decoder_layers=3: the last 3 of the 6 `single_transformer_blocks` run as a decoder on a copy of the "
          "pre-block hidden states, cross-attending the encoder output -- one ModuleList, two phases with glue.",
)

_register(
    "sana_video", "SanaVideoTransformer3DModel",
    _mk("SanaVideoTransformer3DModel", in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=12,
        num_layers=4, num_cross_attention_heads=2, cross_attention_head_dim=12, cross_attention_dim=24,
        caption_channels=16, mlp_ratio=2.5, dropout=0.0, attention_bias=False, sample_size=8, patch_size=(1, 2, 2),
        norm_elementwise_affine=False, norm_eps=1e-6, qk_norm="rms_norm_across_heads", rope_max_seq_len=32),
    lambda b, g: dict(hidden_states=_rn(g, b, 4, 2, 8, 8), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_ti(b)),
)

_register(
    "sana_wm", "SanaWMTransformer3DModel",
    _mk("SanaWMTransformer3DModel", in_channels=4, num_layers=4, hidden_size=32, num_attention_heads=2,
        patch_size=(1, 1, 1), softmax_every_n=2, linear_head_dim=16, t_kernel_size=3, conv_kernel_size=4,
        caption_channels=8, mlp_ratio=2.0, chunk_plucker_channels=8, chunk_plucker_post_attn_blocks=4),
    lambda b, g: _sana_wm_inputs(b, g),
    notes="SANA-WM world model: camera-conditioned, per-frame timesteps (B, 1, F); GDN linear-attention and "
          "softmax blocks alternate (softmax_every_n=2).",
)


def _sana_wm_inputs(b, g, frames=4, h=4, w=4, n_txt=8):
    c2w = torch.eye(4).repeat(b, frames, 1, 1)
    c2w[..., 2, 3] = torch.arange(frames, dtype=torch.float32) * 0.1
    intr = torch.tensor([float(w), float(h), w / 2, h / 2]).expand(b, frames, 4)
    cams = torch.cat([c2w.flatten(start_dim=-2), intr], dim=-1)
    return dict(hidden_states=_rn(g, b, 4, frames, h, w), timestep=torch.full((b, 1, frames), 500.0),
                encoder_hidden_states=_rn(g, b, 1, n_txt, 8),
                encoder_attention_mask=torch.ones(b, n_txt, dtype=torch.long), camera_conditions=cams,
                chunk_plucker=_rn(g, b, 8, frames, h, w))


_register(
    "sana_wm_refiner", "SanaWMLTX2RefinerTransformer3DModel",
    _mk("SanaWMLTX2RefinerTransformer3DModel", in_channels=4, out_channels=4, patch_size=1, patch_size_t=1,
        num_attention_heads=2, attention_head_dim=8, cross_attention_dim=16, audio_in_channels=4,
        audio_out_channels=4, audio_num_attention_heads=2, audio_attention_head_dim=4, audio_cross_attention_dim=8,
        num_layers=4, qk_norm="rms_norm_across_heads", caption_channels=16, rope_double_precision=False),
    lambda b, g: _sana_wm_refiner_inputs(b, g),
    notes="LTX-2 based refiner: per-token timesteps (B, N) already x1000; video RoPE passed in.",
)


def _sana_wm_refiner_inputs(b, g, frames=2, h=4, w=4, n_txt=8):
    from diffusers.models.transformers.transformer_sana_wm_refiner import SanaWMLTX2AudioVideoRotaryPosEmbed

    rope = SanaWMLTX2AudioVideoRotaryPosEmbed(dim=16, patch_size=1, patch_size_t=1, base_num_frames=20,
                                              base_height=2048, base_width=2048, scale_factors=(8, 32, 32),
                                              modality="video", double_precision=False, num_attention_heads=2)
    coords = rope.prepare_video_coords(b, frames, h, w, device=torch.device("cpu"), fps=24.0)
    n = frames * h * w
    return dict(hidden_states=_rn(g, b, n, 4), encoder_hidden_states=_rn(g, b, n_txt, 16),
                timestep=torch.full((b, n), 500.0), video_rotary_emb=rope(coords, device=torch.device("cpu")),
                encoder_attention_mask=torch.ones(b, n_txt))


_register(
    "minimax_h3", "MiniMaxH3Transformer3DModel",
    _mk("MiniMaxH3Transformer3DModel", num_attention_heads=2, attention_head_dim=16, hidden_size=24, num_layers=4,
        num_refiner_layers=3, ffn_dim=32, in_channels=4, audio_in_channels=6, patch_size=(1, 2, 2), text_dim=8,
        freq_dim=8, time_embed_hidden_dim=24, time_embed_dim=16, rope_freq_dim=2),
    lambda b, g: _minimax_h3_inputs(b, g),
    timestep_scale="descending_0_1",
    notes="Packed audio+video+text sequence; `timestep` is a table with one row per noise level (video, audio), "
          "addressed per token by timestep_indices. No diffusers pipeline in 0.42.1 (scale from the tests).",
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
    return dict(hidden_states=_rn(g, b, n_vid, 16), audio_hidden_states=_rn(g, b, n_aud, 6),
                encoder_hidden_states=_rn(g, b, n_txt, 8), timestep=torch.tensor([0.5, 0.5]), timestep_indices=tidx,
                token_tags=tags, position_ids=pos, video_indices=vi, audio_indices=ai, text_indices=ti)


_register(
    "joyimage_edit", "JoyImageEditTransformer3DModel",
    _mk("JoyImageEditTransformer3DModel", patch_size=[1, 2, 2], in_channels=16, hidden_size=32, num_attention_heads=2,
        text_dim=16, num_layers=4, rope_dim_list=[4, 6, 6], theta=256),
    lambda b, g: dict(hidden_states=_rn(g, b, 16, 1, 4, 4), encoder_hidden_states=_rn(g, b, 8, 16), timestep=_t(b)),
)

_register(
    "joyimage_edit_plus", "JoyImageEditPlusTransformer3DModel",
    _mk("JoyImageEditPlusTransformer3DModel", patch_size=[1, 2, 2], in_channels=16, hidden_size=32,
        num_attention_heads=2, text_dim=16, num_layers=4, rope_dim_list=[4, 6, 6], theta=256),
    lambda b, g: dict(hidden_states=_rn(g, b, 2, 16, 1, 2, 2), encoder_hidden_states=_rn(g, b, 8, 16),
                      timestep=_t(b), shape_list=[[(1, 1, 1), (1, 1, 1)]] * b),
)

_register(
    "kandinsky5", "Kandinsky5Transformer3DModel",
    _mk("Kandinsky5Transformer3DModel", in_visual_dim=4, in_text_dim=16, in_text_dim2=8, time_dim=16,
        out_visual_dim=4, patch_size=(1, 2, 2), model_dim=16, ff_dim=32, num_text_blocks=3, num_visual_blocks=4,
        axes_dims=(2, 2, 4), visual_cond=False, attention_type="regular"),
    lambda b, g: dict(hidden_states=_rn(g, b, 1, 8, 8, 4), encoder_hidden_states=_rn(g, b, 6, 16), timestep=_t(b),
                      pooled_projections=_rn(g, b, 8),
                      visual_rope_pos=[torch.arange(1), torch.arange(4), torch.arange(4)],
                      text_rope_pos=torch.arange(6), scale_factor=(1.0, 1.0, 1.0), sparse_params=None),
    notes="Kandinsky 5: channels-last video latents (B, F, H, W, C); text blocks then visual blocks.",
)

_register(
    "kandinsky6", "Kandinsky6Transformer3DModel",
    _mk("Kandinsky6Transformer3DModel", in_visual_dim=4, out_visual_dim=4, in_text_dim=8, in_text_dim2=8, time_dim=16,
        patch_size=(1, 2, 2), model_dim=48, ff_dim=64, num_text_blocks=3, num_visual_blocks=4, axes_dims=(4, 4, 4),
        visual_cond=True, in_audio_dim=4, out_audio_dim=4),
    lambda b, g: _kandinsky6_inputs(b, g),
    notes="Kandinsky 6 (audio branch off: no audio_hidden_states); channels-last latents with cond + mask channels.",
)


def _kandinsky6_inputs(b, g, frames=2, h=4, w=4, n_txt=6):
    return dict(hidden_states=_rn(g, b, frames, h, w, 9), encoder_hidden_states=_rn(g, b, n_txt, 8),
                pooled_projections=_rn(g, b, 8), timestep=_t(b),
                visual_rope_pos=(torch.arange(frames), torch.arange(h // 2), torch.arange(w // 2)))


_register(
    "kandinsky6_sr", "Kandinsky6SRTransformer3DModel",
    _mk("Kandinsky6SRTransformer3DModel", in_visual_dim=4, out_visual_dim=8, time_dim=16, patch_size=(1, 2, 2),
        model_dim=24, ff_dim=32, num_visual_blocks=4, axes_dims=(4, 4, 4)),
    lambda b, g: dict(hidden_states=_rn(g, b, 2, 16, 16, 9), timestep=_t(b)),
    slow=True,
    notes="Video super-resolution; NABLA sparse attention via flex_attention.",
)

_register(
    "rfd4_proteina", "RFD4ProteinaTransformer",
    _mk("RFD4ProteinaTransformer", nlayers=4, token_dim=32, nheads=2, dim_cond=16, pair_repr_dim=16, latent_dim=4,
        token_type_emb_dim=8, cath_emb_dim=8, t_emb_dim=16, seq_sep_dim=8, xt_pair_dist_dim=8,
        feats_seq=("xt_bb_ca", "xt_local_latents"), feats_cond_seq=("time_emb_bb_ca", "time_emb_local_latents"),
        feats_pair_repr=("xt_bb_ca_pair_dists",), feats_pair_cond=("time_emb_bb_ca", "time_emb_local_latents"),
        update_pair_repr_every_n=1, tri_mult_c=16),
    lambda b, g: dict(bb_ca=_rn(g, b, 8, 3), local_latents=_rn(g, b, 8, 4), bb_ca_time=_t(b, 0.5),
                      local_latents_time=_t(b, 0.5), padding_mask=torch.ones(b, 8, dtype=torch.bool),
                      conditioning={"is_in_context_conditioning": torch.zeros(b, 8, dtype=torch.bool),
                                    "supports_local_latent": torch.ones(b, 8, dtype=torch.bool)}),
    timestep_kwarg="bb_ca_time", timestep_scale="ascending_0_1", extra_timestep_kwargs=("local_latents_time",),
    output_key="backbone",
    notes="Protein design (La-Proteina): two times in [0, 1] (noise at 0), pair representation updated between "
          "blocks by `pair_update_layers`; output RFD4ProteinaTransformerOutput(backbone, local_latents, ...).",
)


# ====================================================================================================================
# probe: trace with a recording torch.compile backend
# ====================================================================================================================

def normalise_path(raw: str) -> str:
    """``L['self'].__dict__['_modules']['transformer_blocks'].0.attn1`` -> ``transformer_blocks.0.attn1``.

    Handles every form seen in nn_module_stack: ``.__dict__['_modules']['x']``, plain ``.x`` (a ModuleList indexed
    with a computed index gives ``L['self'].transformers.1``), ``._modules['x']``, ``['x']``, ``[0]`` (python lists
    of modules), ModuleDict keys that are not identifiers (``.2-1``) and ``getattr(X, 'y')``."""
    s = raw.strip()
    prev = None
    while prev != s:  # getattr(getattr(L['self'], 'a'), '0') -> L['self'].a.0, innermost first
        prev, s = s, re.sub(r"""getattr\(([^()]*),\s*['"]([^'"]+)['"]\)""", r"\1.\2", s)
    for prefix in ("L['self']", 'L["self"]', "self"):
        if s.startswith(prefix):
            s = s[len(prefix):]
            break
    s = re.sub(r"""\.__dict__\[['"]_modules['"]\]\[['"]([^'"]+)['"]\]""", r".\1", s)
    s = re.sub(r"""\._modules\[['"]([^'"]+)['"]\]""", r".\1", s)
    s = re.sub(r"""\[['"]([^'"]+)['"]\]""", r".\1", s)
    s = re.sub(r"\[(\d+)\]", r".\1", s)
    return s.lstrip(".")


def path_format(raw: str) -> str:
    """Shape of a raw nn_module_stack path with names abstracted: ``L['self']`` then one token per step, ``D`` for
    ``.__dict__['_modules']['x']``, ``A`` for ``.attr``, ``I`` for ``.0``, ``K`` for a non-identifier key like ``.2-1``,
    ``[I]`` for ``[0]``; runs of a token collapse, e.g. ``L['self'] D I A``."""
    s = raw.strip()
    out = [s[:9]] if s.startswith("L['self']") else ["?"]
    s = s[9:] if s.startswith("L['self']") else s
    for m in re.finditer(r"""(\.__dict__\['_modules'\]\['[^']+'\])|(\[\d+\])|(\['[^']+'\])|\.([^.\[]+)""", s):
        if m.group(1):
            tok = "D"
        elif m.group(2):
            tok = "[I]"
        elif m.group(3):
            tok = "[K]"
        else:
            name = m.group(4)
            tok = "I" if name.isdigit() else ("A" if name.isidentifier() else "K")
        if out[-1] != tok:
            out.append(tok)
    return " ".join(out)


def _type_name(t) -> str:
    if isinstance(t, type):
        return t.__qualname__
    return str(t).rsplit(".", 1)[-1].strip("'>")


def _is_torch_nn(t) -> bool:
    mod = getattr(t, "__module__", "") if isinstance(t, type) else str(t)
    return mod.startswith("torch.nn") or "torch.nn." in mod


def _output_kind(out) -> str:
    if isinstance(out, torch.Tensor):
        return "tensor"
    if hasattr(out, "sample"):
        return "sample"
    if isinstance(out, tuple):
        return "tuple"
    if isinstance(out, list):
        return "list"
    return f"other:{type(out).__name__}"


def _short_reason(e: BaseException) -> str:
    """``<Type>: <first line> [(<explanation>)] at <file>:<line> `<code>```: where in user code tracing stopped."""
    msg = str(e)
    lines = [ln.strip() for ln in msg.strip().splitlines() if ln.strip()]
    head = lines[0] if lines else type(e).__name__
    m = re.search(r"Caused by: (.*?)\s+#", msg)
    if m:
        head = f"data-dependent value in `{m.group(1).strip()}`"
    expl = re.search(r"Explanation: ([^\n]*)", msg)
    extra = f" ({expl.group(1).strip()[:110]})" if expl and not m else ""
    user = msg.split("from user code:")[-1] if "from user code:" in msg else msg
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\w+)\n\s*([^\n]+)', user)
    frames = [f for f in frames if "/torch/" not in f[0]] or frames
    loc = ""
    if frames:
        path, line, _, code = frames[-1]
        loc = f" at {path.rsplit('/', 1)[-1]}:{line} `{code.strip()[:70]}`"
    return re.sub(r"\s+", " ", f"{type(e).__name__}: {head[:120]}{extra}{loc}")[:330]


def block_lists_from_graphs(graphs, model: nn.Module | None = None) -> dict:
    """Repeated-block lists seen in the nn_module_stack of the graphs' nodes, in execution order.

    A "list" is a module path ending in an integer (``transformer_blocks.3``, ``mode_blocks.image.0``) seen with >= 2
    indices. Lists of torch.nn modules (``to_out.0``, ``ff.net.2``) are ignored. Lists nested in an element of another
    list are reported separately (``nested_lists``, outer index abstracted to ``*``), except when the outer list holds
    whole models (ModelMixin, e.g. ``DualTransformer2DModel.transformers``): then the inner lists are the stacks.

    Also returned: ``glue_nodes`` (per stack, call nodes with a stack trace but outside every block, between the
    stack's first and last block node), ``stackless_markers`` (per stack, nodes without nn_module_stack *and* without
    a stack trace inside that span: autocast / vmap enter-exit markers), ``nodes_without_stack``, ``path_formats``."""
    lists: dict[str, dict] = {}  # list path -> {indices, cls, first, torch_nn}
    formats: set[str] = set()
    order = 0
    nodes_total = nodes_nostack = 0
    per_graph_nodes = []
    for gm in graphs:
        seq = []
        for node in gm.graph.nodes:
            if node.op not in ("call_function", "call_method", "call_module"):
                continue
            nodes_total += 1
            stack = node.meta.get("nn_module_stack") or {}
            marker = not stack and not node.meta.get("stack_trace")
            if not stack:
                nodes_nostack += 1
            owners = []
            for _, (raw, typ) in stack.items():
                formats.add(path_format(raw))
                path = normalise_path(raw)
                owners.append(path)
                comps = path.split(".")
                if len(comps) > 1 and comps[-1].isdigit():
                    lp = ".".join(comps[:-1])
                    rec = lists.setdefault(lp, {"indices": set(), "cls": set(), "first": order, "torch_nn": False})
                    rec["indices"].add(int(comps[-1]))
                    rec["cls"].add(_type_name(typ))
                    rec["torch_nn"] = rec["torch_nn"] or _is_torch_nn(typ)
            seq.append((owners, marker))
            order += 1
        per_graph_nodes.append(seq)

    cand = {k: v for k, v in lists.items() if len(v["indices"]) >= 2 and not v["torch_nn"]}

    def enclosing(lp):  # the nearest candidate list whose element contains lp
        comps = lp.split(".")
        for i in range(len(comps) - 1, 0, -1):
            if comps[i].isdigit() and ".".join(comps[:i]) in cand:
                return ".".join(comps[:i])
        return None

    def is_model_container(lp):
        if model is None:
            return False
        try:
            from diffusers import ModelMixin

            return isinstance(model.get_submodule(lp)[0], ModelMixin)
        except Exception:
            return False

    top, nested = [], {}
    for lp, rec in sorted(cand.items(), key=lambda kv: kv[1]["first"]):
        if is_model_container(lp):
            continue
        enc = enclosing(lp)
        while enc is not None and is_model_container(enc):
            enc = enclosing(enc)
        entry = (lp, len(rec["indices"]), "/".join(sorted(rec["cls"])))
        if enc is None:
            top.append(entry)
        else:
            key = re.sub(rf"^{re.escape(enc)}\.\d+", f"{enc}.*", lp)
            nested.setdefault(key, (key, len(rec["indices"]), entry[2]))

    glue, markers = {}, {}
    for lp, _, _ in top:
        prefix = lp + "."
        n_glue = n_mark = 0
        for seq in per_graph_nodes:
            inside = [any(o.startswith(prefix) for o in owners) for owners, _ in seq]
            idx = [i for i, x in enumerate(inside) if x]
            if idx:
                for i in range(idx[0], idx[-1] + 1):
                    if not inside[i]:
                        if seq[i][1]:
                            n_mark += 1
                        else:
                            n_glue += 1
        glue[lp], markers[lp] = n_glue, n_mark
    lengths = {}
    if model is not None:
        for lp, _, _ in top:
            try:
                lengths[lp] = len(model.get_submodule(lp))
            except Exception:
                lengths[lp] = None
    return dict(block_lists=top, nested_lists=sorted(nested.values()), list_lengths=lengths, glue_nodes=glue,
                stackless_markers=markers, nodes=nodes_total, nodes_without_stack=nodes_nostack,
                path_formats=sorted(formats))


def _accepts_return_dict(model: nn.Module) -> bool:
    import inspect

    try:
        return "return_dict" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return False


def _trace(model, kwargs, fullgraph=True):
    """torch.compile(model, backend=<recorder>, fullgraph=...)(**kwargs) under no_grad: (output | exc, graphs)."""
    graphs = []

    def backend(gm, example_inputs, **kw):
        graphs.append(gm)
        return gm.forward

    torch._dynamo.reset()
    try:
        with torch.no_grad():
            return torch.compile(model, backend=backend, fullgraph=fullgraph)(**kwargs), None, graphs
    except Exception as e:  # noqa: BLE001 - any tracing failure is a recorded fact
        return None, e, graphs
    finally:
        torch._dynamo.reset()


def probe_family(fam: Family, seed: int = 0, fullgraph: bool = True, timing: bool = True, full: bool = True) -> dict:
    """Trace ``fam`` under torch.no_grad() with a recording backend and return the facts PROBED stores.

    ``traces``: fullgraph works on a fresh model (no eager call before) with ``make_inputs`` as is.
    ``traces_after_eager``: ... after one eager forward (lazily built caches, e.g. Z-Image's RoPE table, exist).
    ``traces_return_dict_false``: ... with ``return_dict=False`` added (what the pipelines pass), after eager.
    Block lists come from the first successful of these traces (in that order). ``full=False`` skips the
    return_dict=False trace when the cold trace already succeeded (used by the tests to save time)."""
    import time

    model = fam.make_model(seed)
    kwargs = fam.make_inputs(1, seed)
    t0 = time.perf_counter()
    cold_out, cold_exc, cold_graphs = _trace(model, kwargs, fullgraph)
    trace_s = round(time.perf_counter() - t0, 2)
    with torch.no_grad():
        eager = model(**kwargs)
        forward_ms = None
        if timing:
            ts = []
            for _ in range(3):
                t1 = time.perf_counter()
                model(**kwargs)
                ts.append(time.perf_counter() - t1)
            forward_ms = round(sorted(ts)[1] * 1000, 1)
        sched = fam.timesteps(4)
        t_sensitive = not torch.allclose(fam.output_tensor(model(**fam.with_timestep(kwargs, sched[0]))),
                                         fam.output_tensor(model(**fam.with_timestep(kwargs, sched[2]))))
    res = dict(output_kind=_output_kind(eager), forward_ms=forward_ms, t_sensitive=t_sensitive,
               traces=cold_exc is None, break_reason=None if cold_exc is None else _short_reason(cold_exc))
    used_out, used_graphs = (cold_out, cold_graphs) if cold_exc is None else (None, None)
    if cold_exc is None:
        res["traces_after_eager"] = True
    else:
        warm_out, warm_exc, warm_graphs = _trace(model, kwargs, fullgraph)
        res["traces_after_eager"] = warm_exc is None
        if warm_exc is None:
            used_out, used_graphs = warm_out, warm_graphs
    if _accepts_return_dict(model) and (full or used_graphs is None):
        rd_out, rd_exc, rd_graphs = _trace(model, {**kwargs, "return_dict": False}, fullgraph)
        res["traces_return_dict_false"] = rd_exc is None
        res["break_reason_return_dict_false"] = None if rd_exc is None else _short_reason(rd_exc)
        if used_graphs is None and rd_exc is None:
            used_out, used_graphs = rd_out, rd_graphs
    else:
        res["traces_return_dict_false"] = None
        res["break_reason_return_dict_false"] = None
    res["traced_via"] = (None if used_graphs is None else "cold" if cold_exc is None
                         else "after_eager" if res["traces_after_eager"] else "return_dict_false")
    if used_graphs is not None:
        a, b = fam.output_tensor(eager), fam.output_tensor(used_out)
        same_shape = a.shape == b.shape
        res["compiled_matches_eager"] = bool(same_shape and torch.allclose(a, b, atol=1e-5, rtol=1e-4))
        res["max_abs_diff"] = float((a.float() - b.float()).abs().max()) if same_shape else None
    else:
        res["compiled_matches_eager"] = None
        res["max_abs_diff"] = None
    res["trace_s"] = trace_s
    res["graphs"] = len(used_graphs if used_graphs is not None else cold_graphs)
    res.update(block_lists_from_graphs(used_graphs if used_graphs is not None else cold_graphs, model))
    return res


def _probe_all(names=None) -> dict:
    torch.set_num_threads(1)
    out = {}
    for name in names or FAMILIES:
        fam = FAMILIES[name]
        rec = probe_family(fam)
        if rec["traced_via"] is None:  # nothing traces fullgraph: what does a graph-broken compile see?
            partial = probe_family(fam, fullgraph=False, timing=False)
            rec["partial"] = {k: partial[k] for k in ("graphs", "block_lists", "compiled_matches_eager")}
        out[name] = rec
        print(f"{name:26s} traces={rec['traces']!s:5} warm={rec['traces_after_eager']!s:5} "
              f"rd0={rec['traces_return_dict_false']!s:5} match={rec['compiled_matches_eager']!s:5} "
              f"{rec['forward_ms']}ms trace={rec['trace_s']}s lists={rec['block_lists']} "
              f"{rec['break_reason'] or ''}", flush=True)
    return out


def _summary_table(probed: dict) -> str:
    """family | class | fullgraph | out | fwd ms | block lists, then the graph-break reasons as footnotes."""
    rows = [("family", "class", "fullgraph", "out", "fwd ms",
             "block lists in execution order: list xN [block class]")]
    notes = []
    for name, fam in FAMILIES.items():
        p = probed.get(name)
        if p is None:
            continue
        if p["traces"]:
            tr = "y"
        elif p["traces_after_eager"]:
            tr = "after eager"
        elif p.get("traces_return_dict_false"):
            tr = "return_dict=False"
        else:
            tr = "n"
        if not p["traces"]:
            notes.append(f"[{len(notes) + 1}] {name}: {p['break_reason']}")
            tr += f" [{len(notes)}]"
        if p["traced_via"] and not p["compiled_matches_eager"]:
            tr += " (!= eager)"
        bl = p["block_lists"] if p["traced_via"] else p.get("partial", {}).get("block_lists", [])
        lists = ", ".join(f"{lp} x{n} [{c}]" for lp, n, c in bl) or "-"
        if not p["traced_via"]:
            lists = "(graph-broken compile) " + lists
        out = p["output_kind"] if not p["output_kind"].startswith("other:") else "object"
        rows.append((name, fam.cls_name, tr, out, str(p["forward_ms"]), lists))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for r in rows:
        lines.append(" | ".join([r[i].ljust(widths[i]) for i in range(5)] + [r[5]]).rstrip())
        if len(lines) == 1:
            lines.append("-+-".join("-" * w for w in widths) + "-+-" + "-" * 20)
    return "\n".join(lines + [""] + notes)


_GEN_MARK = "# ---- generated by `python tests/families.py --probe` below; do not edit by hand ----"


def _write_probe(probed: dict, path: str = __file__) -> None:
    import pprint

    src = open(path).read()
    head = src[:src.index("\n" + _GEN_MARK) + 1]
    table = _summary_table(probed)
    body = (_GEN_MARK + "\n\nPROBED: dict[str, dict] = " + pprint.pformat(probed, width=116, sort_dicts=False)
            + "\n\nSUMMARY_TABLE = \"\"\"\n" + table + "\n\"\"\"\n"
            + "\n\nif __name__ == \"__main__\":\n    import sys\n\n    _main(sys.argv[1:])\n")
    start = head.index("SUMMARY\n-------\n") + len("SUMMARY\n-------\n")
    end = head.index('"""\nfrom __future__')
    head = head[:start] + table + "\n" + head[end:]
    open(path, "w").write(head + body)


def _main(argv) -> None:
    """``--probe``: probe every family and rewrite PROBED/SUMMARY; ``--probe NAME...``: re-probe those families and
    merge them into PROBED (``--dry``: print only); no argument: print SUMMARY_TABLE."""
    args = [a for a in argv if not a.startswith("-")]
    if "--probe" in argv:
        result = _probe_all(args or None)
        if "--dry" not in argv:
            merged = {n: result.get(n, PROBED.get(n)) for n in FAMILIES if n in result or n in PROBED}
            _write_probe(merged)
    else:
        print(SUMMARY_TABLE)

# ---- generated by `python tests/families.py --probe` below; do not edit by hand ----

PROBED: dict[str, dict] = {'dit': {'output_kind': 'sample',
         'forward_ms': 1.9,
         't_sensitive': True,
         'traces': True,
         'break_reason': None,
         'traces_after_eager': True,
         'traces_return_dict_false': True,
         'break_reason_return_dict_false': None,
         'traced_via': 'cold',
         'compiled_matches_eager': True,
         'max_abs_diff': 0.0,
         'trace_s': 1.48,
         'graphs': 1,
         'block_lists': [('transformer_blocks', 4, 'BasicTransformerBlock')],
         'nested_lists': [],
         'list_lengths': {'transformer_blocks': 4},
         'glue_nodes': {'transformer_blocks': 0},
         'stackless_markers': {'transformer_blocks': 0},
         'nodes': 313,
         'nodes_without_stack': 12,
         'path_formats': ["L['self'] D",
                          "L['self'] D A",
                          "L['self'] D I",
                          "L['self'] D I A",
                          "L['self'] D I A I",
                          "L['self'] D I A I A"]},
 'pixart': {'output_kind': 'sample',
            'forward_ms': 1.8,
            't_sensitive': True,
            'traces': True,
            'break_reason': None,
            'traces_after_eager': True,
            'traces_return_dict_false': True,
            'break_reason_return_dict_false': None,
            'traced_via': 'cold',
            'compiled_matches_eager': True,
            'max_abs_diff': 0.0,
            'trace_s': 1.01,
            'graphs': 1,
            'block_lists': [('transformer_blocks', 4, 'BasicTransformerBlock')],
            'nested_lists': [],
            'list_lengths': {'transformer_blocks': 4},
            'glue_nodes': {'transformer_blocks': 0},
            'stackless_markers': {'transformer_blocks': 0},
            'nodes': 284,
            'nodes_without_stack': 17,
            'path_formats': ["L['self'] D",
                             "L['self'] D A",
                             "L['self'] D I",
                             "L['self'] D I A",
                             "L['self'] D I A I",
                             "L['self'] D I A I A"]},
 'transformer_2d': {'output_kind': 'sample',
                    'forward_ms': 1.8,
                    't_sensitive': True,
                    'traces': False,
                    'break_reason': 'Unsupported: Attempted to call function marked as skipped (Dynamo does not '
                                    'know how to trace the Python builtin `_warnings.warn`.) at '
                                    'deprecation_utils.py:98 `warnings.warn(warning + message, FutureWarning, '
                                    'stacklevel=stacklevel)`',
                    'traces_after_eager': False,
                    'traces_return_dict_false': True,
                    'break_reason_return_dict_false': None,
                    'traced_via': 'return_dict_false',
                    'compiled_matches_eager': True,
                    'max_abs_diff': 0.0,
                    'trace_s': 0.62,
                    'graphs': 1,
                    'block_lists': [('transformer_blocks', 4, 'BasicTransformerBlock')],
                    'nested_lists': [],
                    'list_lengths': {'transformer_blocks': 4},
                    'glue_nodes': {'transformer_blocks': 0},
                    'stackless_markers': {'transformer_blocks': 0},
                    'nodes': 313,
                    'nodes_without_stack': 12,
                    'path_formats': ["L['self'] D",
                                     "L['self'] D A",
                                     "L['self'] D I",
                                     "L['self'] D I A",
                                     "L['self'] D I A I",
                                     "L['self'] D I A I A"]},
 'dual_transformer_2d': {'output_kind': 'sample',
                         'forward_ms': 2.3,
                         't_sensitive': False,
                         'traces': True,
                         'break_reason': None,
                         'traces_after_eager': True,
                         'traces_return_dict_false': True,
                         'break_reason_return_dict_false': None,
                         'traced_via': 'cold',
                         'compiled_matches_eager': True,
                         'max_abs_diff': 0.0,
                         'trace_s': 0.99,
                         'graphs': 1,
                         'block_lists': [('transformers.1.transformer_blocks', 3, 'BasicTransformerBlock'),
                                         ('transformers.0.transformer_blocks', 3, 'BasicTransformerBlock')],
                         'nested_lists': [],
                         'list_lengths': {'transformers.1.transformer_blocks': 3,
                                          'transformers.0.transformer_blocks': 3},
                         'glue_nodes': {'transformers.1.transformer_blocks': 0,
                                        'transformers.0.transformer_blocks': 0},
                         'stackless_markers': {'transformers.1.transformer_blocks': 0,
                                               'transformers.0.transformer_blocks': 0},
                         'nodes': 302,
                         'nodes_without_stack': 8,
                         'path_formats': ["L['self'] A I",
                                          "L['self'] A I D",
                                          "L['self'] A I D I",
                                          "L['self'] A I D I A",
                                          "L['self'] A I D I A I",
                                          "L['self'] A I D I A I A"]},
 'dreamlite_transformer_2d': {'output_kind': 'sample',
                              'forward_ms': 1.5,
                              't_sensitive': False,
                              'traces': False,
                              'break_reason': 'Unsupported: Attempted to call function marked as skipped (Dynamo '
                                              'does not know how to trace the Python builtin `_warnings.warn`.) at '
                                              'deprecation_utils.py:98 `warnings.warn(warning + message, '
                                              'FutureWarning, stacklevel=stacklevel)`',
                              'traces_after_eager': False,
                              'traces_return_dict_false': True,
                              'break_reason_return_dict_false': None,
                              'traced_via': 'return_dict_false',
                              'compiled_matches_eager': True,
                              'max_abs_diff': 0.0,
                              'trace_s': 0.58,
                              'graphs': 1,
                              'block_lists': [('transformer_blocks', 4, 'BasicTransformerBlockDreamLite')],
                              'nested_lists': [],
                              'list_lengths': {'transformer_blocks': 4},
                              'glue_nodes': {'transformer_blocks': 0},
                              'stackless_markers': {'transformer_blocks': 0},
                              'nodes': 193,
                              'nodes_without_stack': 6,
                              'path_formats': ["L['self'] D",
                                               "L['self'] D I",
                                               "L['self'] D I A",
                                               "L['self'] D I A I",
                                               "L['self'] D I A I A"]},
 'transformer_temporal': {'output_kind': 'sample',
                          'forward_ms': 1.5,
                          't_sensitive': False,
                          'traces': True,
                          'break_reason': None,
                          'traces_after_eager': True,
                          'traces_return_dict_false': True,
                          'break_reason_return_dict_false': None,
                          'traced_via': 'cold',
                          'compiled_matches_eager': True,
                          'max_abs_diff': 0.0,
                          'trace_s': 0.72,
                          'graphs': 1,
                          'block_lists': [('transformer_blocks', 4, 'BasicTransformerBlock')],
                          'nested_lists': [],
                          'list_lengths': {'transformer_blocks': 4},
                          'glue_nodes': {'transformer_blocks': 0},
                          'stackless_markers': {'transformer_blocks': 0},
                          'nodes': 198,
                          'nodes_without_stack': 11,
                          'path_formats': ["L['self'] D",
                                           "L['self'] D I",
                                           "L['self'] D I A",
                                           "L['self'] D I A I",
                                           "L['self'] D I A I A"]},
 'prior': {'output_kind': 'other:PriorTransformerOutput',
           'forward_ms': 1.3,
           't_sensitive': True,
           'traces': True,
           'break_reason': None,
           'traces_after_eager': True,
           'traces_return_dict_false': True,
           'break_reason_return_dict_false': None,
           'traced_via': 'cold',
           'compiled_matches_eager': True,
           'max_abs_diff': 0.0,
           'trace_s': 0.75,
           'graphs': 1,
           'block_lists': [('transformer_blocks', 4, 'BasicTransformerBlock')],
           'nested_lists': [],
           'list_lengths': {'transformer_blocks': 4},
           'glue_nodes': {'transformer_blocks': 0},
           'stackless_markers': {'transformer_blocks': 0},
           'nodes': 131,
           'nodes_without_stack': 12,
           'path_formats': ["L['self'] D",
                            "L['self'] D A",
                            "L['self'] D I",
                            "L['self'] D I A",
                            "L['self'] D I A I",
                            "L['self'] D I A I A"]},
 't5_film': {'output_kind': 'tensor',
             'forward_ms': 2.9,
             't_sensitive': True,
             'traces': True,
             'break_reason': None,
             'traces_after_eager': True,
             'traces_return_dict_false': None,
             'break_reason_return_dict_false': None,
             'traced_via': 'cold',
             'compiled_matches_eager': True,
             'max_abs_diff': 0.0,
             'trace_s': 1.3,
             'graphs': 1,
             'block_lists': [('decoders', 4, 'DecoderLayer')],
             'nested_lists': [('decoders.*.layer',
                               3,
                               'T5LayerCrossAttention/T5LayerFFCond/T5LayerSelfAttentionCond')],
             'list_lengths': {'decoders': 4},
             'glue_nodes': {'decoders': 0},
             'stackless_markers': {'decoders': 0},
             'nodes': 465,
             'nodes_without_stack': 25,
             'path_formats': ["L['self'] D",
                              "L['self'] D I",
                              "L['self'] D I A I",
                              "L['self'] D I A I A",
                              "L['self'] D I A I A I"]},
 'sd3': {'output_kind': 'sample',
         'forward_ms': 2.1,
         't_sensitive': True,
         'traces': True,
         'break_reason': None,
         'traces_after_eager': True,
         'traces_return_dict_false': True,
         'break_reason_return_dict_false': None,
         'traced_via': 'cold',
         'compiled_matches_eager': True,
         'max_abs_diff': 0.0,
         'trace_s': 0.91,
         'graphs': 1,
         'block_lists': [('transformer_blocks', 4, 'JointTransformerBlock')],
         'nested_lists': [],
         'list_lengths': {'transformer_blocks': 4},
         'glue_nodes': {'transformer_blocks': 0},
         'stackless_markers': {'transformer_blocks': 0},
         'nodes': 396,
         'nodes_without_stack': 4,
         'path_formats': ["L['self'] D",
                          "L['self'] D A",
                          "L['self'] D I",
                          "L['self'] D I A",
                          "L['self'] D I A I",
                          "L['self'] D I A I A"]},
 'sd35': {'output_kind': 'sample',
          'forward_ms': 2.9,
          't_sensitive': True,
          'traces': True,
          'break_reason': None,
          'traces_after_eager': True,
          'traces_return_dict_false': True,
          'break_reason_return_dict_false': None,
          'traced_via': 'cold',
          'compiled_matches_eager': True,
          'max_abs_diff': 0.0,
          'trace_s': 1.11,
          'graphs': 1,
          'block_lists': [('transformer_blocks', 4, 'JointTransformerBlock')],
          'nested_lists': [],
          'list_lengths': {'transformer_blocks': 4},
          'glue_nodes': {'transformer_blocks': 0},
          'stackless_markers': {'transformer_blocks': 0},
          'nodes': 588,
          'nodes_without_stack': 4,
          'path_formats': ["L['self'] D",
                           "L['self'] D A",
                           "L['self'] D I",
                           "L['self'] D I A",
                           "L['self'] D I A I",
                           "L['self'] D I A I A"]},
 'auraflow': {'output_kind': 'sample',
              'forward_ms': 2.9,
              't_sensitive': True,
              'traces': True,
              'break_reason': None,
              'traces_after_eager': True,
              'traces_return_dict_false': True,
              'break_reason_return_dict_false': None,
              'traced_via': 'cold',
              'compiled_matches_eager': True,
              'max_abs_diff': 0.0,
              'trace_s': 3.05,
              'graphs': 1,
              'block_lists': [('joint_transformer_blocks', 3, 'AuraFlowJointTransformerBlock'),
                              ('single_transformer_blocks', 4, 'AuraFlowSingleTransformerBlock')],
              'nested_lists': [],
              'list_lengths': {'joint_transformer_blocks': 3, 'single_transformer_blocks': 4},
              'glue_nodes': {'joint_transformer_blocks': 0, 'single_transformer_blocks': 0},
              'stackless_markers': {'joint_transformer_blocks': 0, 'single_transformer_blocks': 0},
              'nodes': 616,
              'nodes_without_stack': 9,
              'path_formats': ["L['self'] D",
                               "L['self'] D A",
                               "L['self'] D I",
                               "L['self'] D I A",
                               "L['self'] D I A I"]},
 'flux': {'output_kind': 'sample',
          'forward_ms': 4.8,
          't_sensitive': True,
          'traces': True,
          'break_reason': None,
          'traces_after_eager': True,
          'traces_return_dict_false': True,
          'break_reason_return_dict_false': None,
          'traced_via': 'cold',
          'compiled_matches_eager': True,
          'max_abs_diff': 0.0,
          'trace_s': 3.01,
          'graphs': 1,
          'block_lists': [('transformer_blocks', 4, 'FluxTransformerBlock'),
                          ('single_transformer_blocks', 4, 'FluxSingleTransformerBlock')],
          'nested_lists': [],
          'list_lengths': {'transformer_blocks': 4, 'single_transformer_blocks': 4},
          'glue_nodes': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
          'stackless_markers': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
          'nodes': 910,
          'nodes_without_stack': 5,
          'path_formats': ["L['self'] D",
                           "L['self'] D A",
                           "L['self'] D I",
                           "L['self'] D I A",
                           "L['self'] D I A I",
                           "L['self'] D I A I A"]},
 'flux2': {'output_kind': 'sample',
           'forward_ms': 4.7,
           't_sensitive': True,
           'traces': True,
           'break_reason': None,
           'traces_after_eager': True,
           'traces_return_dict_false': True,
           'break_reason_return_dict_false': None,
           'traced_via': 'cold',
           'compiled_matches_eager': True,
           'max_abs_diff': 0.0,
           'trace_s': 2.53,
           'graphs': 1,
           'block_lists': [('transformer_blocks', 4, 'Flux2TransformerBlock'),
                           ('single_transformer_blocks', 4, 'Flux2SingleTransformerBlock')],
           'nested_lists': [],
           'list_lengths': {'transformer_blocks': 4, 'single_transformer_blocks': 4},
           'glue_nodes': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
           'stackless_markers': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
           'nodes': 940,
           'nodes_without_stack': 10,
           'path_formats': ["L['self'] D",
                            "L['self'] D A",
                            "L['self'] D I",
                            "L['self'] D I A",
                            "L['self'] D I A I"]},
 'flux3': {'output_kind': 'sample',
           'forward_ms': 4.4,
           't_sensitive': True,
           'traces': True,
           'break_reason': None,
           'traces_after_eager': True,
           'traces_return_dict_false': True,
           'break_reason_return_dict_false': None,
           'traced_via': 'cold',
           'compiled_matches_eager': True,
           'max_abs_diff': 0.0,
           'trace_s': 2.49,
           'graphs': 1,
           'block_lists': [('txt_mode_blocks', 3, 'Flux3ModeTransformerBlock'),
                           ('mode_blocks.image', 3, 'Flux3ModeTransformerBlock'),
                           ('single_transformer_blocks', 4, 'Flux3SingleTransformerBlock')],
           'nested_lists': [],
           'list_lengths': {'txt_mode_blocks': 3, 'mode_blocks.image': 3, 'single_transformer_blocks': 4},
           'glue_nodes': {'txt_mode_blocks': 0, 'mode_blocks.image': 0, 'single_transformer_blocks': 0},
           'stackless_markers': {'txt_mode_blocks': 0, 'mode_blocks.image': 0, 'single_transformer_blocks': 0},
           'nodes': 956,
           'nodes_without_stack': 14,
           'path_formats': ["L['self'] D",
                            "L['self'] D A",
                            "L['self'] D A I",
                            "L['self'] D A I A",
                            "L['self'] D A I A I",
                            "L['self'] D I",
                            "L['self'] D I A",
                            "L['self'] D I A I"]},
 'chroma': {'output_kind': 'sample',
            'forward_ms': 9.3,
            't_sensitive': True,
            'traces': True,
            'break_reason': None,
            'traces_after_eager': True,
            'traces_return_dict_false': True,
            'break_reason_return_dict_false': None,
            'traced_via': 'cold',
            'compiled_matches_eager': True,
            'max_abs_diff': 0.0,
            'trace_s': 3.21,
            'graphs': 1,
            'block_lists': [('transformer_blocks', 4, 'ChromaTransformerBlock'),
                            ('single_transformer_blocks', 4, 'ChromaSingleTransformerBlock')],
            'nested_lists': [],
            'list_lengths': {'transformer_blocks': 4, 'single_transformer_blocks': 4},
            'glue_nodes': {'transformer_blocks': 9, 'single_transformer_blocks': 3},
            'stackless_markers': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
            'nodes': 915,
            'nodes_without_stack': 22,
            'path_formats': ["L['self'] D",
                             "L['self'] D A",
                             "L['self'] D A I",
                             "L['self'] D A I A",
                             "L['self'] D I",
                             "L['self'] D I A",
                             "L['self'] D I A I",
                             "L['self'] D I A I A"]},
 'bria': {'output_kind': 'sample',
          'forward_ms': 8.7,
          't_sensitive': True,
          'traces': True,
          'break_reason': None,
          'traces_after_eager': True,
          'traces_return_dict_false': True,
          'break_reason_return_dict_false': None,
          'traced_via': 'cold',
          'compiled_matches_eager': True,
          'max_abs_diff': 0.0,
          'trace_s': 3.09,
          'graphs': 1,
          'block_lists': [('transformer_blocks', 4, 'BriaTransformerBlock'),
                          ('single_transformer_blocks', 4, 'BriaSingleTransformerBlock')],
          'nested_lists': [],
          'list_lengths': {'transformer_blocks': 4, 'single_transformer_blocks': 4},
          'glue_nodes': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
          'stackless_markers': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
          'nodes': 878,
          'nodes_without_stack': 2,
          'path_formats': ["L['self'] D",
                           "L['self'] D A",
                           "L['self'] D I",
                           "L['self'] D I A",
                           "L['self'] D I A I",
                           "L['self'] D I A I A"]},
 'bria_fibo': {'output_kind': 'sample',
               'forward_ms': 8.9,
               't_sensitive': True,
               'traces': True,
               'break_reason': None,
               'traces_after_eager': True,
               'traces_return_dict_false': True,
               'break_reason_return_dict_false': None,
               'traced_via': 'cold',
               'compiled_matches_eager': True,
               'max_abs_diff': 0.0,
               'trace_s': 3.45,
               'graphs': 1,
               'block_lists': [('caption_projection', 8, 'BriaFiboTextProjection'),
                               ('transformer_blocks', 4, 'BriaFiboTransformerBlock'),
                               ('single_transformer_blocks', 4, 'BriaFiboSingleTransformerBlock')],
               'nested_lists': [],
               'list_lengths': {'caption_projection': 8, 'transformer_blocks': 4, 'single_transformer_blocks': 4},
               'glue_nodes': {'caption_projection': 0, 'transformer_blocks': 6, 'single_transformer_blocks': 15},
               'stackless_markers': {'caption_projection': 0,
                                     'transformer_blocks': 0,
                                     'single_transformer_blocks': 0},
               'nodes': 955,
               'nodes_without_stack': 29,
               'path_formats': ["L['self'] D",
                                "L['self'] D A",
                                "L['self'] D I",
                                "L['self'] D I A",
                                "L['self'] D I A I",
                                "L['self'] D I A I A"]},
 'longcat_image': {'output_kind': 'sample',
                   'forward_ms': 4.7,
                   't_sensitive': True,
                   'traces': True,
                   'break_reason': None,
                   'traces_after_eager': True,
                   'traces_return_dict_false': True,
                   'break_reason_return_dict_false': None,
                   'traced_via': 'cold',
                   'compiled_matches_eager': True,
                   'max_abs_diff': 0.0,
                   'trace_s': 2.08,
                   'graphs': 1,
                   'block_lists': [('transformer_blocks', 4, 'LongCatImageTransformerBlock'),
                                   ('single_transformer_blocks', 4, 'LongCatImageSingleTransformerBlock')],
                   'nested_lists': [],
                   'list_lengths': {'transformer_blocks': 4, 'single_transformer_blocks': 4},
                   'glue_nodes': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
                   'stackless_markers': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
                   'nodes': 876,
                   'nodes_without_stack': 3,
                   'path_formats': ["L['self'] D",
                                    "L['self'] D A",
                                    "L['self'] D I",
                                    "L['self'] D I A",
                                    "L['self'] D I A I",
                                    "L['self'] D I A I A"]},
 'ovis_image': {'output_kind': 'sample',
                'forward_ms': 4.8,
                't_sensitive': True,
                'traces': True,
                'break_reason': None,
                'traces_after_eager': True,
                'traces_return_dict_false': True,
                'break_reason_return_dict_false': None,
                'traced_via': 'cold',
                'compiled_matches_eager': True,
                'max_abs_diff': 0.0,
                'trace_s': 1.58,
                'graphs': 1,
                'block_lists': [('transformer_blocks', 4, 'OvisImageTransformerBlock'),
                                ('single_transformer_blocks', 4, 'OvisImageSingleTransformerBlock')],
                'nested_lists': [],
                'list_lengths': {'transformer_blocks': 4, 'single_transformer_blocks': 4},
                'glue_nodes': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
                'stackless_markers': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
                'nodes': 925,
                'nodes_without_stack': 4,
                'path_formats': ["L['self'] D",
                                 "L['self'] D A",
                                 "L['self'] D I",
                                 "L['self'] D I A",
                                 "L['self'] D I A I",
                                 "L['self'] D I A I A"]},
 'hidream': {'output_kind': 'sample',
             'forward_ms': 5.4,
             't_sensitive': True,
             'traces': False,
             'break_reason': 'UserError: data-dependent value in `for i, end_idx in enumerate(tokens_per_expert):` '
                             'at transformer_hidream_image.py:391 `for i, end_idx in '
                             'enumerate(tokens_per_expert):`',
             'traces_after_eager': False,
             'traces_return_dict_false': False,
             'break_reason_return_dict_false': 'UserError: data-dependent value in `for i, end_idx in '
                                               'enumerate(tokens_per_expert):` at transformer_hidream_image.py:391 '
                                               '`for i, end_idx in enumerate(tokens_per_expert):`',
             'traced_via': None,
             'compiled_matches_eager': None,
             'max_abs_diff': None,
             'trace_s': 0.66,
             'graphs': 0,
             'block_lists': [],
             'nested_lists': [],
             'list_lengths': {},
             'glue_nodes': {},
             'stackless_markers': {},
             'nodes': 0,
             'nodes_without_stack': 0,
             'path_formats': [],
             'partial': {'graphs': 21, 'block_lists': [], 'compiled_matches_eager': True}},
 'hunyuan_dit': {'output_kind': 'sample',
                 'forward_ms': 4.3,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 1.77,
                 'graphs': 1,
                 'block_lists': [('blocks', 6, 'HunyuanDiTBlock')],
                 'nested_lists': [],
                 'list_lengths': {'blocks': 6},
                 'glue_nodes': {'blocks': 0},
                 'stackless_markers': {'blocks': 0},
                 'nodes': 793,
                 'nodes_without_stack': 11,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I",
                                  "L['self'] D I A I A"]},
 'cogview3plus': {'output_kind': 'sample',
                  'forward_ms': 2.1,
                  't_sensitive': True,
                  'traces': True,
                  'break_reason': None,
                  'traces_after_eager': True,
                  'traces_return_dict_false': True,
                  'break_reason_return_dict_false': None,
                  'traced_via': 'cold',
                  'compiled_matches_eager': True,
                  'max_abs_diff': 0.0,
                  'trace_s': 1.33,
                  'graphs': 1,
                  'block_lists': [('transformer_blocks', 4, 'CogView3PlusTransformerBlock')],
                  'nested_lists': [],
                  'list_lengths': {'transformer_blocks': 4},
                  'glue_nodes': {'transformer_blocks': 0},
                  'stackless_markers': {'transformer_blocks': 0},
                  'nodes': 420,
                  'nodes_without_stack': 5,
                  'path_formats': ["L['self'] D",
                                   "L['self'] D A",
                                   "L['self'] D I",
                                   "L['self'] D I A",
                                   "L['self'] D I A I",
                                   "L['self'] D I A I A"]},
 'cogview4': {'output_kind': 'sample',
              'forward_ms': 2.5,
              't_sensitive': True,
              'traces': True,
              'break_reason': None,
              'traces_after_eager': True,
              'traces_return_dict_false': True,
              'break_reason_return_dict_false': None,
              'traced_via': 'cold',
              'compiled_matches_eager': True,
              'max_abs_diff': 0.0,
              'trace_s': 1.51,
              'graphs': 1,
              'block_lists': [('transformer_blocks', 4, 'CogView4TransformerBlock')],
              'nested_lists': [],
              'list_lengths': {'transformer_blocks': 4},
              'glue_nodes': {'transformer_blocks': 0},
              'stackless_markers': {'transformer_blocks': 0},
              'nodes': 608,
              'nodes_without_stack': 5,
              'path_formats': ["L['self'] D",
                               "L['self'] D A",
                               "L['self'] D I",
                               "L['self'] D I A",
                               "L['self'] D I A I",
                               "L['self'] D I A I A"]},
 'glm_image': {'output_kind': 'sample',
               'forward_ms': 3.1,
               't_sensitive': True,
               'traces': True,
               'break_reason': None,
               'traces_after_eager': True,
               'traces_return_dict_false': True,
               'break_reason_return_dict_false': None,
               'traced_via': 'cold',
               'compiled_matches_eager': True,
               'max_abs_diff': 0.0,
               'trace_s': 1.66,
               'graphs': 1,
               'block_lists': [('transformer_blocks', 4, 'GlmImageTransformerBlock')],
               'nested_lists': [],
               'list_lengths': {'transformer_blocks': 4},
               'glue_nodes': {'transformer_blocks': 0},
               'stackless_markers': {'transformer_blocks': 0},
               'nodes': 600,
               'nodes_without_stack': 13,
               'path_formats': ["L['self'] D",
                                "L['self'] D A",
                                "L['self'] D A I",
                                "L['self'] D A I A",
                                "L['self'] D I",
                                "L['self'] D I A",
                                "L['self'] D I A I",
                                "L['self'] D I A I A"]},
 'lumina_next': {'output_kind': 'sample',
                 'forward_ms': 7.9,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 1.75,
                 'graphs': 1,
                 'block_lists': [('layers', 4, 'LuminaNextDiTBlock')],
                 'nested_lists': [],
                 'list_lengths': {'layers': 4},
                 'glue_nodes': {'layers': 0},
                 'stackless_markers': {'layers': 0},
                 'nodes': 626,
                 'nodes_without_stack': 7,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D A I",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I"]},
 'lumina2': {'output_kind': 'sample',
             'forward_ms': 13.6,
             't_sensitive': True,
             'traces': False,
             'break_reason': 'UserError: data-dependent value in `use_mask = len(set(seq_lengths)) > 1` at '
                             'transformer_lumina2.py:519 `use_mask = len(set(seq_lengths)) > 1`',
             'traces_after_eager': False,
             'traces_return_dict_false': False,
             'break_reason_return_dict_false': 'UserError: data-dependent value in `use_mask = '
                                               'len(set(seq_lengths)) > 1` at transformer_lumina2.py:519 `use_mask '
                                               '= len(set(seq_lengths)) > 1`',
             'traced_via': None,
             'compiled_matches_eager': None,
             'max_abs_diff': None,
             'trace_s': 1.59,
             'graphs': 0,
             'block_lists': [],
             'nested_lists': [],
             'list_lengths': {},
             'glue_nodes': {},
             'stackless_markers': {},
             'nodes': 0,
             'nodes_without_stack': 0,
             'path_formats': [],
             'partial': {'graphs': 4,
                         'block_lists': [('context_refiner', 3, 'Lumina2TransformerBlock'),
                                         ('noise_refiner', 3, 'Lumina2TransformerBlock'),
                                         ('layers', 4, 'Lumina2TransformerBlock')],
                         'compiled_matches_eager': True}},
 'z_image': {'output_kind': 'sample',
             'forward_ms': 10.9,
             't_sensitive': True,
             'traces': False,
             'break_reason': 'Unsupported: Unsupported context manager (Dynamo does not know how to enter a '
                             '`device` context manager.) at transformer_z_image.py:330 `with torch.device("cpu"):`',
             'traces_after_eager': True,
             'traces_return_dict_false': True,
             'break_reason_return_dict_false': None,
             'traced_via': 'after_eager',
             'compiled_matches_eager': True,
             'max_abs_diff': 0.0,
             'trace_s': 0.37,
             'graphs': 1,
             'block_lists': [('noise_refiner', 3, 'ZImageTransformerBlock'),
                             ('context_refiner', 3, 'ZImageTransformerBlock'),
                             ('layers', 4, 'ZImageTransformerBlock')],
             'nested_lists': [],
             'list_lengths': {'noise_refiner': 3, 'context_refiner': 3, 'layers': 4},
             'glue_nodes': {'noise_refiner': 0, 'context_refiner': 0, 'layers': 0},
             'stackless_markers': {'noise_refiner': 12, 'context_refiner': 12, 'layers': 16},
             'nodes': 1117,
             'nodes_without_stack': 161,
             'path_formats': ["L['self'] D",
                              "L['self'] D A",
                              "L['self'] D A I",
                              "L['self'] D I",
                              "L['self'] D I A",
                              "L['self'] D I A I",
                              "L['self'] D K",
                              "L['self'] D K A",
                              "L['self'] D K A I"]},
 'bria_fibo2': {'output_kind': 'sample',
                'forward_ms': 6.9,
                't_sensitive': True,
                'traces': False,
                'break_reason': 'Unsupported: Unsupported context manager (Dynamo does not know how to enter a '
                                '`device` context manager.) at transformer_bria_fibo2.py:149 `with '
                                'torch.device("cpu"):`',
                'traces_after_eager': True,
                'traces_return_dict_false': True,
                'break_reason_return_dict_false': None,
                'traced_via': 'after_eager',
                'compiled_matches_eager': True,
                'max_abs_diff': 0.0,
                'trace_s': 0.22,
                'graphs': 1,
                'block_lists': [('noise_refiner', 3, 'BriaFibo2TransformerBlock'),
                                ('layers', 4, 'BriaFibo2TransformerBlock')],
                'nested_lists': [],
                'list_lengths': {'noise_refiner': 3, 'layers': 4},
                'glue_nodes': {'noise_refiner': 0, 'layers': 1},
                'stackless_markers': {'noise_refiner': 0, 'layers': 0},
                'nodes': 1029,
                'nodes_without_stack': 55,
                'path_formats': ["L['self'] D",
                                 "L['self'] D A",
                                 "L['self'] D A I",
                                 "L['self'] D A I A",
                                 "L['self'] D A I A I",
                                 "L['self'] D I",
                                 "L['self'] D I A",
                                 "L['self'] D I A I"]},
 'qwenimage': {'output_kind': 'sample',
               'forward_ms': 3.4,
               't_sensitive': True,
               'traces': True,
               'break_reason': None,
               'traces_after_eager': True,
               'traces_return_dict_false': True,
               'break_reason_return_dict_false': None,
               'traced_via': 'cold',
               'compiled_matches_eager': True,
               'max_abs_diff': 0.0,
               'trace_s': 2.11,
               'graphs': 1,
               'block_lists': [('transformer_blocks', 4, 'QwenImageTransformerBlock')],
               'nested_lists': [],
               'list_lengths': {'transformer_blocks': 4},
               'glue_nodes': {'transformer_blocks': 0},
               'stackless_markers': {'transformer_blocks': 0},
               'nodes': 730,
               'nodes_without_stack': 11,
               'path_formats': ["L['self'] D",
                                "L['self'] D A",
                                "L['self'] D I",
                                "L['self'] D I A",
                                "L['self'] D I A I",
                                "L['self'] D I A I A"]},
 'qwenimage21': {'output_kind': 'sample',
                 'forward_ms': 6.7,
                 't_sensitive': True,
                 'traces': False,
                 'break_reason': 'Unsupported: Tensor.tolist() with non-integer tensor (Dynamo currently does not '
                                 'support tracing `tolist()` on non-integer tensors.) at '
                                 'transformer_qwenimage21.py:689 `is_image_token = image_pad_mask.tolist()`',
                 'traces_after_eager': False,
                 'traces_return_dict_false': False,
                 'break_reason_return_dict_false': 'Unsupported: Tensor.tolist() with non-integer tensor (Dynamo '
                                                   'currently does not support tracing `tolist()` on non-integer '
                                                   'tensors.) at transformer_qwenimage21.py:689 `is_image_token = '
                                                   'image_pad_mask.tolist()`',
                 'traced_via': None,
                 'compiled_matches_eager': None,
                 'max_abs_diff': None,
                 'trace_s': 0.2,
                 'graphs': 0,
                 'block_lists': [],
                 'nested_lists': [],
                 'list_lengths': {},
                 'glue_nodes': {},
                 'stackless_markers': {},
                 'nodes': 0,
                 'nodes_without_stack': 0,
                 'path_formats': [],
                 'partial': {'graphs': 11,
                             'block_lists': [('transformer_blocks', 4, 'QwenImage21TransformerBlock')],
                             'compiled_matches_eager': True}},
 'nucleusmoe_image': {'output_kind': 'sample',
                      'forward_ms': 7.2,
                      't_sensitive': True,
                      'traces': True,
                      'break_reason': None,
                      'traces_after_eager': True,
                      'traces_return_dict_false': True,
                      'break_reason_return_dict_false': None,
                      'traced_via': 'cold',
                      'compiled_matches_eager': True,
                      'max_abs_diff': 0.0,
                      'trace_s': 3.0,
                      'graphs': 1,
                      'block_lists': [('transformer_blocks', 4, 'NucleusMoEImageTransformerBlock')],
                      'nested_lists': [],
                      'list_lengths': {'transformer_blocks': 4},
                      'glue_nodes': {'transformer_blocks': 0},
                      'stackless_markers': {'transformer_blocks': 0},
                      'nodes': 490,
                      'nodes_without_stack': 13,
                      'path_formats': ["L['self'] D",
                                       "L['self'] D A",
                                       "L['self'] D I",
                                       "L['self'] D I A",
                                       "L['self'] D I A I",
                                       "L['self'] D I A I A"]},
 'ernie_image': {'output_kind': 'sample',
                 'forward_ms': 2.5,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 1.33,
                 'graphs': 1,
                 'block_lists': [('layers', 4, 'ErnieImageSharedAdaLNBlock')],
                 'nested_lists': [],
                 'list_lengths': {'layers': 4},
                 'glue_nodes': {'layers': 0},
                 'stackless_markers': {'layers': 0},
                 'nodes': 500,
                 'nodes_without_stack': 71,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I"]},
 'prx': {'output_kind': 'sample',
         'forward_ms': 2.2,
         't_sensitive': True,
         'traces': True,
         'break_reason': None,
         'traces_after_eager': True,
         'traces_return_dict_false': True,
         'break_reason_return_dict_false': None,
         'traced_via': 'cold',
         'compiled_matches_eager': True,
         'max_abs_diff': 0.0,
         'trace_s': 1.3,
         'graphs': 1,
         'block_lists': [('blocks', 4, 'PRXBlock')],
         'nested_lists': [],
         'list_lengths': {'blocks': 4},
         'glue_nodes': {'blocks': 0},
         'stackless_markers': {'blocks': 0},
         'nodes': 467,
         'nodes_without_stack': 32,
         'path_formats': ["L['self'] D",
                          "L['self'] D A",
                          "L['self'] D A I",
                          "L['self'] D I",
                          "L['self'] D I A",
                          "L['self'] D I A I"]},
 'ideogram4': {'output_kind': 'sample',
               'forward_ms': 2.2,
               't_sensitive': True,
               'traces': True,
               'break_reason': None,
               'traces_after_eager': True,
               'traces_return_dict_false': True,
               'break_reason_return_dict_false': None,
               'traced_via': 'cold',
               'compiled_matches_eager': True,
               'max_abs_diff': 0.0,
               'trace_s': 2.82,
               'graphs': 1,
               'block_lists': [('layers', 4, 'Ideogram4TransformerBlock')],
               'nested_lists': [],
               'list_lengths': {'layers': 4},
               'glue_nodes': {'layers': 0},
               'stackless_markers': {'layers': 0},
               'nodes': 449,
               'nodes_without_stack': 24,
               'path_formats': ["L['self'] D",
                                "L['self'] D A",
                                "L['self'] D I",
                                "L['self'] D I A",
                                "L['self'] D I A I"]},
 'krea2': {'output_kind': 'sample',
           'forward_ms': 3.0,
           't_sensitive': True,
           'traces': True,
           'break_reason': None,
           'traces_after_eager': True,
           'traces_return_dict_false': True,
           'break_reason_return_dict_false': None,
           'traced_via': 'cold',
           'compiled_matches_eager': True,
           'max_abs_diff': 0.0,
           'trace_s': 1.87,
           'graphs': 1,
           'block_lists': [('transformer_blocks', 4, 'Krea2TransformerBlock')],
           'nested_lists': [],
           'list_lengths': {'transformer_blocks': 4},
           'glue_nodes': {'transformer_blocks': 0},
           'stackless_markers': {'transformer_blocks': 0},
           'nodes': 543,
           'nodes_without_stack': 7,
           'path_formats': ["L['self'] D",
                            "L['self'] D A",
                            "L['self'] D A I",
                            "L['self'] D A I A",
                            "L['self'] D A I A I",
                            "L['self'] D I",
                            "L['self'] D I A",
                            "L['self'] D I A I"]},
 'sana': {'output_kind': 'sample',
          'forward_ms': 7.0,
          't_sensitive': True,
          'traces': True,
          'break_reason': None,
          'traces_after_eager': True,
          'traces_return_dict_false': True,
          'break_reason_return_dict_false': None,
          'traced_via': 'cold',
          'compiled_matches_eager': True,
          'max_abs_diff': 0.0,
          'trace_s': 1.42,
          'graphs': 1,
          'block_lists': [('transformer_blocks', 4, 'SanaTransformerBlock')],
          'nested_lists': [],
          'list_lengths': {'transformer_blocks': 4},
          'glue_nodes': {'transformer_blocks': 0},
          'stackless_markers': {'transformer_blocks': 0},
          'nodes': 371,
          'nodes_without_stack': 4,
          'path_formats': ["L['self'] D",
                           "L['self'] D A",
                           "L['self'] D I",
                           "L['self'] D I A",
                           "L['self'] D I A I"]},
 'omnigen': {'output_kind': 'sample',
             'forward_ms': 3.1,
             't_sensitive': True,
             'traces': False,
             'break_reason': 'Unsupported: Data-dependent branching (Detected data-dependent branching (e.g. `if '
                             'my_tensor.sum() > 0:`). Dynamo does not support tracing dynamic co) at '
                             'transformer_omnigen.py:155 `if seq_len > self.original_max_position_embeddings:`',
             'traces_after_eager': False,
             'traces_return_dict_false': False,
             'break_reason_return_dict_false': 'Unsupported: Data-dependent branching (Detected data-dependent '
                                               'branching (e.g. `if my_tensor.sum() > 0:`). Dynamo does not '
                                               'support tracing dynamic co) at transformer_omnigen.py:155 `if '
                                               'seq_len > self.original_max_position_embeddings:`',
             'traced_via': None,
             'compiled_matches_eager': None,
             'max_abs_diff': None,
             'trace_s': 0.23,
             'graphs': 0,
             'block_lists': [],
             'nested_lists': [],
             'list_lengths': {},
             'glue_nodes': {},
             'stackless_markers': {},
             'nodes': 0,
             'nodes_without_stack': 0,
             'path_formats': [],
             'partial': {'graphs': 4,
                         'block_lists': [('layers', 4, 'OmniGenBlock')],
                         'compiled_matches_eager': True}},
 'stable_audio': {'output_kind': 'sample',
                  'forward_ms': 2.5,
                  't_sensitive': True,
                  'traces': False,
                  'break_reason': 'Unsupported: Attempted to call function marked as skipped (Dynamo does not know '
                                  'how to trace the Python builtin `_warnings.warn`.) at deprecation_utils.py:98 '
                                  '`warnings.warn(warning + message, FutureWarning, stacklevel=stacklevel)`',
                  'traces_after_eager': False,
                  'traces_return_dict_false': True,
                  'break_reason_return_dict_false': None,
                  'traced_via': 'return_dict_false',
                  'compiled_matches_eager': True,
                  'max_abs_diff': 0.0,
                  'trace_s': 1.7,
                  'graphs': 1,
                  'block_lists': [('transformer_blocks', 4, 'StableAudioDiTBlock')],
                  'nested_lists': [],
                  'list_lengths': {'transformer_blocks': 4},
                  'glue_nodes': {'transformer_blocks': 0},
                  'stackless_markers': {'transformer_blocks': 0},
                  'nodes': 389,
                  'nodes_without_stack': 9,
                  'path_formats': ["L['self'] D",
                                   "L['self'] D I",
                                   "L['self'] D I A",
                                   "L['self'] D I A I",
                                   "L['self'] D I A I A"]},
 'stable_audio3': {'output_kind': 'sample',
                   'forward_ms': 3.8,
                   't_sensitive': True,
                   'traces': True,
                   'break_reason': None,
                   'traces_after_eager': True,
                   'traces_return_dict_false': True,
                   'break_reason_return_dict_false': None,
                   'traced_via': 'cold',
                   'compiled_matches_eager': True,
                   'max_abs_diff': 0.0,
                   'trace_s': 3.23,
                   'graphs': 1,
                   'block_lists': [('transformer_blocks', 4, 'StableAudio3DiTBlock')],
                   'nested_lists': [],
                   'list_lengths': {'transformer_blocks': 4},
                   'glue_nodes': {'transformer_blocks': 0},
                   'stackless_markers': {'transformer_blocks': 0},
                   'nodes': 711,
                   'nodes_without_stack': 12,
                   'path_formats': ["L['self'] D", "L['self'] D I", "L['self'] D I A"]},
 'ace_step': {'output_kind': 'sample',
              'forward_ms': 7.6,
              't_sensitive': True,
              'traces': True,
              'break_reason': None,
              'traces_after_eager': True,
              'traces_return_dict_false': True,
              'break_reason_return_dict_false': None,
              'traced_via': 'cold',
              'compiled_matches_eager': True,
              'max_abs_diff': 0.0,
              'trace_s': 1.88,
              'graphs': 1,
              'block_lists': [('layers', 4, 'AceStepTransformerBlock')],
              'nested_lists': [],
              'list_lengths': {'layers': 4},
              'glue_nodes': {'layers': 0},
              'stackless_markers': {'layers': 0},
              'nodes': 663,
              'nodes_without_stack': 47,
              'path_formats': ["L['self'] D",
                               "L['self'] D A",
                               "L['self'] D I",
                               "L['self'] D I A",
                               "L['self'] D I A I"]},
 'longcat_audio_dit': {'output_kind': 'sample',
                       'forward_ms': 2.8,
                       't_sensitive': True,
                       'traces': True,
                       'break_reason': None,
                       'traces_after_eager': True,
                       'traces_return_dict_false': True,
                       'break_reason_return_dict_false': None,
                       'traced_via': 'cold',
                       'compiled_matches_eager': True,
                       'max_abs_diff': 0.0,
                       'trace_s': 1.8,
                       'graphs': 1,
                       'block_lists': [('blocks', 4, 'AudioDiTBlock')],
                       'nested_lists': [],
                       'list_lengths': {'blocks': 4},
                       'glue_nodes': {'blocks': 0},
                       'stackless_markers': {'blocks': 0},
                       'nodes': 756,
                       'nodes_without_stack': 15,
                       'path_formats': ["L['self'] D",
                                        "L['self'] D A",
                                        "L['self'] D A I",
                                        "L['self'] D I",
                                        "L['self'] D I A",
                                        "L['self'] D I A I"]},
 'minimax_music3': {'output_kind': 'sample',
                    'forward_ms': 1.1,
                    't_sensitive': True,
                    'traces': True,
                    'break_reason': None,
                    'traces_after_eager': True,
                    'traces_return_dict_false': True,
                    'break_reason_return_dict_false': None,
                    'traced_via': 'cold',
                    'compiled_matches_eager': True,
                    'max_abs_diff': 0.0,
                    'trace_s': 0.93,
                    'graphs': 1,
                    'block_lists': [('transformer_blocks', 4, 'MiniMaxMusic3TransformerBlock')],
                    'nested_lists': [],
                    'list_lengths': {'transformer_blocks': 4},
                    'glue_nodes': {'transformer_blocks': 0},
                    'stackless_markers': {'transformer_blocks': 0},
                    'nodes': 260,
                    'nodes_without_stack': 10,
                    'path_formats': ["L['self'] D",
                                     "L['self'] D A",
                                     "L['self'] D I",
                                     "L['self'] D I A",
                                     "L['self'] D I A I"]},
 'minimax_music3_rvq_depth': {'output_kind': 'tensor',
                              'forward_ms': 0.7,
                              't_sensitive': False,
                              'traces': True,
                              'break_reason': None,
                              'traces_after_eager': True,
                              'traces_return_dict_false': None,
                              'break_reason_return_dict_false': None,
                              'traced_via': 'cold',
                              'compiled_matches_eager': True,
                              'max_abs_diff': 0.0,
                              'trace_s': 0.53,
                              'graphs': 1,
                              'block_lists': [('layers', 4, 'MiniMaxMusic3DepthDecoderBlock')],
                              'nested_lists': [],
                              'list_lengths': {'layers': 4},
                              'glue_nodes': {'layers': 0},
                              'stackless_markers': {'layers': 0},
                              'nodes': 151,
                              'nodes_without_stack': 3,
                              'path_formats': ["L['self'] D", "L['self'] D I", "L['self'] D I A"]},
 'cogvideox': {'output_kind': 'sample',
               'forward_ms': 2.4,
               't_sensitive': True,
               'traces': True,
               'break_reason': None,
               'traces_after_eager': True,
               'traces_return_dict_false': True,
               'break_reason_return_dict_false': None,
               'traced_via': 'cold',
               'compiled_matches_eager': True,
               'max_abs_diff': 0.0,
               'trace_s': 1.53,
               'graphs': 1,
               'block_lists': [('transformer_blocks', 4, 'CogVideoXBlock')],
               'nested_lists': [],
               'list_lengths': {'transformer_blocks': 4},
               'glue_nodes': {'transformer_blocks': 0},
               'stackless_markers': {'transformer_blocks': 0},
               'nodes': 378,
               'nodes_without_stack': 7,
               'path_formats': ["L['self'] D",
                                "L['self'] D A",
                                "L['self'] D I",
                                "L['self'] D I A",
                                "L['self'] D I A I",
                                "L['self'] D I A I A"]},
 'cogvideox15': {'output_kind': 'sample',
                 'forward_ms': 2.5,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 1.57,
                 'graphs': 1,
                 'block_lists': [('transformer_blocks', 4, 'CogVideoXBlock')],
                 'nested_lists': [],
                 'list_lengths': {'transformer_blocks': 4},
                 'glue_nodes': {'transformer_blocks': 0},
                 'stackless_markers': {'transformer_blocks': 0},
                 'nodes': 529,
                 'nodes_without_stack': 8,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I",
                                  "L['self'] D I A I A"]},
 'consisid': {'output_kind': 'sample',
              'forward_ms': 3.7,
              't_sensitive': True,
              'traces': True,
              'break_reason': None,
              'traces_after_eager': True,
              'traces_return_dict_false': True,
              'break_reason_return_dict_false': None,
              'traced_via': 'cold',
              'compiled_matches_eager': True,
              'max_abs_diff': 0.0,
              'trace_s': 3.52,
              'graphs': 1,
              'block_lists': [('transformer_blocks', 4, 'ConsisIDBlock'),
                              ('perceiver_cross_attention', 4, 'PerceiverCrossAttention')],
              'nested_lists': [],
              'list_lengths': {'transformer_blocks': 4, 'perceiver_cross_attention': 4},
              'glue_nodes': {'transformer_blocks': 78, 'perceiver_cross_attention': 252},
              'stackless_markers': {'transformer_blocks': 0, 'perceiver_cross_attention': 0},
              'nodes': 713,
              'nodes_without_stack': 19,
              'path_formats': ["L['self'] D",
                               "L['self'] D A",
                               "L['self'] D A I",
                               "L['self'] D A I A",
                               "L['self'] D I",
                               "L['self'] D I A",
                               "L['self'] D I A I",
                               "L['self'] D I A I A"]},
 'latte': {'output_kind': 'sample',
           'forward_ms': 3.2,
           't_sensitive': True,
           'traces': True,
           'break_reason': None,
           'traces_after_eager': True,
           'traces_return_dict_false': True,
           'break_reason_return_dict_false': None,
           'traced_via': 'cold',
           'compiled_matches_eager': True,
           'max_abs_diff': 0.0,
           'trace_s': 1.27,
           'graphs': 1,
           'block_lists': [('transformer_blocks', 4, 'BasicTransformerBlock'),
                           ('temporal_transformer_blocks', 4, 'BasicTransformerBlock')],
           'nested_lists': [],
           'list_lengths': {'transformer_blocks': 4, 'temporal_transformer_blocks': 4},
           'glue_nodes': {'transformer_blocks': 146, 'temporal_transformer_blocks': 195},
           'stackless_markers': {'transformer_blocks': 0, 'temporal_transformer_blocks': 0},
           'nodes': 485,
           'nodes_without_stack': 50,
           'path_formats': ["L['self'] D",
                            "L['self'] D A",
                            "L['self'] D I",
                            "L['self'] D I A",
                            "L['self'] D I A I",
                            "L['self'] D I A I A"]},
 'allegro': {'output_kind': 'sample',
             'forward_ms': 2.0,
             't_sensitive': True,
             'traces': True,
             'break_reason': None,
             'traces_after_eager': True,
             'traces_return_dict_false': True,
             'break_reason_return_dict_false': None,
             'traced_via': 'cold',
             'compiled_matches_eager': True,
             'max_abs_diff': 0.0,
             'trace_s': 1.79,
             'graphs': 1,
             'block_lists': [('transformer_blocks', 4, 'AllegroTransformerBlock')],
             'nested_lists': [],
             'list_lengths': {'transformer_blocks': 4},
             'glue_nodes': {'transformer_blocks': 0},
             'stackless_markers': {'transformer_blocks': 0},
             'nodes': 288,
             'nodes_without_stack': 18,
             'path_formats': ["L['self'] D",
                              "L['self'] D A",
                              "L['self'] D I",
                              "L['self'] D I A",
                              "L['self'] D I A I",
                              "L['self'] D I A I A"]},
 'mochi': {'output_kind': 'sample',
           'forward_ms': 4.2,
           't_sensitive': True,
           'traces': True,
           'break_reason': None,
           'traces_after_eager': True,
           'traces_return_dict_false': True,
           'break_reason_return_dict_false': None,
           'traced_via': 'cold',
           'compiled_matches_eager': True,
           'max_abs_diff': 0.0,
           'trace_s': 1.54,
           'graphs': 1,
           'block_lists': [('transformer_blocks', 4, 'MochiTransformerBlock')],
           'nested_lists': [],
           'list_lengths': {'transformer_blocks': 4},
           'glue_nodes': {'transformer_blocks': 0},
           'stackless_markers': {'transformer_blocks': 0},
           'nodes': 1018,
           'nodes_without_stack': 9,
           'path_formats': ["L['self'] D",
                            "L['self'] D A",
                            "L['self'] D I",
                            "L['self'] D I A",
                            "L['self'] D I A I",
                            "L['self'] D I A I A"]},
 'ltx': {'output_kind': 'sample',
         'forward_ms': 3.0,
         't_sensitive': True,
         'traces': True,
         'break_reason': None,
         'traces_after_eager': True,
         'traces_return_dict_false': True,
         'break_reason_return_dict_false': None,
         'traced_via': 'cold',
         'compiled_matches_eager': True,
         'max_abs_diff': 0.0,
         'trace_s': 1.0,
         'graphs': 1,
         'block_lists': [('transformer_blocks', 4, 'LTXVideoTransformerBlock')],
         'nested_lists': [],
         'list_lengths': {'transformer_blocks': 4},
         'glue_nodes': {'transformer_blocks': 0},
         'stackless_markers': {'transformer_blocks': 0},
         'nodes': 483,
         'nodes_without_stack': 16,
         'path_formats': ["L['self'] D",
                          "L['self'] D A",
                          "L['self'] D I",
                          "L['self'] D I A",
                          "L['self'] D I A I",
                          "L['self'] D I A I A"]},
 'ltx2': {'output_kind': 'sample',
          'forward_ms': 9.3,
          't_sensitive': True,
          'traces': True,
          'break_reason': None,
          'traces_after_eager': True,
          'traces_return_dict_false': True,
          'break_reason_return_dict_false': None,
          'traced_via': 'cold',
          'compiled_matches_eager': True,
          'max_abs_diff': 0.0,
          'trace_s': 3.02,
          'graphs': 1,
          'block_lists': [('transformer_blocks', 4, 'LTX2VideoTransformerBlock')],
          'nested_lists': [],
          'list_lengths': {'transformer_blocks': 4},
          'glue_nodes': {'transformer_blocks': 0},
          'stackless_markers': {'transformer_blocks': 0},
          'nodes': 1834,
          'nodes_without_stack': 82,
          'path_formats': ["L['self'] D",
                           "L['self'] D A",
                           "L['self'] D I",
                           "L['self'] D I A",
                           "L['self'] D I A I",
                           "L['self'] D I A I A"]},
 'hunyuan_video': {'output_kind': 'sample',
                   'forward_ms': 6.6,
                   't_sensitive': True,
                   'traces': True,
                   'break_reason': None,
                   'traces_after_eager': True,
                   'traces_return_dict_false': True,
                   'break_reason_return_dict_false': None,
                   'traced_via': 'cold',
                   'compiled_matches_eager': True,
                   'max_abs_diff': 0.0,
                   'trace_s': 3.03,
                   'graphs': 1,
                   'block_lists': [('context_embedder.token_refiner.refiner_blocks',
                                    3,
                                    'HunyuanVideoIndividualTokenRefinerBlock'),
                                   ('transformer_blocks', 3, 'HunyuanVideoTransformerBlock'),
                                   ('single_transformer_blocks', 4, 'HunyuanVideoSingleTransformerBlock')],
                   'nested_lists': [],
                   'list_lengths': {'context_embedder.token_refiner.refiner_blocks': 3,
                                    'transformer_blocks': 3,
                                    'single_transformer_blocks': 4},
                   'glue_nodes': {'context_embedder.token_refiner.refiner_blocks': 0,
                                  'transformer_blocks': 0,
                                  'single_transformer_blocks': 0},
                   'stackless_markers': {'context_embedder.token_refiner.refiner_blocks': 0,
                                         'transformer_blocks': 0,
                                         'single_transformer_blocks': 0},
                   'nodes': 1102,
                   'nodes_without_stack': 15,
                   'path_formats': ["L['self'] D",
                                    "L['self'] D A",
                                    "L['self'] D A I",
                                    "L['self'] D A I A",
                                    "L['self'] D A I A I",
                                    "L['self'] D A I A I A",
                                    "L['self'] D I",
                                    "L['self'] D I A",
                                    "L['self'] D I A I",
                                    "L['self'] D I A I A"]},
 'hunyuan_video_framepack': {'output_kind': 'sample',
                             'forward_ms': 6.0,
                             't_sensitive': True,
                             'traces': True,
                             'break_reason': None,
                             'traces_after_eager': True,
                             'traces_return_dict_false': True,
                             'break_reason_return_dict_false': None,
                             'traced_via': 'cold',
                             'compiled_matches_eager': True,
                             'max_abs_diff': 0.0,
                             'trace_s': 5.34,
                             'graphs': 1,
                             'block_lists': [('context_embedder.token_refiner.refiner_blocks',
                                              3,
                                              'HunyuanVideoIndividualTokenRefinerBlock'),
                                             ('transformer_blocks', 3, 'HunyuanVideoTransformerBlock'),
                                             ('single_transformer_blocks',
                                              3,
                                              'HunyuanVideoSingleTransformerBlock')],
                             'nested_lists': [],
                             'list_lengths': {'context_embedder.token_refiner.refiner_blocks': 3,
                                              'transformer_blocks': 3,
                                              'single_transformer_blocks': 3},
                             'glue_nodes': {'context_embedder.token_refiner.refiner_blocks': 0,
                                            'transformer_blocks': 0,
                                            'single_transformer_blocks': 0},
                             'stackless_markers': {'context_embedder.token_refiner.refiner_blocks': 0,
                                                   'transformer_blocks': 0,
                                                   'single_transformer_blocks': 0},
                             'nodes': 1621,
                             'nodes_without_stack': 61,
                             'path_formats': ["L['self'] D",
                                              "L['self'] D A",
                                              "L['self'] D A I",
                                              "L['self'] D A I A",
                                              "L['self'] D A I A I",
                                              "L['self'] D A I A I A",
                                              "L['self'] D I",
                                              "L['self'] D I A",
                                              "L['self'] D I A I",
                                              "L['self'] D I A I A"]},
 'hunyuan_video15': {'output_kind': 'sample',
                     'forward_ms': 7.4,
                     't_sensitive': True,
                     'traces': False,
                     'break_reason': 'Unsupported: Data-dependent branching (Detected data-dependent branching '
                                     '(e.g. `if my_tensor.sum() > 0:`). Dynamo does not support tracing dynamic '
                                     'co) at transformer_hunyuan_video15.py:702 `if is_t2v:`',
                     'traces_after_eager': False,
                     'traces_return_dict_false': False,
                     'break_reason_return_dict_false': 'Unsupported: Data-dependent branching (Detected '
                                                       'data-dependent branching (e.g. `if my_tensor.sum() > 0:`). '
                                                       'Dynamo does not support tracing dynamic co) at '
                                                       'transformer_hunyuan_video15.py:702 `if is_t2v:`',
                     'traced_via': None,
                     'compiled_matches_eager': None,
                     'max_abs_diff': None,
                     'trace_s': 0.6,
                     'graphs': 0,
                     'block_lists': [],
                     'nested_lists': [],
                     'list_lengths': {},
                     'glue_nodes': {},
                     'stackless_markers': {},
                     'nodes': 0,
                     'nodes_without_stack': 0,
                     'path_formats': [],
                     'partial': {'graphs': 3,
                                 'block_lists': [('context_embedder.token_refiner.refiner_blocks',
                                                  3,
                                                  'HunyuanVideo15IndividualTokenRefinerBlock')],
                                 'compiled_matches_eager': True}},
 'hunyuanimage': {'output_kind': 'sample',
                  'forward_ms': 5.3,
                  't_sensitive': True,
                  'traces': True,
                  'break_reason': None,
                  'traces_after_eager': True,
                  'traces_return_dict_false': True,
                  'break_reason_return_dict_false': None,
                  'traced_via': 'cold',
                  'compiled_matches_eager': True,
                  'max_abs_diff': 0.0,
                  'trace_s': 2.68,
                  'graphs': 1,
                  'block_lists': [('context_embedder.token_refiner.refiner_blocks',
                                   3,
                                   'HunyuanImageIndividualTokenRefinerBlock'),
                                  ('transformer_blocks', 3, 'HunyuanImageTransformerBlock'),
                                  ('single_transformer_blocks', 4, 'HunyuanImageSingleTransformerBlock')],
                  'nested_lists': [],
                  'list_lengths': {'context_embedder.token_refiner.refiner_blocks': 3,
                                   'transformer_blocks': 3,
                                   'single_transformer_blocks': 4},
                  'glue_nodes': {'context_embedder.token_refiner.refiner_blocks': 0,
                                 'transformer_blocks': 0,
                                 'single_transformer_blocks': 0},
                  'stackless_markers': {'context_embedder.token_refiner.refiner_blocks': 0,
                                        'transformer_blocks': 0,
                                        'single_transformer_blocks': 0},
                  'nodes': 1053,
                  'nodes_without_stack': 7,
                  'path_formats': ["L['self'] D",
                                   "L['self'] D A",
                                   "L['self'] D A I",
                                   "L['self'] D A I A",
                                   "L['self'] D A I A I",
                                   "L['self'] D A I A I A",
                                   "L['self'] D I",
                                   "L['self'] D I A",
                                   "L['self'] D I A I",
                                   "L['self'] D I A I A"]},
 'wan': {'output_kind': 'sample',
         'forward_ms': 6.7,
         't_sensitive': True,
         'traces': True,
         'break_reason': None,
         'traces_after_eager': True,
         'traces_return_dict_false': True,
         'break_reason_return_dict_false': None,
         'traced_via': 'cold',
         'compiled_matches_eager': True,
         'max_abs_diff': 0.0,
         'trace_s': 1.49,
         'graphs': 1,
         'block_lists': [('blocks', 4, 'WanTransformerBlock')],
         'nested_lists': [],
         'list_lengths': {'blocks': 4},
         'glue_nodes': {'blocks': 0},
         'stackless_markers': {'blocks': 0},
         'nodes': 529,
         'nodes_without_stack': 22,
         'path_formats': ["L['self'] D",
                          "L['self'] D A",
                          "L['self'] D I",
                          "L['self'] D I A",
                          "L['self'] D I A I",
                          "L['self'] D I A I A"]},
 'wan_vace': {'output_kind': 'sample',
              'forward_ms': 4.2,
              't_sensitive': True,
              'traces': True,
              'break_reason': None,
              'traces_after_eager': True,
              'traces_return_dict_false': True,
              'break_reason_return_dict_false': None,
              'traced_via': 'cold',
              'compiled_matches_eager': True,
              'max_abs_diff': 0.0,
              'trace_s': 2.58,
              'graphs': 1,
              'block_lists': [('vace_blocks', 3, 'WanVACETransformerBlock'), ('blocks', 4, 'WanTransformerBlock')],
              'nested_lists': [],
              'list_lengths': {'vace_blocks': 3, 'blocks': 4},
              'glue_nodes': {'vace_blocks': 0, 'blocks': 6},
              'stackless_markers': {'vace_blocks': 0, 'blocks': 0},
              'nodes': 891,
              'nodes_without_stack': 39,
              'path_formats': ["L['self'] D",
                               "L['self'] D A",
                               "L['self'] D I",
                               "L['self'] D I A",
                               "L['self'] D I A I",
                               "L['self'] D I A I A"]},
 'wan_animate': {'output_kind': 'sample',
                 'forward_ms': 8.9,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 5.34,
                 'graphs': 1,
                 'block_lists': [('motion_encoder.res_blocks', 2, 'MotionEncoderResBlock'),
                                 ('motion_encoder.motion_network', 5, 'MotionLinear'),
                                 ('blocks', 6, 'WanTransformerBlock'),
                                 ('face_adapter', 3, 'WanAnimateFaceBlockCrossAttention')],
                 'nested_lists': [],
                 'list_lengths': {'motion_encoder.res_blocks': 2,
                                  'motion_encoder.motion_network': 5,
                                  'blocks': 6,
                                  'face_adapter': 3},
                 'glue_nodes': {'motion_encoder.res_blocks': 33,
                                'motion_encoder.motion_network': 77,
                                'blocks': 81,
                                'face_adapter': 452},
                 'stackless_markers': {'motion_encoder.res_blocks': 0,
                                       'motion_encoder.motion_network': 0,
                                       'blocks': 0,
                                       'face_adapter': 0},
                 'nodes': 1064,
                 'nodes_without_stack': 42,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D A I",
                                  "L['self'] D A I A",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I",
                                  "L['self'] D I A I A"]},
 'wan_animate2': {'output_kind': 'sample',
                  'forward_ms': 34.4,
                  't_sensitive': True,
                  'traces': False,
                  'break_reason': 'UserError: data-dependent value in `freqs = self.rope_freqs_cache.get(offsets)` '
                                  'at transformer_wan_animate_2.py:706 `freqs = '
                                  'self.rope_freqs_cache.get(offsets)`',
                  'traces_after_eager': False,
                  'traces_return_dict_false': False,
                  'break_reason_return_dict_false': 'UserError: data-dependent value in `freqs = '
                                                    'self.rope_freqs_cache.get(offsets)` at '
                                                    'transformer_wan_animate_2.py:706 `freqs = '
                                                    'self.rope_freqs_cache.get(offsets)`',
                  'traced_via': None,
                  'compiled_matches_eager': None,
                  'max_abs_diff': None,
                  'trace_s': 0.12,
                  'graphs': 0,
                  'block_lists': [],
                  'nested_lists': [],
                  'list_lengths': {},
                  'glue_nodes': {},
                  'stackless_markers': {},
                  'nodes': 0,
                  'nodes_without_stack': 0,
                  'path_formats': [],
                  'partial': {'graphs': 19, 'block_lists': [], 'compiled_matches_eager': True}},
 'skyreels_v2': {'output_kind': 'sample',
                 'forward_ms': 2.5,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 1.75,
                 'graphs': 1,
                 'block_lists': [('blocks', 4, 'SkyReelsV2TransformerBlock')],
                 'nested_lists': [],
                 'list_lengths': {'blocks': 4},
                 'glue_nodes': {'blocks': 0},
                 'stackless_markers': {'blocks': 0},
                 'nodes': 525,
                 'nodes_without_stack': 20,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I",
                                  "L['self'] D I A I A"]},
 'chronoedit': {'output_kind': 'sample',
                'forward_ms': 2.5,
                't_sensitive': True,
                'traces': True,
                'break_reason': None,
                'traces_after_eager': True,
                'traces_return_dict_false': True,
                'break_reason_return_dict_false': None,
                'traced_via': 'cold',
                'compiled_matches_eager': True,
                'max_abs_diff': 0.0,
                'trace_s': 1.81,
                'graphs': 1,
                'block_lists': [('blocks', 4, 'WanTransformerBlock')],
                'nested_lists': [],
                'list_lengths': {'blocks': 4},
                'glue_nodes': {'blocks': 0},
                'stackless_markers': {'blocks': 0},
                'nodes': 530,
                'nodes_without_stack': 21,
                'path_formats': ["L['self'] D",
                                 "L['self'] D A",
                                 "L['self'] D I",
                                 "L['self'] D I A",
                                 "L['self'] D I A I",
                                 "L['self'] D I A I A"]},
 'helios': {'output_kind': 'sample',
            'forward_ms': 8.4,
            't_sensitive': True,
            'traces': True,
            'break_reason': None,
            'traces_after_eager': True,
            'traces_return_dict_false': True,
            'break_reason_return_dict_false': None,
            'traced_via': 'cold',
            'compiled_matches_eager': True,
            'max_abs_diff': 0.0,
            'trace_s': 4.48,
            'graphs': 1,
            'block_lists': [('blocks', 4, 'HeliosTransformerBlock')],
            'nested_lists': [],
            'list_lengths': {'blocks': 4},
            'glue_nodes': {'blocks': 0},
            'stackless_markers': {'blocks': 0},
            'nodes': 789,
            'nodes_without_stack': 74,
            'path_formats': ["L['self'] D",
                             "L['self'] D A",
                             "L['self'] D I",
                             "L['self'] D I A",
                             "L['self'] D I A I",
                             "L['self'] D I A I A"]},
 'anyflow': {'output_kind': 'sample',
             'forward_ms': 2.8,
             't_sensitive': True,
             'traces': True,
             'break_reason': None,
             'traces_after_eager': True,
             'traces_return_dict_false': True,
             'break_reason_return_dict_false': None,
             'traced_via': 'cold',
             'compiled_matches_eager': True,
             'max_abs_diff': 0.0,
             'trace_s': 1.89,
             'graphs': 1,
             'block_lists': [('blocks', 4, 'AnyFlowTransformerBlock')],
             'nested_lists': [],
             'list_lengths': {'blocks': 4},
             'glue_nodes': {'blocks': 0},
             'stackless_markers': {'blocks': 0},
             'nodes': 648,
             'nodes_without_stack': 22,
             'path_formats': ["L['self'] D",
                              "L['self'] D A",
                              "L['self'] D I",
                              "L['self'] D I A",
                              "L['self'] D I A I",
                              "L['self'] D I A I A"]},
 'anyflow_far': {'output_kind': 'sample',
                 'forward_ms': 48.6,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 4.0,
                 'graphs': 1,
                 'block_lists': [('blocks', 4, 'AnyFlowTransformerBlock')],
                 'nested_lists': [],
                 'list_lengths': {'blocks': 4},
                 'glue_nodes': {'blocks': 0},
                 'stackless_markers': {'blocks': 0},
                 'nodes': 969,
                 'nodes_without_stack': 140,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I",
                                  "L['self'] D I A I A"]},
 'easyanimate': {'output_kind': 'sample',
                 'forward_ms': 7.5,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 2.05,
                 'graphs': 1,
                 'block_lists': [('transformer_blocks', 4, 'EasyAnimateTransformerBlock')],
                 'nested_lists': [],
                 'list_lengths': {'transformer_blocks': 4},
                 'glue_nodes': {'transformer_blocks': 0},
                 'stackless_markers': {'transformer_blocks': 0},
                 'nodes': 708,
                 'nodes_without_stack': 11,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I",
                                  "L['self'] D I A I A"]},
 'cosmos': {'output_kind': 'sample',
            'forward_ms': 5.0,
            't_sensitive': True,
            'traces': True,
            'break_reason': None,
            'traces_after_eager': True,
            'traces_return_dict_false': True,
            'break_reason_return_dict_false': None,
            'traced_via': 'cold',
            'compiled_matches_eager': True,
            'max_abs_diff': 0.0,
            'trace_s': 2.1,
            'graphs': 1,
            'block_lists': [('transformer_blocks', 4, 'CosmosTransformerBlock')],
            'nested_lists': [],
            'list_lengths': {'transformer_blocks': 4},
            'glue_nodes': {'transformer_blocks': 0},
            'stackless_markers': {'transformer_blocks': 0},
            'nodes': 754,
            'nodes_without_stack': 9,
            'path_formats': ["L['self'] D",
                             "L['self'] D A",
                             "L['self'] D I",
                             "L['self'] D I A",
                             "L['self'] D I A I",
                             "L['self'] D I A I A"]},
 'cosmos3': {'output_kind': 'sample',
             'forward_ms': 2.2,
             't_sensitive': True,
             'traces': True,
             'break_reason': None,
             'traces_after_eager': True,
             'traces_return_dict_false': True,
             'break_reason_return_dict_false': None,
             'traced_via': 'cold',
             'compiled_matches_eager': True,
             'max_abs_diff': 0.0,
             'trace_s': 1.63,
             'graphs': 1,
             'block_lists': [('layers', 4, 'Cosmos3VLTextMoTDecoderLayer')],
             'nested_lists': [],
             'list_lengths': {'layers': 4},
             'glue_nodes': {'layers': 0},
             'stackless_markers': {'layers': 0},
             'nodes': 664,
             'nodes_without_stack': 43,
             'path_formats': ["L['self'] D", "L['self'] D A", "L['self'] D I", "L['self'] D I A"]},
 'motif_video': {'output_kind': 'sample',
                 'forward_ms': 4.1,
                 't_sensitive': True,
                 'traces': True,
                 'break_reason': None,
                 'traces_after_eager': True,
                 'traces_return_dict_false': True,
                 'break_reason_return_dict_false': None,
                 'traced_via': 'cold',
                 'compiled_matches_eager': True,
                 'max_abs_diff': 0.0,
                 'trace_s': 2.38,
                 'graphs': 1,
                 'block_lists': [('transformer_blocks', 3, 'MotifVideoTransformerBlock'),
                                 ('single_transformer_blocks', 3, 'MotifVideoSingleTransformerBlock')],
                 'nested_lists': [],
                 'list_lengths': {'transformer_blocks': 3, 'single_transformer_blocks': 3},
                 'glue_nodes': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
                 'stackless_markers': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
                 'nodes': 724,
                 'nodes_without_stack': 6,
                 'path_formats': ["L['self'] D",
                                  "L['self'] D A",
                                  "L['self'] D I",
                                  "L['self'] D I A",
                                  "L['self'] D I A I",
                                  "L['self'] D I A I A"]},
 'motif_video_decoder': {'output_kind': 'sample',
                         'forward_ms': 9.7,
                         't_sensitive': True,
                         'traces': True,
                         'break_reason': None,
                         'traces_after_eager': True,
                         'traces_return_dict_false': True,
                         'break_reason_return_dict_false': None,
                         'traced_via': 'cold',
                         'compiled_matches_eager': True,
                         'max_abs_diff': 0.0,
                         'trace_s': 2.55,
                         'graphs': 1,
                         'block_lists': [('transformer_blocks', 3, 'MotifVideoTransformerBlock'),
                                         ('single_transformer_blocks', 6, 'MotifVideoSingleTransformerBlock')],
                         'nested_lists': [],
                         'list_lengths': {'transformer_blocks': 3, 'single_transformer_blocks': 6},
                         'glue_nodes': {'transformer_blocks': 0, 'single_transformer_blocks': 1},
                         'stackless_markers': {'transformer_blocks': 0, 'single_transformer_blocks': 0},
                         'nodes': 974,
                         'nodes_without_stack': 8,
                         'path_formats': ["L['self'] D",
                                          "L['self'] D A",
                                          "L['self'] D I",
                                          "L['self'] D I A",
                                          "L['self'] D I A I",
                                          "L['self'] D I A I A"]},
 'sana_video': {'output_kind': 'sample',
                'forward_ms': 3.8,
                't_sensitive': True,
                'traces': True,
                'break_reason': None,
                'traces_after_eager': True,
                'traces_return_dict_false': True,
                'break_reason_return_dict_false': None,
                'traced_via': 'cold',
                'compiled_matches_eager': True,
                'max_abs_diff': 0.0,
                'trace_s': 1.56,
                'graphs': 1,
                'block_lists': [('transformer_blocks', 4, 'SanaVideoTransformerBlock')],
                'nested_lists': [],
                'list_lengths': {'transformer_blocks': 4},
                'glue_nodes': {'transformer_blocks': 0},
                'stackless_markers': {'transformer_blocks': 0},
                'nodes': 681,
                'nodes_without_stack': 11,
                'path_formats': ["L['self'] D",
                                 "L['self'] D A",
                                 "L['self'] D I",
                                 "L['self'] D I A",
                                 "L['self'] D I A I"]},
 'sana_wm': {'output_kind': 'sample',
             'forward_ms': 14.3,
             't_sensitive': True,
             'traces': True,
             'break_reason': None,
             'traces_after_eager': True,
             'traces_return_dict_false': True,
             'break_reason_return_dict_false': None,
             'traced_via': 'cold',
             'compiled_matches_eager': True,
             'max_abs_diff': 0.0,
             'trace_s': 4.82,
             'graphs': 1,
             'block_lists': [('blocks', 4, 'SanaVideoMSCamCtrlBlock')],
             'nested_lists': [],
             'list_lengths': {'blocks': 4},
             'glue_nodes': {'blocks': 0},
             'stackless_markers': {'blocks': 0},
             'nodes': 2448,
             'nodes_without_stack': 391,
             'path_formats': ["L['self'] D", "L['self'] D A", "L['self'] D I", "L['self'] D I A"]},
 'sana_wm_refiner': {'output_kind': 'sample',
                     'forward_ms': 3.1,
                     't_sensitive': True,
                     'traces': True,
                     'break_reason': None,
                     'traces_after_eager': True,
                     'traces_return_dict_false': True,
                     'break_reason_return_dict_false': None,
                     'traced_via': 'cold',
                     'compiled_matches_eager': True,
                     'max_abs_diff': 0.0,
                     'trace_s': 4.24,
                     'graphs': 1,
                     'block_lists': [('transformer_blocks', 4, 'SanaWMLTX2RefinerTransformerBlock')],
                     'nested_lists': [],
                     'list_lengths': {'transformer_blocks': 4},
                     'glue_nodes': {'transformer_blocks': 0},
                     'stackless_markers': {'transformer_blocks': 0},
                     'nodes': 479,
                     'nodes_without_stack': 16,
                     'path_formats': ["L['self'] D",
                                      "L['self'] D A",
                                      "L['self'] D I",
                                      "L['self'] D I A",
                                      "L['self'] D I A I",
                                      "L['self'] D I A I A"]},
 'minimax_h3': {'output_kind': 'sample',
                'forward_ms': 7.2,
                't_sensitive': True,
                'traces': True,
                'break_reason': None,
                'traces_after_eager': True,
                'traces_return_dict_false': True,
                'break_reason_return_dict_false': None,
                'traced_via': 'cold',
                'compiled_matches_eager': True,
                'max_abs_diff': 0.0,
                'trace_s': 2.16,
                'graphs': 1,
                'block_lists': [('token_refiner.refiner_blocks', 3, 'MiniMaxH3TokenRefinerBlock'),
                                ('transformer_blocks', 4, 'MiniMaxH3TransformerBlock')],
                'nested_lists': [],
                'list_lengths': {'token_refiner.refiner_blocks': 3, 'transformer_blocks': 4},
                'glue_nodes': {'token_refiner.refiner_blocks': 0, 'transformer_blocks': 0},
                'stackless_markers': {'token_refiner.refiner_blocks': 0, 'transformer_blocks': 0},
                'nodes': 494,
                'nodes_without_stack': 15,
                'path_formats': ["L['self'] D",
                                 "L['self'] D A",
                                 "L['self'] D A I",
                                 "L['self'] D A I A",
                                 "L['self'] D A I A I",
                                 "L['self'] D A I A I A",
                                 "L['self'] D I",
                                 "L['self'] D I A",
                                 "L['self'] D I A I",
                                 "L['self'] D I A I A"]},
 'joyimage_edit': {'output_kind': 'sample',
                   'forward_ms': 7.1,
                   't_sensitive': True,
                   'traces': True,
                   'break_reason': None,
                   'traces_after_eager': True,
                   'traces_return_dict_false': True,
                   'break_reason_return_dict_false': None,
                   'traced_via': 'cold',
                   'compiled_matches_eager': True,
                   'max_abs_diff': 0.0,
                   'trace_s': 1.74,
                   'graphs': 1,
                   'block_lists': [('double_blocks', 4, 'JoyImageTransformerBlock')],
                   'nested_lists': [],
                   'list_lengths': {'double_blocks': 4},
                   'glue_nodes': {'double_blocks': 0},
                   'stackless_markers': {'double_blocks': 0},
                   'nodes': 663,
                   'nodes_without_stack': 58,
                   'path_formats': ["L['self'] D",
                                    "L['self'] D A",
                                    "L['self'] D I",
                                    "L['self'] D I A",
                                    "L['self'] D I A I",
                                    "L['self'] D I A I A"]},
 'joyimage_edit_plus': {'output_kind': 'sample',
                        'forward_ms': 3.2,
                        't_sensitive': True,
                        'traces': True,
                        'break_reason': None,
                        'traces_after_eager': True,
                        'traces_return_dict_false': True,
                        'break_reason_return_dict_false': None,
                        'traced_via': 'cold',
                        'compiled_matches_eager': True,
                        'max_abs_diff': 0.0,
                        'trace_s': 1.79,
                        'graphs': 1,
                        'block_lists': [('double_blocks', 4, 'JoyImageEditPlusTransformerBlock')],
                        'nested_lists': [],
                        'list_lengths': {'double_blocks': 4},
                        'glue_nodes': {'double_blocks': 0},
                        'stackless_markers': {'double_blocks': 0},
                        'nodes': 708,
                        'nodes_without_stack': 103,
                        'path_formats': ["L['self'] D",
                                         "L['self'] D A",
                                         "L['self'] D I",
                                         "L['self'] D I A",
                                         "L['self'] D I A I",
                                         "L['self'] D I A I A"]},
 'kandinsky5': {'output_kind': 'sample',
                'forward_ms': 12.8,
                't_sensitive': True,
                'traces': True,
                'break_reason': None,
                'traces_after_eager': True,
                'traces_return_dict_false': True,
                'break_reason_return_dict_false': None,
                'traced_via': 'cold',
                'compiled_matches_eager': True,
                'max_abs_diff': 0.0,
                'trace_s': 4.81,
                'graphs': 1,
                'block_lists': [('text_transformer_blocks', 3, 'Kandinsky5TransformerEncoderBlock'),
                                ('visual_transformer_blocks', 4, 'Kandinsky5TransformerDecoderBlock')],
                'nested_lists': [],
                'list_lengths': {'text_transformer_blocks': 3, 'visual_transformer_blocks': 4},
                'glue_nodes': {'text_transformer_blocks': 0, 'visual_transformer_blocks': 0},
                'stackless_markers': {'text_transformer_blocks': 0, 'visual_transformer_blocks': 0},
                'nodes': 770,
                'nodes_without_stack': 5,
                'path_formats': ["L['self'] D", "L['self'] D A", "L['self'] D I", "L['self'] D I A"]},
 'kandinsky6': {'output_kind': 'sample',
                'forward_ms': 5.5,
                't_sensitive': True,
                'traces': True,
                'break_reason': None,
                'traces_after_eager': True,
                'traces_return_dict_false': True,
                'break_reason_return_dict_false': None,
                'traced_via': 'cold',
                'compiled_matches_eager': True,
                'max_abs_diff': 0.0,
                'trace_s': 2.53,
                'graphs': 1,
                'block_lists': [('video_text_transformer_blocks', 3, 'Kandinsky6TransformerEncoderBlock'),
                                ('audio_text_transformer_blocks', 3, 'Kandinsky6TransformerEncoderBlock'),
                                ('visual_transformer_blocks', 4, 'Kandinsky6FusedTransformerDecoderBlock')],
                'nested_lists': [],
                'list_lengths': {'video_text_transformer_blocks': 3,
                                 'audio_text_transformer_blocks': 3,
                                 'visual_transformer_blocks': 4},
                'glue_nodes': {'video_text_transformer_blocks': 0,
                               'audio_text_transformer_blocks': 0,
                               'visual_transformer_blocks': 0},
                'stackless_markers': {'video_text_transformer_blocks': 0,
                                      'audio_text_transformer_blocks': 0,
                                      'visual_transformer_blocks': 0},
                'nodes': 1105,
                'nodes_without_stack': 6,
                'path_formats': ["L['self'] D",
                                 "L['self'] D A",
                                 "L['self'] D I",
                                 "L['self'] D I A",
                                 "L['self'] D I A I",
                                 "L['self'] D I A I A"]},
 'kandinsky6_sr': {'output_kind': 'sample',
                   'forward_ms': 14.8,
                   't_sensitive': True,
                   'traces': True,
                   'break_reason': None,
                   'traces_after_eager': True,
                   'traces_return_dict_false': True,
                   'break_reason_return_dict_false': None,
                   'traced_via': 'cold',
                   'compiled_matches_eager': True,
                   'max_abs_diff': 0.0,
                   'trace_s': 3.9,
                   'graphs': 1,
                   'block_lists': [('visual_transformer_blocks', 4, 'Kandinsky6SRTransformerBlock')],
                   'nested_lists': [],
                   'list_lengths': {'visual_transformer_blocks': 4},
                   'glue_nodes': {'visual_transformer_blocks': 0},
                   'stackless_markers': {'visual_transformer_blocks': 16},
                   'nodes': 782,
                   'nodes_without_stack': 62,
                   'path_formats': ["L['self'] D",
                                    "L['self'] D A",
                                    "L['self'] D I",
                                    "L['self'] D I A",
                                    "L['self'] D I A I",
                                    "L['self'] D I A I A"]},
 'rfd4_proteina': {'output_kind': 'other:RFD4ProteinaTransformerOutput',
                   'forward_ms': 6.0,
                   't_sensitive': True,
                   'traces': True,
                   'break_reason': None,
                   'traces_after_eager': True,
                   'traces_return_dict_false': True,
                   'break_reason_return_dict_false': None,
                   'traced_via': 'cold',
                   'compiled_matches_eager': True,
                   'max_abs_diff': 0.0,
                   'trace_s': 2.41,
                   'graphs': 1,
                   'block_lists': [('transformer_layers', 4, 'RFD4ProteinaTrunkLayer'),
                                   ('pair_update_layers', 3, 'RFD4ProteinaPairUpdate')],
                   'nested_lists': [],
                   'list_lengths': {'transformer_layers': 4, 'pair_update_layers': 3},
                   'glue_nodes': {'transformer_layers': 225, 'pair_update_layers': 146},
                   'stackless_markers': {'transformer_layers': 0, 'pair_update_layers': 0},
                   'nodes': 690,
                   'nodes_without_stack': 22,
                   'path_formats': ["L['self'] D",
                                    "L['self'] D A",
                                    "L['self'] D A I",
                                    "L['self'] D A [I]",
                                    "L['self'] D I",
                                    "L['self'] D I A",
                                    "L['self'] D I A I"]}}

SUMMARY_TABLE = """
family                   | class                                   | fullgraph             | out    | fwd ms | block lists in execution order: list xN [block class]
-------------------------+-----------------------------------------+-----------------------+--------+--------+---------------------
dit                      | DiTTransformer2DModel                   | y                     | sample | 1.9    | transformer_blocks x4 [BasicTransformerBlock]
pixart                   | PixArtTransformer2DModel                | y                     | sample | 1.8    | transformer_blocks x4 [BasicTransformerBlock]
transformer_2d           | Transformer2DModel                      | return_dict=False [1] | sample | 1.8    | transformer_blocks x4 [BasicTransformerBlock]
dual_transformer_2d      | DualTransformer2DModel                  | y                     | sample | 2.3    | transformers.1.transformer_blocks x3 [BasicTransformerBlock], transformers.0.transformer_blocks x3 [BasicTransformerBlock]
dreamlite_transformer_2d | DreamLiteTransformer2DModel             | return_dict=False [2] | sample | 1.5    | transformer_blocks x4 [BasicTransformerBlockDreamLite]
transformer_temporal     | TransformerTemporalModel                | y                     | sample | 1.5    | transformer_blocks x4 [BasicTransformerBlock]
prior                    | PriorTransformer                        | y                     | object | 1.3    | transformer_blocks x4 [BasicTransformerBlock]
t5_film                  | T5FilmDecoder                           | y                     | tensor | 2.9    | decoders x4 [DecoderLayer]
sd3                      | SD3Transformer2DModel                   | y                     | sample | 2.1    | transformer_blocks x4 [JointTransformerBlock]
sd35                     | SD3Transformer2DModel                   | y                     | sample | 2.9    | transformer_blocks x4 [JointTransformerBlock]
auraflow                 | AuraFlowTransformer2DModel              | y                     | sample | 2.9    | joint_transformer_blocks x3 [AuraFlowJointTransformerBlock], single_transformer_blocks x4 [AuraFlowSingleTransformerBlock]
flux                     | FluxTransformer2DModel                  | y                     | sample | 4.8    | transformer_blocks x4 [FluxTransformerBlock], single_transformer_blocks x4 [FluxSingleTransformerBlock]
flux2                    | Flux2Transformer2DModel                 | y                     | sample | 4.7    | transformer_blocks x4 [Flux2TransformerBlock], single_transformer_blocks x4 [Flux2SingleTransformerBlock]
flux3                    | Flux3Transformer2DModel                 | y                     | sample | 4.4    | txt_mode_blocks x3 [Flux3ModeTransformerBlock], mode_blocks.image x3 [Flux3ModeTransformerBlock], single_transformer_blocks x4 [Flux3SingleTransformerBlock]
chroma                   | ChromaTransformer2DModel                | y                     | sample | 9.3    | transformer_blocks x4 [ChromaTransformerBlock], single_transformer_blocks x4 [ChromaSingleTransformerBlock]
bria                     | BriaTransformer2DModel                  | y                     | sample | 8.7    | transformer_blocks x4 [BriaTransformerBlock], single_transformer_blocks x4 [BriaSingleTransformerBlock]
bria_fibo                | BriaFiboTransformer2DModel              | y                     | sample | 8.9    | caption_projection x8 [BriaFiboTextProjection], transformer_blocks x4 [BriaFiboTransformerBlock], single_transformer_blocks x4 [BriaFiboSingleTransformerBlock]
longcat_image            | LongCatImageTransformer2DModel          | y                     | sample | 4.7    | transformer_blocks x4 [LongCatImageTransformerBlock], single_transformer_blocks x4 [LongCatImageSingleTransformerBlock]
ovis_image               | OvisImageTransformer2DModel             | y                     | sample | 4.8    | transformer_blocks x4 [OvisImageTransformerBlock], single_transformer_blocks x4 [OvisImageSingleTransformerBlock]
hidream                  | HiDreamImageTransformer2DModel          | n [3]                 | sample | 5.4    | (graph-broken compile) -
hunyuan_dit              | HunyuanDiT2DModel                       | y                     | sample | 4.3    | blocks x6 [HunyuanDiTBlock]
cogview3plus             | CogView3PlusTransformer2DModel          | y                     | sample | 2.1    | transformer_blocks x4 [CogView3PlusTransformerBlock]
cogview4                 | CogView4Transformer2DModel              | y                     | sample | 2.5    | transformer_blocks x4 [CogView4TransformerBlock]
glm_image                | GlmImageTransformer2DModel              | y                     | sample | 3.1    | transformer_blocks x4 [GlmImageTransformerBlock]
lumina_next              | LuminaNextDiT2DModel                    | y                     | sample | 7.9    | layers x4 [LuminaNextDiTBlock]
lumina2                  | Lumina2Transformer2DModel               | n [4]                 | sample | 13.6   | (graph-broken compile) context_refiner x3 [Lumina2TransformerBlock], noise_refiner x3 [Lumina2TransformerBlock], layers x4 [Lumina2TransformerBlock]
z_image                  | ZImageTransformer2DModel                | after eager [5]       | sample | 10.9   | noise_refiner x3 [ZImageTransformerBlock], context_refiner x3 [ZImageTransformerBlock], layers x4 [ZImageTransformerBlock]
bria_fibo2               | BriaFibo2Transformer2DModel             | after eager [6]       | sample | 6.9    | noise_refiner x3 [BriaFibo2TransformerBlock], layers x4 [BriaFibo2TransformerBlock]
qwenimage                | QwenImageTransformer2DModel             | y                     | sample | 3.4    | transformer_blocks x4 [QwenImageTransformerBlock]
qwenimage21              | QwenImage21Transformer2DModel           | n [7]                 | sample | 6.7    | (graph-broken compile) transformer_blocks x4 [QwenImage21TransformerBlock]
nucleusmoe_image         | NucleusMoEImageTransformer2DModel       | y                     | sample | 7.2    | transformer_blocks x4 [NucleusMoEImageTransformerBlock]
ernie_image              | ErnieImageTransformer2DModel            | y                     | sample | 2.5    | layers x4 [ErnieImageSharedAdaLNBlock]
prx                      | PRXTransformer2DModel                   | y                     | sample | 2.2    | blocks x4 [PRXBlock]
ideogram4                | Ideogram4Transformer2DModel             | y                     | sample | 2.2    | layers x4 [Ideogram4TransformerBlock]
krea2                    | Krea2Transformer2DModel                 | y                     | sample | 3.0    | transformer_blocks x4 [Krea2TransformerBlock]
sana                     | SanaTransformer2DModel                  | y                     | sample | 7.0    | transformer_blocks x4 [SanaTransformerBlock]
omnigen                  | OmniGenTransformer2DModel               | n [8]                 | sample | 3.1    | (graph-broken compile) layers x4 [OmniGenBlock]
stable_audio             | StableAudioDiTModel                     | return_dict=False [9] | sample | 2.5    | transformer_blocks x4 [StableAudioDiTBlock]
stable_audio3            | StableAudio3DiTModel                    | y                     | sample | 3.8    | transformer_blocks x4 [StableAudio3DiTBlock]
ace_step                 | AceStepTransformer1DModel               | y                     | sample | 7.6    | layers x4 [AceStepTransformerBlock]
longcat_audio_dit        | LongCatAudioDiTTransformer              | y                     | sample | 2.8    | blocks x4 [AudioDiTBlock]
minimax_music3           | MiniMaxMusic3Transformer1DModel         | y                     | sample | 1.1    | transformer_blocks x4 [MiniMaxMusic3TransformerBlock]
minimax_music3_rvq_depth | MiniMaxMusic3RVQDepthDecoder            | y                     | tensor | 0.7    | layers x4 [MiniMaxMusic3DepthDecoderBlock]
cogvideox                | CogVideoXTransformer3DModel             | y                     | sample | 2.4    | transformer_blocks x4 [CogVideoXBlock]
cogvideox15              | CogVideoXTransformer3DModel             | y                     | sample | 2.5    | transformer_blocks x4 [CogVideoXBlock]
consisid                 | ConsisIDTransformer3DModel              | y                     | sample | 3.7    | transformer_blocks x4 [ConsisIDBlock], perceiver_cross_attention x4 [PerceiverCrossAttention]
latte                    | LatteTransformer3DModel                 | y                     | sample | 3.2    | transformer_blocks x4 [BasicTransformerBlock], temporal_transformer_blocks x4 [BasicTransformerBlock]
allegro                  | AllegroTransformer3DModel               | y                     | sample | 2.0    | transformer_blocks x4 [AllegroTransformerBlock]
mochi                    | MochiTransformer3DModel                 | y                     | sample | 4.2    | transformer_blocks x4 [MochiTransformerBlock]
ltx                      | LTXVideoTransformer3DModel              | y                     | sample | 3.0    | transformer_blocks x4 [LTXVideoTransformerBlock]
ltx2                     | LTX2VideoTransformer3DModel             | y                     | sample | 9.3    | transformer_blocks x4 [LTX2VideoTransformerBlock]
hunyuan_video            | HunyuanVideoTransformer3DModel          | y                     | sample | 6.6    | context_embedder.token_refiner.refiner_blocks x3 [HunyuanVideoIndividualTokenRefinerBlock], transformer_blocks x3 [HunyuanVideoTransformerBlock], single_transformer_blocks x4 [HunyuanVideoSingleTransformerBlock]
hunyuan_video_framepack  | HunyuanVideoFramepackTransformer3DModel | y                     | sample | 6.0    | context_embedder.token_refiner.refiner_blocks x3 [HunyuanVideoIndividualTokenRefinerBlock], transformer_blocks x3 [HunyuanVideoTransformerBlock], single_transformer_blocks x3 [HunyuanVideoSingleTransformerBlock]
hunyuan_video15          | HunyuanVideo15Transformer3DModel        | n [10]                | sample | 7.4    | (graph-broken compile) context_embedder.token_refiner.refiner_blocks x3 [HunyuanVideo15IndividualTokenRefinerBlock]
hunyuanimage             | HunyuanImageTransformer2DModel          | y                     | sample | 5.3    | context_embedder.token_refiner.refiner_blocks x3 [HunyuanImageIndividualTokenRefinerBlock], transformer_blocks x3 [HunyuanImageTransformerBlock], single_transformer_blocks x4 [HunyuanImageSingleTransformerBlock]
wan                      | WanTransformer3DModel                   | y                     | sample | 6.7    | blocks x4 [WanTransformerBlock]
wan_vace                 | WanVACETransformer3DModel               | y                     | sample | 4.2    | vace_blocks x3 [WanVACETransformerBlock], blocks x4 [WanTransformerBlock]
wan_animate              | WanAnimateTransformer3DModel            | y                     | sample | 8.9    | motion_encoder.res_blocks x2 [MotionEncoderResBlock], motion_encoder.motion_network x5 [MotionLinear], blocks x6 [WanTransformerBlock], face_adapter x3 [WanAnimateFaceBlockCrossAttention]
wan_animate2             | WanAnimate2Transformer3DModel           | n [11]                | sample | 34.4   | (graph-broken compile) -
skyreels_v2              | SkyReelsV2Transformer3DModel            | y                     | sample | 2.5    | blocks x4 [SkyReelsV2TransformerBlock]
chronoedit               | ChronoEditTransformer3DModel            | y                     | sample | 2.5    | blocks x4 [WanTransformerBlock]
helios                   | HeliosTransformer3DModel                | y                     | sample | 8.4    | blocks x4 [HeliosTransformerBlock]
anyflow                  | AnyFlowTransformer3DModel               | y                     | sample | 2.8    | blocks x4 [AnyFlowTransformerBlock]
anyflow_far              | AnyFlowFARTransformer3DModel            | y                     | sample | 48.6   | blocks x4 [AnyFlowTransformerBlock]
easyanimate              | EasyAnimateTransformer3DModel           | y                     | sample | 7.5    | transformer_blocks x4 [EasyAnimateTransformerBlock]
cosmos                   | CosmosTransformer3DModel                | y                     | sample | 5.0    | transformer_blocks x4 [CosmosTransformerBlock]
cosmos3                  | Cosmos3OmniTransformer                  | y                     | sample | 2.2    | layers x4 [Cosmos3VLTextMoTDecoderLayer]
motif_video              | MotifVideoTransformer3DModel            | y                     | sample | 4.1    | transformer_blocks x3 [MotifVideoTransformerBlock], single_transformer_blocks x3 [MotifVideoSingleTransformerBlock]
motif_video_decoder      | MotifVideoTransformer3DModel            | y                     | sample | 9.7    | transformer_blocks x3 [MotifVideoTransformerBlock], single_transformer_blocks x6 [MotifVideoSingleTransformerBlock]
sana_video               | SanaVideoTransformer3DModel             | y                     | sample | 3.8    | transformer_blocks x4 [SanaVideoTransformerBlock]
sana_wm                  | SanaWMTransformer3DModel                | y                     | sample | 14.3   | blocks x4 [SanaVideoMSCamCtrlBlock]
sana_wm_refiner          | SanaWMLTX2RefinerTransformer3DModel     | y                     | sample | 3.1    | transformer_blocks x4 [SanaWMLTX2RefinerTransformerBlock]
minimax_h3               | MiniMaxH3Transformer3DModel             | y                     | sample | 7.2    | token_refiner.refiner_blocks x3 [MiniMaxH3TokenRefinerBlock], transformer_blocks x4 [MiniMaxH3TransformerBlock]
joyimage_edit            | JoyImageEditTransformer3DModel          | y                     | sample | 7.1    | double_blocks x4 [JoyImageTransformerBlock]
joyimage_edit_plus       | JoyImageEditPlusTransformer3DModel      | y                     | sample | 3.2    | double_blocks x4 [JoyImageEditPlusTransformerBlock]
kandinsky5               | Kandinsky5Transformer3DModel            | y                     | sample | 12.8   | text_transformer_blocks x3 [Kandinsky5TransformerEncoderBlock], visual_transformer_blocks x4 [Kandinsky5TransformerDecoderBlock]
kandinsky6               | Kandinsky6Transformer3DModel            | y                     | sample | 5.5    | video_text_transformer_blocks x3 [Kandinsky6TransformerEncoderBlock], audio_text_transformer_blocks x3 [Kandinsky6TransformerEncoderBlock], visual_transformer_blocks x4 [Kandinsky6FusedTransformerDecoderBlock]
kandinsky6_sr            | Kandinsky6SRTransformer3DModel          | y                     | sample | 14.8   | visual_transformer_blocks x4 [Kandinsky6SRTransformerBlock]
rfd4_proteina            | RFD4ProteinaTransformer                 | y                     | object | 6.0    | transformer_layers x4 [RFD4ProteinaTrunkLayer], pair_update_layers x3 [RFD4ProteinaPairUpdate]

[1] transformer_2d: Unsupported: Attempted to call function marked as skipped (Dynamo does not know how to trace the Python builtin `_warnings.warn`.) at deprecation_utils.py:98 `warnings.warn(warning + message, FutureWarning, stacklevel=stacklevel)`
[2] dreamlite_transformer_2d: Unsupported: Attempted to call function marked as skipped (Dynamo does not know how to trace the Python builtin `_warnings.warn`.) at deprecation_utils.py:98 `warnings.warn(warning + message, FutureWarning, stacklevel=stacklevel)`
[3] hidream: UserError: data-dependent value in `for i, end_idx in enumerate(tokens_per_expert):` at transformer_hidream_image.py:391 `for i, end_idx in enumerate(tokens_per_expert):`
[4] lumina2: UserError: data-dependent value in `use_mask = len(set(seq_lengths)) > 1` at transformer_lumina2.py:519 `use_mask = len(set(seq_lengths)) > 1`
[5] z_image: Unsupported: Unsupported context manager (Dynamo does not know how to enter a `device` context manager.) at transformer_z_image.py:330 `with torch.device("cpu"):`
[6] bria_fibo2: Unsupported: Unsupported context manager (Dynamo does not know how to enter a `device` context manager.) at transformer_bria_fibo2.py:149 `with torch.device("cpu"):`
[7] qwenimage21: Unsupported: Tensor.tolist() with non-integer tensor (Dynamo currently does not support tracing `tolist()` on non-integer tensors.) at transformer_qwenimage21.py:689 `is_image_token = image_pad_mask.tolist()`
[8] omnigen: Unsupported: Data-dependent branching (Detected data-dependent branching (e.g. `if my_tensor.sum() > 0:`). Dynamo does not support tracing dynamic co) at transformer_omnigen.py:155 `if seq_len > self.original_max_position_embeddings:`
[9] stable_audio: Unsupported: Attempted to call function marked as skipped (Dynamo does not know how to trace the Python builtin `_warnings.warn`.) at deprecation_utils.py:98 `warnings.warn(warning + message, FutureWarning, stacklevel=stacklevel)`
[10] hunyuan_video15: Unsupported: Data-dependent branching (Detected data-dependent branching (e.g. `if my_tensor.sum() > 0:`). Dynamo does not support tracing dynamic co) at transformer_hunyuan_video15.py:702 `if is_t2v:`
[11] wan_animate2: UserError: data-dependent value in `freqs = self.rope_freqs_cache.get(offsets)` at transformer_wan_animate_2.py:706 `freqs = self.rope_freqs_cache.get(offsets)`
"""


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
