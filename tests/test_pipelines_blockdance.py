"""Every registered tiny DiT pipeline (tests/pipelines.py) end to end through ``backend="blockdance"`` + ``attach``.

For each pipeline, two copies are built from the same seed (same weights):

* **compiled**: every transformer (Wan 2.2 has two) through ``torch.compile(..., backend="blockdance",
  options=OPTS)`` and ``bdcompile.attach(pipe)``;
* **reference**: every transformer wrapped by :class:`PipelineOracle`, the eager BlockDance oracle of
  tests/oracle.py driven by the reference pipeline's own scheduler: the step is the number of ``step`` calls of
  that scheduler object so far in the call (counted by a wrapper this file installs, independently of
  bdcompile), a slot is the model's calls since the last step, and the plan is ``static_plan(entries, WARMUP,
  STOP, N)`` over the scheduler's entries of the call (``len(timesteps) - begin_index`` at the first model
  call). The blocks are the module lists tests/test_families.py expects for the transformer's class, in the
  order an eager call runs them; the boundary is ``default_boundary(len(blocks))``.

Several generations in a row (CFG on twice, then CFG off, where the pipeline has CFG): every output equal to the
oracle's (eager inner: <= 1e-5 relative), the compiled pipeline's ``explain(...)["log"]`` (step, slot, action) equal
to the oracle's, the blocks and boundary it found equal to the oracle's, at least one reuse where the plan has one
at a step that ran, and that reuse changed the output (against the uncached pipeline: it skipped something).
Where BlockDance cannot apply (``UNCACHED``, each with its reason) the documented behaviour is tested instead: every
call runs in full and the output equals the uncached eager pipeline's. Cases that fail because of a bdcompile bug
(``BUGS``) are strict xfails next to a minimal failing test of the bug: they turn into failures once it is fixed.

The default run keeps one case per distinct pattern (``DEFAULT``); ``BDC_RUN_SLOW=1`` runs every case.
``BDC_PIPELINE_JSON=docs/pipelines_blockdance.json`` makes each test write its result there
(``examples/pipeline_table.py`` turns it into the README table).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import inspect
import json
import os
import time
import types
import warnings

import pytest
import torch

pytest.importorskip("transformers", reason="diffusers' DiT pipelines need `transformers` installed")

from families import FAMILIES  # noqa: E402
from oracle import (  # noqa: E402
    Oracle,
    TransformerStandIn,
    _signature,
    _snapshot,
    repeated_block_lists,
    static_plan,
)
from pipelines import PIPELINES  # noqa: E402
from test_families import expected_lists  # noqa: E402

import bdcompile  # noqa: E402
from bdcompile.options import default_boundary  # noqa: E402

WARMUP, STOP, N = 0.2, 1.0, 2
OPTS = {"inner": "eager", "warmup": WARMUP, "stop": STOP, "interval": N}
RTOL = 1e-5
_NEEDS = {"stable_audio": "torchsde"}  # CosineDPMSolverMultistepScheduler is a dummy without torchsde


# ------------------------------------------------------------------------------------------------ extra cases
def _with_scheduler(base: str, name: str, scheduler, notes: str):
    """A registered case with another scheduler (same pipeline class): patterns no registered pipeline has."""
    case = PIPELINES[base]

    def components(comps=case.components):
        d = comps()
        d["scheduler"] = scheduler()
        return d

    return dataclasses.replace(case, name=name, components=components, notes=notes)


def _d(name):
    import diffusers

    return getattr(diffusers, name)


EXTRA = {
    "sd3_heun": _with_scheduler(
        "sd3",
        "sd3_heun",
        lambda: _d("FlowMatchHeunDiscreteScheduler")(shift=3.0),
        "StableDiffusion3Pipeline with FlowMatchHeunDiscreteScheduler: two model evaluations per timestep (each "
        "followed by scheduler.step), 2n-1 scheduler entries for n steps",
    ),
}
EXTRA["mochi_fullgraph"] = dataclasses.replace(
    PIPELINES["mochi"],
    name="mochi_fullgraph",
    notes="MochiPipeline with torch.compile(..., fullgraph=True): dynamo then traces the attention's per-sample "
    "torch.nonzero (data-dependent shapes) inside the graph instead of breaking",
)
CASES = {**PIPELINES, **EXTRA}
COMPILE_KW = {"mochi_fullgraph": {"fullgraph": True}}  # torch.compile keywords besides backend and options


# ------------------------------------------------------------------------------------------------ structural limits
# Cases where BlockDance cannot apply, with the reason: the documented behaviour is tested instead (every call runs
# in full, the output equals the uncached eager pipeline's).
_EAGER_FORWARD = (
    "dynamo cannot resume after a graph break inside the block loop ({}), so it runs {}.forward eagerly "
    "and compiles only the submodules it calls (fragments, listed by explain): no graph holds the block "
    "stack"
)
UNCACHED = {
    "skyreels_v2_df": "diffusion forcing steps per-frame deep copies of the scheduler, never pipe.scheduler itself: "
    "attach sees no step, every call is a slot of step 0, which runs in full",
}

# bdcompile bugs found by this file (each with a minimal failing test below): the case fails until the fix.
BUGS: dict = {}

# the default run: one case per distinct pattern; the rest runs with BDC_RUN_SLOW=1
DEFAULT = {
    "sd3": "CFG in the batch (2B), joint two-stream blocks (2 cut values)",
    "flux": "true CFG as two calls per step (2 slots), double- then single-stream blocks, sigmas= schedule",
    "pixart_sigma_pag": "PAG: 3 batch slots with CFG, 2 without",
    "wan22_i2v": "two experts (transformer, transformer_2), each with its own caches, one step count; video",
    "sd3_img2img": "img2img: set_begin_index, CFG in the batch; batch-size recompile makes the timestep view's "
    "storage offset a graph input",
    "flux_img2img": "img2img: set_begin_index, CFG as two calls",
    "sd3_heun": "Heun: two model evaluations per timestep (2n-1 scheduler entries)",
    "mochi_fullgraph": "ascending timesteps (1000 * (1 - sigma)); fullgraph=True",
    "stable_audio": "audio (1D tokens), CosineDPMSolverMultistep (torchsde)",
    "lumina2": "graph-broken forward whose blocks sit in one piece (accelerated); three stacks",
    "hidream": "graph-broken inside the block loop: dynamo runs the forward eagerly, blocks cached at their calls",
    "skyreels_v2_df": "steps on scheduler copies: uncached, equal to eager",
    "bria": "the pipeline compares type(self.scheduler) exactly",
    "sana_sprint": "SCM: 3 scheduler entries for 2 steps, no reuse in the plan",
}


# ------------------------------------------------------------------------------------------------ the oracle side
class StepCounter:
    """Counts ``step`` calls of one scheduler object (not of its copies). Installed as a bound method on the
    reference pipeline's scheduler object, never by changing its class (BriaPipeline compares
    ``type(self.scheduler)`` with a scheduler class); a deep copy of the scheduler (SkyReels-V2 diffusion forcing
    keeps one per frame) gets the method bound to the copy, which is not counted."""

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.steps = 0
        cls = type(scheduler)
        counter = self

        @functools.wraps(cls.step)
        def step(sched, *args, **kwargs):
            out = cls.step(sched, *args, **kwargs)
            if sched is counter.scheduler:
                counter.steps += 1
            return out

        scheduler.step = types.MethodType(step, scheduler)

    def entries(self) -> int:
        s = self.scheduler
        return len(s.timesteps) - (getattr(s, "_begin_index", None) or 0)


class PipelineOracle(TransformerStandIn):
    """A pipeline's transformer running BlockDance by hand (tests/oracle.py's ``Oracle``), with the step taken from
    a :class:`StepCounter`. The block order is recorded by hooks during the first call (no extra forward: a
    model may keep state between calls)."""

    def __init__(self, model: torch.nn.Module, lists: list[str], counter: StepCounter, enabled: bool = True):
        super().__init__()
        self.model = model
        self.lists = lists
        self.counter = counter
        self.enabled = enabled  # False: every call runs in full (the uncached eager pipeline)
        self.names = list(inspect.signature(type(model).forward).parameters)[1:]
        self.order: list | None = None
        self.oracle: Oracle | None = None
        self.new_generation()

    # -- generations
    def new_generation(self) -> None:
        self.plan: list | None = None
        self.step, self.slot = -1, 0
        self.log: list = []  # (step, slot, action)
        self.batches: list = []  # the batch of each call (leading dim of the latent input)
        self.steps_seen = 0
        if self.oracle is not None:
            self.oracle.new_generation()

    @property
    def boundary(self) -> int:
        return default_boundary(len(self.order))

    def forward(self, *args, **kwargs):
        kwargs.update(zip(self.names, args))
        if self.plan is None:
            self.plan = static_plan(self.counter.entries(), WARMUP, STOP, N)
        s = self.counter.steps
        if s == self.step:
            self.slot += 1
        else:
            self.step, self.slot = s, 0
        if self.order is None:
            out = self._first(kwargs)
            action = "full"
        elif not self.enabled:
            out, action = self.model(**kwargs), "full"
        else:
            self.oracle.plan = self.plan
            out, action = self.oracle(self.step, self.slot, **kwargs)
        self.log.append((self.step, self.slot, action))
        self.batches.append(_lead(kwargs))
        return out

    def _first(self, kwargs):
        """The first call: record the blocks' execution order and every block's output (a full step)."""
        order, record, handles = [], {}, []
        for name in self.lists:
            for idx, block in enumerate(self.model.get_submodule(name)):
                key = (name, idx)
                handles.append(
                    block.register_forward_pre_hook(
                        lambda m, a, key=key: order.append(key) if key not in order else None
                    )
                )
                handles.append(
                    block.register_forward_hook(lambda m, a, out, key=key: record.__setitem__(key, _snapshot(out)))
                )
        try:
            out = self.model(**kwargs)
        finally:
            for h in handles:
                h.remove()
        self.order = order
        self.oracle = Oracle(self.model, order, self.boundary, self.plan)
        self.oracle.caches[self.slot] = (_signature(kwargs), {k: record[k] for k in self.oracle.skipped})
        return out


def _attention_lists(model: torch.nn.Module) -> list[str]:
    """Module lists whose members hold an attention module (outermost lists only)."""
    found = []
    for name, sub in model.named_modules():
        if isinstance(sub, torch.nn.ModuleList) and len(sub) and not any(name.startswith(f + ".") for f in found):
            if any("Attention" in type(m).__name__ for member in sub for m in member.modules()):
                found.append(name)
    return found


def block_lists(model: torch.nn.Module, family: str | None) -> list[str]:
    """The block lists the oracle uses: those tests/test_families.py expects for the model's class (the case's
    family if it names one, else a family of the same class); for a class whose family was never traced (its
    forward graph-breaks, so the probe recorded no lists), the module lists whose members hold attention."""
    cls = type(model).__name__
    names = ([family] if family else []) + [n for n, f in FAMILIES.items() if f.cls_name == cls]
    for n in names:
        if FAMILIES[n].cls_name == cls and FAMILIES[n].probe.get("block_lists"):
            return expected_lists(n)
    return _attention_lists(model)


# ------------------------------------------------------------------------------------------------ running a case
def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    return ((a - b).norm() / b.norm().clamp_min(1e-12)).item()


def _lead(kwargs: dict):
    """The batch the transformer sees: leading dim of its latent input (a list API: the list's length)."""
    for k in ("hidden_states", "x", "sample", "latents", "latent"):
        v = kwargs.get(k)
        if isinstance(v, torch.Tensor) and v.dim():
            return v.shape[0]
        if isinstance(v, (list, tuple)) and v:
            return len(v)
    v = next((v for v in kwargs.values() if isinstance(v, torch.Tensor) and v.dim()), None)
    return None if v is None else v.shape[0]


def runs_of(case) -> list[tuple[bool, int]]:
    """(cfg, seed) of the generations run in a row on one pipeline: CFG on twice (the second generation has the
    first one's shapes: it must not see its caches), then CFG off (other shapes, or fewer calls per step)."""
    return [(True, 0), (True, 1), (False, 2)] if case.cfg_supported else [(False, 0), (False, 1)]


def build_pair(case, uncached: bool = False, regional: bool = False):
    """(compiled pipeline, reference pipeline, {attr: PipelineOracle}, StepCounter), both from seed 0 (same
    weights). ``uncached``: the reference runs every call in full (the eager pipeline). ``regional``: the
    transformers are compiled block by block in place (diffusers' ``compile_repeated_blocks``), the oracle caches
    the blocks they declare (``_repeated_blocks``)."""
    pipe, ref = case.make_pipeline(seed=0), case.make_pipeline(seed=0)
    counter = StepCounter(ref.scheduler)
    oracles = {}
    for attr in case.transformer_attrs:
        model = getattr(ref, attr)
        if regional:
            if not getattr(model, "_repeated_blocks", None):
                pytest.skip(f"{type(model).__name__} declares no _repeated_blocks (compile_repeated_blocks refuses it)")
            getattr(pipe, attr).compile_repeated_blocks(
                backend="blockdance", options=dict(OPTS), **COMPILE_KW.get(case.name, {})
            )
            lists = repeated_block_lists(model)
        else:
            setattr(
                pipe,
                attr,
                torch.compile(
                    getattr(pipe, attr), backend="blockdance", options=dict(OPTS), **COMPILE_KW.get(case.name, {})
                ),
            )
            lists = block_lists(model, case.family)
        oracles[attr] = PipelineOracle(model, lists, counter, enabled=not uncached)
        setattr(ref, attr, oracles[attr])
    bdcompile.attach(pipe)
    return pipe, ref, oracles, counter


def _explain(pipe, attr):
    try:
        return bdcompile.explain(getattr(pipe, attr))
    except ValueError:  # never ran through the backend
        return None


def _quiet_generate(case, pipe, seed, cfg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return case.generate(pipe, seed=seed, cfg=cfg)


def _reference_generate(case, ref, oracles, counter, seed, cfg):
    """One generation of the reference pipeline: a new generation for every oracle, the step count from 0."""
    for o in oracles.values():
        o.new_generation()
    counter.steps = 0
    return _quiet_generate(case, ref, seed, cfg)


def run_case(name: str, regional: bool = False) -> dict:
    """Run a case's generations on both pipelines; returns the record that :func:`judge` checks."""
    case = CASES[name]
    uncached = name in UNCACHED
    torch._dynamo.reset()
    t0, c0 = time.time(), time.process_time()
    pipe, ref, oracles, counter = build_pair(case, uncached=uncached, regional=regional)
    rec = dict(
        name=name,
        pipeline=case.pipeline_cls,
        transformer=[type(o.model).__name__ for o in oracles.values()],
        scheduler=type(ref.scheduler).__name__,
        cfg_how=case.cfg_how,
        cfg_supported=case.cfg_supported,
        expect="uncached" if uncached else "exact",
        why=UNCACHED.get(name, ""),
        bug=BUGS.get(name, ""),
        compile_kw=COMPILE_KW.get(name, {}),
        runs=[],
    )
    first_out = None
    for cfg, seed in runs_of(case):
        before = {a: len((_explain(pipe, a) or {}).get("log", [])) for a in oracles}
        got = _quiet_generate(case, pipe, seed, cfg)
        want = _reference_generate(case, ref, oracles, counter, seed, cfg)
        run = dict(
            cfg=cfg,
            seed=seed,
            rel_err=_rel(got, want),
            steps=counter.steps,
            entries=counter.entries(),
            batches=sorted({b for o in oracles.values() for b in o.batches if b is not None}),
        )
        for attr, o in oracles.items():
            log = (_explain(pipe, attr) or {}).get("log", [])
            run[attr] = dict(
                plan="".join("F" if a == "full" else "r" for a in (o.plan or [])),
                oracle=list(o.log),
                compiled=[(e[1], e[2], e[3]) for e in log[before[attr] :]],
            )
        per_step = {}
        for o in oracles.values():
            for step, _, _ in o.log:
                per_step[step] = per_step.get(step, 0) + 1
        run["calls_per_step"] = sorted(set(per_step.values()))
        rec["runs"].append(run)
        first_out = got if first_out is None else first_out
    if not uncached:  # how much reuse changed the first output: the uncached eager pipeline, same seed
        cfg, seed = runs_of(case)[0]
        for o in oracles.values():
            o.enabled = False
        eager = _reference_generate(case, ref, oracles, counter, seed, cfg)
        for o in oracles.values():
            o.enabled = True
        rec["reuse_effect"] = _rel(first_out, eager)
    rec["seconds"] = round(time.time() - t0, 1)
    rec["cpu_seconds"] = round(time.process_time() - c0, 1)  # the machine may be shared: CPU time says more
    rec["blocks"] = {a: [f"{n}.{i}" for n, i in (o.order or [])] for a, o in oracles.items()}
    rec["boundary"] = {a: o.boundary for a, o in oracles.items() if o.order}
    rec["graphs"] = {}
    for attr in oracles:
        info = _explain(pipe, attr)
        if info is not None:
            rec["graphs"][attr] = dict(
                blocks=[g["blocks"] for g in info["graphs"]],
                boundary=[g["boundary"] for g in info["graphs"]],
                pieces=[p["frame"] for p in info.get("pieces", [])],
                fragments=[f["frame"] for f in info.get("fragments", [])],
                eager_blocks=bool(info.get("eager_blocks")),
            )
    return rec


def judge(rec: dict) -> list[str]:
    """What is wrong with a record (empty: the case passes)."""
    bad = []
    attrs = list(rec["blocks"])
    for run in rec["runs"]:
        tag = f"cfg={'on' if run['cfg'] else 'off'} seed={run['seed']}"
        if not run["rel_err"] <= RTOL:
            bad.append(
                f"{tag}: relative error {run['rel_err']:.2e} against the "
                f"{'uncached pipeline' if rec['expect'] == 'uncached' else 'oracle'}"
            )
        for attr in attrs:
            r = run[attr]
            if rec["expect"] == "uncached":
                if any(a != "full" for *_, a in r["compiled"]):
                    bad.append(f"{tag} {attr}: an uncached case reused: {r['compiled']}")
            elif r["compiled"] != r["oracle"]:
                bad.append(f"{tag} {attr}: actions differ\n  compiled {r['compiled']}\n  oracle   {r['oracle']}")
    if rec["expect"] == "exact":
        for attr, blocks in rec["blocks"].items():
            g = rec["graphs"].get(attr)
            if blocks and g is not None and any(b != blocks for b in g["blocks"]):
                bad.append(f"{attr}: the pass found blocks {g['blocks']}, the oracle {blocks}")
            if blocks and g is not None and any(b != rec["boundary"][attr] for b in g["boundary"]):
                bad.append(f"{attr}: boundary {g['boundary']}, the oracle's {rec['boundary'][attr]}")
        # a reuse the plan asks for at a step that ran must happen, or the test could not fail on reuse
        planned = any(
            run[a]["plan"][st] == "r"
            for run in rec["runs"]
            for a in attrs
            for st, _, _ in run[a]["oracle"]
            if st < len(run[a]["plan"])
        )
        reused = sum(act == "reuse" for run in rec["runs"] for a in attrs for *_, act in run[a]["oracle"])
        if planned and not reused:
            bad.append("the plan has reuse steps but none ran: the test cannot fail on reuse")
        if reused and not rec.get("reuse_effect", 0) > 10 * RTOL:
            bad.append(f"reuse changed the output by {rec.get('reuse_effect', 0):.1e} only: it skipped nothing")
    return bad


# ------------------------------------------------------------------------------------------------ results file
def record(rec: dict) -> None:
    """With BDC_PIPELINE_JSON=path: merge the record into that JSON file (one object per case; pytest-xdist
    workers share it under a lock)."""
    path = os.environ.get("BDC_PIPELINE_JSON")
    if not path:
        return
    import fcntl
    import tempfile

    lock_path = os.path.join(tempfile.gettempdir(), os.path.basename(path) + f".{os.getuid()}.lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path) as f:
                data = json.load(f)
        except (FileNotFoundError, json.JSONDecodeError):
            data = {}
        data[rec["name"]] = json.loads(json.dumps(rec, default=str))
        with open(path, "w") as f:  # one line per case: diffs stay readable
            f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(data.items())) + "\n}\n")


def _summary(rec: dict) -> dict:
    """The part of a record the README table needs (the oracle/compiled logs are long)."""
    out = {k: v for k, v in rec.items() if k not in ("runs", "graphs")}
    out["graphs"] = {
        a: {
            "graphs": len(g["blocks"]),
            "blocks_as_oracle": all(b == rec["blocks"][a] for b in g["blocks"]),
            "boundary": g["boundary"],
            "pieces": g["pieces"],
            "fragments": g["fragments"],
            "eager_blocks": g.get("eager_blocks", False),
        }
        for a, g in rec.get("graphs", {}).items()
    }
    out["runs"] = [
        {k: v for k, v in run.items() if not isinstance(v, dict)}
        | {
            a: {
                "plan": run[a]["plan"],
                "actions": "".join("F" if x == "full" else "r" for *_, x in run[a]["compiled"]),
                "oracle": "".join("F" if x == "full" else "r" for *_, x in run[a]["oracle"]),
            }
            for a in rec.get("blocks", {})
        }
        for run in rec.get("runs", [])
    ]
    return out


# ------------------------------------------------------------------------------------------------ the tests
RUN_SLOW = os.environ.get("BDC_RUN_SLOW") == "1"


def _params():
    out = []
    for name in sorted(CASES):
        marks = []
        if name not in DEFAULT:
            marks.append(pytest.mark.slow)
        if name in BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=BUGS[name]))
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.fixture(autouse=True, scope="module")
def _quiet():
    import diffusers

    diffusers.utils.logging.set_verbosity_error()


