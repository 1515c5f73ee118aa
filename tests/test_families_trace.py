"""Every diffusers transformer family in tests/families.py: eager forward, fullgraph traceability, block lists.

The facts checked here were recorded by ``python tests/probe_families.py --probe`` (``families.PROBED``, stored in
``tests/families_probe.json``); a failure means that diffusers/torch changed behaviour or that a config in the
registry no longer matches the recorded facts (re-run the probe and review the diff of the JSON).

Tracing tests of families whose recorded fullgraph trace took longer than ``SLOW_TRACE_S`` carry the ``slow`` mark
and are skipped unless ``BDC_RUN_SLOW=1`` (the eager tests always run). ``BDC_RUN_SLOW=1 pytest -m slow`` runs
only those.
"""

from __future__ import annotations

import functools
import os

import families as F
import probe_families as P
import pytest
import torch

SLOW_TRACE_S = 2.5  # recorded cold fullgraph trace time (1 thread) above which the tracing tests are marked slow
RUN_SLOW = os.environ.get("BDC_RUN_SLOW") == "1"
# lists the probe reports that hold fewer than 3 modules by construction (auxiliary lists, one-member text stacks)
AUX_LISTS = {
    ("wan_animate", "motion_encoder.res_blocks"),
    ("krea2", "text_fusion.layerwise_blocks"),
    ("krea2", "text_fusion.refiner_blocks"),
    ("bria_fibo2", "perceiver.layers"),
    ("chroma", "distilled_guidance_layer.layers"),
    ("rfd4_proteina", "pair_repr_builder.init_repr_factory.feature_fns"),
}
# lists of a minimal config with more than one member: auxiliary lists, and Motif-Video's single-stream list that
# holds its one encoder and one decoder layer
MINIMAL_WIDER = {
    ("bria_fibo", "caption_projection"),
    ("wan_animate", "motion_encoder.res_blocks"),
    ("wan_animate", "motion_encoder.motion_network"),
    ("motif_video_decoder", "single_transformer_blocks"),
}

ALL = list(F.FAMILIES)
# The registry's own facts (eager runs, trace, block lists) are checked on demand, when the registry is
# re-probed: the blockdance sweep in test_families.py already traces and runs every family in CI time.
pytestmark = pytest.mark.skipif(
    os.environ.get("BDC_CHECK_REGISTRY") != "1",
    reason="registry self-check; run with BDC_CHECK_REGISTRY=1 after re-probing",
)


def _slow(name: str) -> bool:
    rec = F.PROBED.get(name, {})
    return F.FAMILIES[name].slow or (rec.get("trace_s") or 0) > SLOW_TRACE_S or rec.get("traced_via") is None


def _trace_params(names, xfail_cold=False):
    out = []
    for n in names:
        marks = []
        if _slow(n):
            marks += [pytest.mark.slow, pytest.mark.skipif(not RUN_SLOW, reason="slow trace; BDC_RUN_SLOW=1")]
        rec = F.PROBED.get(n, {})
        if xfail_cold and not rec.get("traces", True):
            marks.append(pytest.mark.xfail(reason=f"recorded graph break: {rec['break_reason']}", strict=True))
        out.append(pytest.param(n, id=n, marks=marks))
    return out


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@functools.lru_cache(maxsize=None)
def _probe(name: str) -> dict:
    """One probe per family (cold fullgraph trace, plus the workarounds only where it fails), shared by the tests
    below; the conftest resets dynamo around each test and _trace resets it around each compile."""
    return P.probe_family(F.FAMILIES[name], timing=False, full=False)


# ---------------------------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------------------------


def test_registry_covers_every_transformer_class():
    import diffusers.models.transformers as T

    exported = {
        n
        for n in dir(T)
        if n[0].isupper() and isinstance(getattr(T, n), type) and issubclass(getattr(T, n), torch.nn.Module)
    }
    covered = {f.cls_name for f in F.FAMILIES.values()}
    assert exported - covered == set(), f"classes without a family: {sorted(exported - covered)}"
    assert set(F.PROBED) == set(F.FAMILIES), "PROBED is stale: run `python tests/probe_families.py --probe`"
    assert set(F.PROBED_MINIMAL) == {n for n, f in F.FAMILIES.items() if f.minimal is not None}
    for fam in F.FAMILIES.values():
        assert fam.timestep_scale in F.SCALES, fam.name


def test_normalise_path_formats():
    n = P.normalise_path
    assert n("L['self'].__dict__['_modules']['transformer_blocks'].0.attn1") == "transformer_blocks.0.attn1"
    assert (
        n("L['self'].transformers.1.__dict__['_modules']['transformer_blocks'].0")
        == "transformers.1.transformer_blocks.0"
    )
    assert n("L['self'].__dict__['_modules']['all_final_layer'].2-1.linear") == "all_final_layer.2-1.linear"
    assert n("L['self'].__dict__['_modules']['init_repr_factory'].feature_fns[0]") == "init_repr_factory.feature_fns.0"
    assert n("L['self']._modules['mode_blocks']._modules['image']._modules['2']") == "mode_blocks.image.2"
    assert n("getattr(getattr(L['self'], 'blocks'), '3')") == "blocks.3"
    assert P.path_format("L['self'].__dict__['_modules']['transformer_blocks'].0.attn1.to_out.0") == "L['self'] D I A I"


