"""Every registered tiny DiT pipeline (tests/pipelines.py) runs eagerly: two generations in a row with the same
seed give the same output, CFG on and off both finish, outputs are finite and of the expected shape."""

import importlib.util
import warnings

import pytest
import torch

# without transformers, diffusers exports dummy classes for nearly every pipeline (not in pyproject's deps yet)
pytest.importorskip("transformers", reason="diffusers' DiT pipelines need `transformers` installed")

from pipelines import PIPELINES  # noqa: E402

_NEEDS = {"stable_audio": "torchsde"}  # CosineDPMSolverMultistepScheduler is a dummy without torchsde


@pytest.fixture(autouse=True, scope="module")
def _quiet():
    import diffusers

    diffusers.utils.logging.set_verbosity_error()
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _run(case, pipe, cfg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return case.generate(pipe, seed=0, cfg=cfg)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_runs_eagerly(name):
    if name in _NEEDS and importlib.util.find_spec(_NEEDS[name]) is None:
        pytest.skip(f"needs {_NEEDS[name]}")
    case = PIPELINES[name]
    pipe = case.make_pipeline(seed=0)
    for attr in case.transformer_attrs:
        assert isinstance(getattr(pipe, attr), torch.nn.Module), attr
    first_cfg = case.cfg_supported
    a = _run(case, pipe, first_cfg)
    b = _run(case, pipe, first_cfg)  # a second generation in a row on the same pipeline: same seed, same output
    assert torch.isfinite(a).all()
    assert torch.equal(a, b), f"{name}: two generations with the same seed differ"
    if case.expected_shape(first_cfg) is not None:
        assert tuple(a.shape) == case.expected_shape(first_cfg)
    if case.cfg_supported:
        c = _run(case, pipe, False)
        assert torch.isfinite(c).all()
        if case.expected_shape(False) is not None:
            assert tuple(c.shape) == case.expected_shape(False)
        assert not torch.allclose(a, c), f"{name}: switching CFG off ({case.cfg_how}) changed nothing"


def test_registry_is_complete():
    """Each case names a real pipeline class, says how CFG is switched and lists its transformers."""
    import diffusers

    for name, case in PIPELINES.items():
        assert getattr(diffusers, case.pipeline_cls).__module__.startswith("diffusers.pipelines"), name
        assert case.cfg_how, name
        assert case.transformer_attrs and all(a.startswith("transformer") for a in case.transformer_attrs), name
        assert case.expected_shape(True) is not None or case.expected_shape(False) is not None, name


def test_every_dit_pipeline_is_covered_or_explained():
    """Every diffusers pipeline class whose `transformer` is a diffusers.models.transformers class is registered or
    listed in NOT_COVERED with a reason."""
    import inspect

    import diffusers
    import diffusers.models.transformers as T
    from pipelines import NOT_COVERED

    tclasses = tuple(getattr(T, n) for n in dir(T) if isinstance(getattr(T, n), type))
    covered = {c.pipeline_cls for c in PIPELINES.values()}
    missing = []
    for name in sorted({n for v in diffusers._import_structure.values() for n in v if n.endswith("Pipeline")}):
        try:
            cls = getattr(diffusers, name)
        except Exception:  # noqa: BLE001
            continue
        if "dummy" in cls.__module__:
            continue
        ann = inspect.signature(cls.__init__).parameters.get("transformer")
        if ann is None:
            continue
        a = ann.annotation
        is_dit = (isinstance(a, type) and issubclass(a, tclasses)) or any(t.__name__ in str(a) for t in tclasses)
        if is_dit and name not in covered and name not in NOT_COVERED:
            missing.append(name)
    assert not missing, f"DiT pipelines neither covered nor explained: {missing}"