@pytest.mark.parametrize("name", _params())
def test_pipeline_end_to_end(name):
    """Compiled + attach against the oracle pipeline: outputs, actions, blocks, boundary, some reuse; or, for a
    structural limit (UNCACHED), uncached and equal to the eager pipeline."""
    need = _NEEDS.get(name)
    if need and importlib.util.find_spec(need) is None:
        pytest.skip(f"needs {need}")
    try:
        rec = run_case(name)
    except Exception as e:
        record(
            dict(
                name=name,
                pipeline=CASES[name].pipeline_cls,
                bug=BUGS.get(name, ""),
                why=UNCACHED.get(name, ""),
                expect="uncached" if name in UNCACHED else "exact",
                cfg_how=CASES[name].cfg_how,
                error=f"{type(e).__name__}: {' '.join(str(e).split())[:300]}",
            )
        )
        raise
    bad = judge(rec)
    rec["problems"] = bad
    record(_summary(rec))
    assert not bad, f"{name}:\n" + "\n".join(bad)


REGIONAL_DEFAULT = ("flux", "ltx", "wan22")  # Flux and LTX once failed after attach; Wan 2.2: two experts of one class


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=() if n in REGIONAL_DEFAULT else pytest.mark.slow, id=n) for n in sorted(CASES)],
)
def test_pipeline_regionally_compiled_end_to_end(name):
    """The same, with each transformer compiled the way diffusers recommends, ``compile_repeated_blocks`` (each block
    compiled in place, the forward plain Python): the blocks the model declares are cached at their calls."""
    need = _NEEDS.get(name)
    if need and importlib.util.find_spec(need) is None:
        pytest.skip(f"needs {need}")
    if name in BUGS:
        pytest.skip(f"known bug of the whole-model path: {BUGS[name]}")
    rec = run_case(name, regional=True)
    bad = judge(rec)
    assert not bad, f"{name} (regional):\n" + "\n".join(bad)