# ---------------------------------------------------------------------------------------------------------------
# (a) eager
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_eager_forward(name):
    fam = F.FAMILIES[name]
    rec = F.PROBED[name]
    model = fam.make_model(seed=0)
    assert not model.training
    kwargs = fam.make_inputs(batch_size=1, seed=0)
    with torch.no_grad():
        out = model(**kwargs)
        y = fam.output_tensor(out)
        assert torch.isfinite(y).all()
        assert P._output_kind(out) == rec["output_kind"]
        # deterministic given the seed: a fresh model and fresh inputs give the same output
        y_again = fam.output_tensor(fam.make_model(seed=0)(**fam.make_inputs(batch_size=1, seed=0)))
        assert torch.equal(y, y_again)
        # a denoising-style loop: latent and conditioning fixed, only t changes
        outs = [fam.output_tensor(model(**fam.with_timestep(kwargs, t))) for t in fam.timesteps(3)]
    assert all(o.shape == y.shape for o in outs)
    assert (not torch.allclose(outs[0], outs[1])) == rec["t_sensitive"]
    if fam.timestep_kwarg:
        assert fam.timestep_kwarg in kwargs
    ts = fam.timesteps(10)
    assert len(set(ts)) == 10


@pytest.mark.parametrize("name", [n for n in ALL if F.FAMILIES[n].max_batch_size is None])
def test_batch_of_two(name):
    fam = F.FAMILIES[name]
    model = fam.make_model(seed=0)
    with torch.no_grad():
        y1 = fam.output_tensor(model(**fam.make_inputs(1, seed=0)))
        y2 = fam.output_tensor(model(**fam.make_inputs(2, seed=0)))
    assert y2.shape[1:] == y1.shape[1:] and y2.shape[0] == 2 * y1.shape[0]


@pytest.mark.parametrize("name", ALL)
def test_recorded_block_stacks_are_deep_enough(name):
    rec = F.PROBED[name]
    lists = rec["block_lists"] if rec["traced_via"] else rec.get("partial", {}).get("block_lists", [])
    for lp, count, _ in lists:
        if (name, lp) in AUX_LISTS:
            continue
        assert count >= 3, f"{lp}: {count} blocks"
        if rec["traced_via"]:
            assert rec["list_lengths"][lp] == count, f"{lp}: only {count} of {rec['list_lengths'][lp]} ran"


@pytest.mark.parametrize("name", [n for n in ALL if F.FAMILIES[n].minimal is not None])
def test_minimal_config(name):
    """The minimal config runs at batch 1 (and 2 where the family batches) and keeps one block per stack."""
    fam = F.FAMILIES[name]
    rec = F.PROBED_MINIMAL[name]
    model = fam.make_model(seed=0, minimal=True)
    with torch.no_grad():
        for b in (1, 2)[: fam.max_batch_size or 2]:
            assert torch.isfinite(fam.output_tensor(model(**fam.make_inputs(b, seed=0, minimal=True)))).all()
    lists = rec["block_lists"] if rec["traced_via"] else rec.get("partial", {}).get("block_lists", [])
    for lp, count, _ in lists:
        if (name, lp) not in MINIMAL_WIDER:
            assert count == 1, f"{lp}: {count} blocks"


# ---------------------------------------------------------------------------------------------------------------
# (b) fullgraph traceability, (c) block lists
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _trace_params(ALL, xfail_cold=True))
def test_fullgraph_trace(name):
    """fullgraph=True under no_grad on a fresh model with make_inputs as is (xfail where a break is recorded)."""
    got = _probe(name)
    assert got["traces"], got["break_reason"]
    assert got["graphs"] == 1
    assert got["compiled_matches_eager"] is True


@pytest.mark.parametrize("name", _trace_params([n for n in ALL if not F.PROBED[n]["traces"]]))
def test_recorded_graph_break_and_workarounds(name):
    """Families that do not trace cold: same break, and the recorded workarounds (one eager call first,
    return_dict=False) still work / still fail."""
    rec = F.PROBED[name]
    got = _probe(name)
    assert not got["traces"]
    assert got["break_reason"].split(" at ")[-1] == rec["break_reason"].split(" at ")[-1]
    assert got["traces_after_eager"] == rec["traces_after_eager"]
    if got["traces_return_dict_false"] is not None:  # only probed when nothing else traced (full=False)
        assert got["traces_return_dict_false"] == rec["traces_return_dict_false"]
    assert got["traced_via"] == rec["traced_via"]


@pytest.mark.parametrize("name", _trace_params([n for n in ALL if F.PROBED[n]["traced_via"]]))
def test_block_lists_match_probe(name):
    rec = F.PROBED[name]
    got = _probe(name)
    assert got["traced_via"] == rec["traced_via"]
    assert [tuple(x) for x in got["block_lists"]] == [tuple(x) for x in rec["block_lists"]]
    assert [tuple(x) for x in got["nested_lists"]] == [tuple(x) for x in rec["nested_lists"]]
    assert got["list_lengths"] == rec["list_lengths"]
    assert got["path_formats"] == rec["path_formats"]
    assert got["compiled_matches_eager"] == rec["compiled_matches_eager"]