def test_the_default_run_covers_every_pattern():
    """DEFAULT names registered cases, and the expected-behaviour tables name real cases."""
    assert set(DEFAULT) <= set(CASES) and set(UNCACHED) <= set(CASES) and set(BUGS) <= set(CASES)


# ------------------------------------------------------------------------------------------------ bugs found here
def test_storage_offset_of_the_timestep_is_not_part_of_the_cache_key():
    """Pipelines pass ``t.expand(batch)`` with ``t = timesteps[i]``: a view at storage offset ``i``. After a recompile
    (a second generation at another batch size) dynamo makes that offset a symbolic int input of the graph; it
    changes every step and says nothing about what the cut values are valid for, so reuse steps must still
    reuse. Found by sd3_img2img / cogvideox_v2v (begin index 2; offsets 0 and 1 are specialised by dynamo)."""
    from models import pixart_inputs, tiny_pixart

    compiled = torch.compile(tiny_pixart(num_layers=4), backend="blockdance", options=dict(OPTS, boundary=3))
    ts = torch.linspace(999, 0, 10)
    for batch in (2, 1):
        with bdcompile.generation(compiled, num_steps=6), torch.no_grad():
            for i in range(6):
                compiled(**dict(pixart_inputs(batch, 0), timestep=ts[2 + i].expand(batch)))
    log = bdcompile.explain(compiled)["log"]
    assert [e[3] for e in log] == static_plan(6, WARMUP, STOP, N) * 2


def test_storage_offset_of_the_timestep_does_not_compile_again():
    """The variants of a recompiled graph are compiled per input signature; the timestep view's storage offset (a
    symbolic int no graph node reads) is not part of it, so a generation at other offsets compiles nothing new."""
    from models import pixart_inputs, tiny_pixart

    compiles = []

    def inner(gm, example_inputs):
        compiles.append(len(gm.graph.nodes))
        return gm.forward

    model = tiny_pixart(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=3, inner=inner))
    ts = torch.linspace(999, 0, 12)
    outs = []
    for batch, begin in ((2, 2), (1, 2), (1, 4)):
        if (batch, begin) == (1, 4):
            before = len(compiles)
        with bdcompile.generation(compiled, num_steps=6), torch.no_grad():
            for i in range(6):
                outs.append(
                    (
                        batch,
                        begin,
                        i,
                        compiled(**dict(pixart_inputs(batch, 0), timestep=ts[begin + i].expand(batch)))[0],
                    )
                )
    assert len(compiles) == before, "a generation at new storage offsets compiled variants again"
    log = bdcompile.explain(compiled)["log"]
    assert [e[3] for e in log] == static_plan(6, WARMUP, STOP, N) * 3
    # the full steps are the eager model's output (reuse steps are checked against the oracle by the pipeline cases)
    plan = static_plan(6, WARMUP, STOP, N)
    with torch.no_grad():
        for batch, begin, i, out in outs:
            if plan[i] == "full":
                want = model(**dict(pixart_inputs(batch, 0), timestep=ts[begin + i].expand(batch)))[0]
                torch.testing.assert_close(out, want, rtol=1e-5, atol=1e-6)


class _Rope(torch.nn.Module):
    """No parameters of its own: the model passes its parameter in (like MochiRoPE and pos_frequencies)."""

    def forward(self, freqs, n: int):
        return torch.cos(freqs[None] * torch.arange(n, dtype=freqs.dtype)[:, None])


class _MaskedAttention(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.q = torch.nn.Linear(d, d)

    def forward(self, x, mask):
        outs = []
        for i in range(x.shape[0]):  # per-sample valid tokens, like MochiAttnProcessor2_0: a break dynamo cannot resume
            idx = torch.nonzero(mask[i]).flatten()
            xi = x[i : i + 1, idx]
            outs.append(torch.softmax(self.q(xi) @ xi.transpose(1, 2), -1) @ xi)
        return torch.cat(outs)


class _Block(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.attn = _MaskedAttention(d)
        self.ff = torch.nn.Linear(d, d)

    def forward(self, x, mask, rope, temb):
        return x + self.ff(self.attn(x * rope + temb, mask))


class _RopeModel(torch.nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.freqs = torch.nn.Parameter(torch.randn(d))
        self.rope = _Rope()
        self.temb = torch.nn.Linear(1, d)
        self.blocks = torch.nn.ModuleList([_Block(d) for _ in range(3)])

    def forward(self, x, timestep, mask):
        rope = self.rope(self.freqs, x.shape[1])
        temb = self.temb(timestep[:, None, None])
        for b in self.blocks:
            x = b(x, mask, rope, temb)
        return x


def test_fragment_called_with_the_parents_parameter_runs_plainly():
    """A forward dynamo runs eagerly (a graph break in a loop inside the blocks) has its submodules compiled one by
    one: each is a fragment and runs with the plain inner compiler, also one called with its parent's parameter
    (MochiRoPE gets the model's pos_frequencies), instead of raising "no stack of transformer blocks found"."""
    torch.manual_seed(0)
    model = _RopeModel()
    x, mask = torch.randn(2, 4, 8), torch.ones(2, 4, dtype=torch.bool)
    # interval=1: every step full (the blocks are cached at their calls otherwise: tests/test_eager_blocks.py)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, num_steps=4, interval=1))
    with torch.no_grad(), bdcompile.generation(compiled):
        for t in (999.0, 700.0, 400.0, 100.0):
            ts = torch.full((2,), t)
            torch.testing.assert_close(compiled(x, ts, mask), model(x, ts, mask))
    assert "rope.forward" in [f["frame"] for f in bdcompile.explain(compiled)["fragments"]]
