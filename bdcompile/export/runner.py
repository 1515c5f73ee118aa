"""Runners of exported variants with the transformer's call signature.

``load(out_dir, format)`` returns an :class:`ExportedModel`: ``runner(hidden_states=..., timestep=...,
encoder_hidden_states=..., return_dict=False)`` returns a tuple (or an object with ``.sample`` when
``return_dict`` is true, like diffusers).  A runner is a model instance of its own: each call takes
the backend's step decision (:mod:`bdcompile.runtime.step`) in the generation it belongs to
(``bdcompile.generation(runner)`` scopes, ``bdcompile.attach(pipe)``, or the unscoped heuristics),
then runs the full variant (and keeps the cut values of that call slot) or the reuse / forecast
variant fed from the slot's cache.  A cache is only used for the inputs' shapes, dtypes and devices
it was made with, in the generation that made it; otherwise the step runs in full.

With onnxruntime the cut values stay ``OrtValue`` objects bound through IO binding: on a CUDA or
TensorRT execution provider they never leave the device.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import torch

from ..keys import signature
from ..options import REUSE_KINDS, Settings
from ..runtime import current, instance_of
from ..runtime.execute import VariantSet, execute
from .graph import check_shape_guards
from .manifest import SCHEDULE_KEYS, ManifestError, compare_schedule, read_manifest, schedule_dict, verify_artifacts

log = logging.getLogger(__name__)

__all__ = ["load", "ExportedModel", "ExportOutput"]

_TORCH_DTYPES = {
    str(d).replace("torch.", ""): d
    for d in (
        torch.float32,
        torch.float16,
        torch.bfloat16,
        torch.float64,
        torch.int64,
        torch.int32,
        torch.int16,
        torch.int8,
        torch.uint8,
        torch.bool,
    )
}


class _Config(dict):
    """The exported model's config with attribute access (``runner.config.in_channels``), as pipelines read it."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class ExportOutput(tuple):
    """The runner's output when ``return_dict`` is true: a tuple that also has ``.sample``."""

    @property
    def sample(self):
        return self[0]


def _settings_from(schedule: dict) -> Settings:
    opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in schedule.items() if k in SCHEDULE_KEYS}
    return Settings.from_options(dict(opts, inner="eager"))


def _asked_schedule(schedule, exported: dict) -> dict:
    """The schedule passed to ``load`` as a full dict of schedule fields (defaults filled in)."""
    from ..schedules import PlanSchedule, StaticSchedule

    if isinstance(schedule, Settings):
        return schedule_dict(schedule)
    exported_opts = {k: exported[k] for k in SCHEDULE_KEYS if k in exported}
    if isinstance(schedule, StaticSchedule):
        kinds = {action: name for name, action in REUSE_KINDS.items()}
        return schedule_dict(
            Settings(
                **{
                    **exported_opts,
                    "warmup": schedule.warmup,
                    "stop": schedule.stop,
                    "interval": schedule.interval,
                    "reuse": kinds[schedule.skip_action],
                    "plan": None,
                }
            )
        )
    if isinstance(schedule, PlanSchedule):
        return schedule_dict(Settings(**{**exported_opts, "plan": list(schedule.steps)}))
    if isinstance(schedule, dict):
        unknown = sorted(set(schedule) - set(SCHEDULE_KEYS) - {"inner", "fallback", "stacks"})
        if unknown:
            raise ValueError(
                f"blockdance export: unknown schedule key(s) {unknown}; schedule keys are {list(SCHEDULE_KEYS)}"
            )
        base = {"boundary": exported["boundary"]} if "boundary" not in schedule else {}
        return schedule_dict(
            Settings.from_options({**base, **{k: v for k, v in schedule.items() if k in SCHEDULE_KEYS}})
        )
    raise TypeError(
        "blockdance export: schedule must be a dict of options, a Settings, a StaticSchedule or a PlanSchedule; "
        f"got {type(schedule).__name__}"
    )


# ------------------------------------------------------------------------------ variant backends
class _AotiBackend:
    """AOTInductor packages: flat torch tensors in and out, the cache is plain tensors."""

    kind = "aoti"

    def __init__(self, out_dir: Path, entry: dict, device_index: int = -1):
        self.models = {}
        self.names = {}
        for name, v in entry["variants"].items():
            self.models[name] = torch._inductor.aoti_load_package(str(out_dir / v["file"]), device_index=device_index)
            self.names[name] = v["inputs"]

    def run(self, variant: str, inputs: list, extra: list, num_outputs: int):
        out = self.models[variant](*inputs, *extra)
        out = list(out) if isinstance(out, (tuple, list)) else [out]
        return out[:num_outputs], out[num_outputs:]

    def coeffs(self, values, like):
        return torch.tensor(values, dtype=torch.float32, device=like.device)


class _OrtBackend:
    """onnxruntime sessions with IO binding: torch tensors bound by pointer, outputs allocated by ORT on
    the session's device, cut values kept as ``OrtValue`` and bound back as inputs of reuse steps."""

    kind = "onnx"

    def __init__(self, out_dir: Path, entry: dict, providers=None, session_options=None, provider_options=None):
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise ImportError(
                "blockdance export: running ONNX artifacts needs onnxruntime: pip install 'bdcompile[onnx]' "
                "(CPU) or pip install 'bdcompile[gpu]' (onnxruntime-gpu, CUDA / TensorRT providers)"
            ) from e
        self.ort = ort
        providers = list(providers) if providers else ["CPUExecutionProvider"]
        available = ort.get_available_providers()
        missing = [
            p if isinstance(p, str) else p[0] for p in providers if (p if isinstance(p, str) else p[0]) not in available
        ]
        if missing:
            raise ValueError(
                f"blockdance export: onnxruntime providers {missing} are not available here "
                f"(available: {available}); pip install 'bdcompile[gpu]' installs onnxruntime-gpu"
            )
        self.sessions = {}
        for name, v in entry["variants"].items():
            kwargs = {"providers": providers}
            if provider_options is not None:
                kwargs["provider_options"] = provider_options
            self.sessions[name] = ort.InferenceSession(str(out_dir / v["file"]), sess_options=session_options, **kwargs)
        used = self.sessions["full"].get_providers()
        gpu = any(p in used for p in ("CUDAExecutionProvider", "TensorrtExecutionProvider"))
        self.device_type = "cuda" if gpu else "cpu"
        self.device_id = 0
        if gpu:
            opts = self.sessions["full"].get_provider_options()
            for p in ("CUDAExecutionProvider", "TensorrtExecutionProvider"):
                if p in opts and "device_id" in opts[p]:
                    self.device_id = int(opts[p]["device_id"])
                    break
        self.inputs = {n: {i.name for i in s.get_inputs()} for n, s in self.sessions.items()}
        self.outputs = {n: [o.name for o in s.get_outputs()] for n, s in self.sessions.items()}

    def _bind_tensor(self, io, name, t: torch.Tensor):
        t = t.contiguous()
        if t.dtype == torch.bfloat16:
            io.bind_ortvalue_input(name, self.ort.OrtValue.from_dlpack(t))
            return t
        dev = t.device
        io.bind_input(name, dev.type, dev.index or 0, _np_dtype(t.dtype), list(t.shape), t.data_ptr())
        return t

    def run(self, variant: str, inputs: list, extra: list, num_outputs: int, names: Sequence[str] = ()):
        sess = self.sessions[variant]
        wanted = self.inputs[variant]
        io = sess.io_binding()
        keep = []
        for name, t in zip(names, list(inputs) + list(extra)):
            if name not in wanted:
                continue  # an input that only fed skipped blocks (pruned from this variant)
            if isinstance(t, torch.Tensor):
                keep.append(self._bind_tensor(io, name, t))
            elif isinstance(t, np.ndarray):
                keep.append(t)
                io.bind_cpu_input(name, t)
            else:
                io.bind_ortvalue_input(name, t)
        for name in self.outputs[variant]:
            io.bind_output(name, self.device_type, self.device_id)
        if self.device_type == "cuda" and torch.cuda.is_available():
            torch.cuda.current_stream().synchronize()  # inputs written by torch's stream must be complete
        io.synchronize_inputs()
        sess.run_with_iobinding(io)
        io.synchronize_outputs()
        outs = io.get_outputs()
        results = [torch.from_dlpack(outs[i]) for i in range(num_outputs)]
        cached = [outs[i] for i in range(num_outputs, len(self.outputs[variant]))]
        return results, cached

    def coeffs(self, values, like):
        return np.asarray(values, dtype=np.float32)


class _TensorrtBackend(_AotiBackend):
    """torch_tensorrt ExportedPrograms (``torch_tensorrt.save``), loaded with ``torch.export.load``."""

    kind = "tensorrt"

    def __init__(self, out_dir: Path, entry: dict, device_index: int = -1):
        from .artifacts import require_tensorrt

        trt = require_tensorrt()
        self.models = {}
        self.names = {}
        for name, v in entry["variants"].items():
            path = str(out_dir / v["file"])
            loaded = trt.load(path) if hasattr(trt, "load") else torch.export.load(path)
            self.models[name] = loaded.module() if hasattr(loaded, "module") else loaded
            self.names[name] = v["inputs"]


def _np_dtype(dtype: torch.dtype):
    return {
        torch.float32: np.float32,
        torch.float16: np.float16,
        torch.float64: np.float64,
        torch.int64: np.int64,
        torch.int32: np.int32,
        torch.int16: np.int16,
        torch.int8: np.int8,
        torch.uint8: np.uint8,
        torch.bool: np.bool_,
    }[dtype]


# ------------------------------------------------------------------------------ the runner
class ExportedModel:
    """Exported BlockDance variants behind the transformer's call signature (see the module docstring).

    ``bdcompile.generation(runner)`` scopes a generation (a server keeps one per request sequence:
    ``gen = bdcompile.generation(runner)``, ``with gen.resume(): runner(...)``, ``gen.close()``);
    ``bdcompile.attach(pipe)`` follows a pipeline whose ``transformer`` is this runner;
    ``reset()`` starts a new unscoped generation; ``log`` / ``actions`` / ``explain()`` report.
    """

    __bdcompile_instance__ = True  # a model instance of its own for bdcompile.generation / attach

    def __init__(self, out_dir: Path, manifest: dict, backend, settings: Settings):
        self.out_dir = out_dir
        self.manifest = manifest
        self.backend = backend
        self.format = backend.kind
        self.settings = settings
        self.instance = instance_of(self)
        self.runtime_config = self.instance.config(settings.key(), settings)
        self.inputs = manifest["inputs"]
        self.num_outputs = len(manifest["outputs"])
        self.variant_inputs = {n: v["inputs"] for n, v in manifest["artifacts"][backend.kind]["variants"].items()}
        c = manifest["cache"]
        self.spec = VariantSet(
            num_outputs=self.num_outputs,
            layout=[tuple(x) for x in c["layout"]],
            needs={a: tuple(g) for a, g in c["needs"].items()},
            variant=dict(c["variant"]),
            history=dict(c["history"]),
            order=c["order"],
            adaptive=c.get("adaptive"),
        )
        self.timestep_index = next(
            (i for i, s in enumerate(self.inputs) if s["path"] and s["path"][0] == settings.timestep_arg), None
        )
        if self.timestep_index is None and settings.step_source == "timestep":
            raise ManifestError(f"blockdance export: no input named {settings.timestep_arg!r} to read the step from")
        self.config = _Config(manifest["model"].get("config") or {})
        self._warned = set()

    # -------------------------------------------------------------- public helpers
    @property
    def log(self):
        return list(self.runtime_config.log)

    @property
    def actions(self) -> list[str]:
        return [e[3] for e in self.runtime_config.log]

    def reset(self) -> None:
        """Start a new generation (drops the caches of the current one)."""
        current(self.instance).restart()

    @property
    def dtype(self) -> torch.dtype:
        """dtype of the first (latent) input, as ``pipe.transformer.dtype`` is read."""
        return _TORCH_DTYPES[self.inputs[0]["dtype"]]

    @property
    def device(self) -> torch.device:
        if getattr(self.backend, "device_type", None) == "cuda":
            return torch.device("cuda", self.backend.device_id)
        return (
            torch.device(self.manifest["model"].get("device", "cpu")) if self.format != "onnx" else torch.device("cpu")
        )

    def attach(self, pipe):
        """``bdcompile.attach(pipe)`` with this runner as the pipeline's transformer."""
        from ..api import attach

        return attach(pipe, self)

    def __repr__(self) -> str:
        m = self.manifest
        return (
            f"ExportedModel({m['model']['class']}, format={self.format!r}, blocks={len(m['blocks']['names'])}, "
            f"boundary={m['boundary']}, variants={sorted(self.variant_inputs)})"
        )

    # -------------------------------------------------------------- inputs
    def prepare(self, args, kwargs) -> tuple[list, list]:
        """(tensors as passed, tensors converted to the exported dtypes) in the manifest's input order."""
        fwd = self.manifest.get("forward_args") or []
        if len(args) > len(fwd):
            raise TypeError(f"blockdance export: {len(args)} positional arguments for forward({', '.join(fwd)})")
        kwargs = dict(kwargs)
        for name, a in zip(fwd, args):
            if name in kwargs:
                raise TypeError(f"blockdance export: got multiple values for argument {name!r}")
            kwargs[name] = a
        used_top = {s["path"][0] for s in self.inputs} | {c["path"][0] for c in self.manifest["constants"] if c["path"]}
        for k, v in kwargs.items():
            if k not in used_top and v is not None:
                raise ValueError(
                    f"blockdance export: argument {k!r} was not given when the model was exported (so the "
                    f"artifacts assume its default); got {type(v).__name__}. Re-export with it in example_kwargs."
                )
        for c in self.manifest["constants"]:
            got = _plain(_lookup(kwargs, c["path"]))
            if got != c["value"]:
                raise ValueError(
                    f"blockdance export: {'.'.join(map(str, c['path']))} was {c['value']!r} at export "
                    f"(torch.export specialized it); got {got!r}. Re-export with that value."
                )
        given, flat = [], []
        batch = None
        for spec in self.inputs:
            x = _lookup(kwargs, spec["path"])
            if x is None:
                raise TypeError(f"blockdance export: missing tensor input {'.'.join(map(str, spec['path']))}")
            if isinstance(x, np.ndarray):
                x = torch.from_numpy(x)
            elif not isinstance(x, torch.Tensor):
                x = torch.tensor(x)
            if batch is None and x.dim():
                batch = x.shape[0]
            want = _TORCH_DTYPES[spec["dtype"]]
            rank = len(spec["example_shape"])
            given.append(x)
            if x.dim() == 0 and rank == 1 and batch is not None:
                x = x.reshape(1).expand(batch)  # a scalar timestep for a (batch,) input
            if x.dtype != want:
                if x.is_floating_point() != want.is_floating_point and spec["name"] not in self._warned:
                    self._warned.add(spec["name"])
                    warnings.warn(
                        f"blockdance export: input {spec['name']} is {x.dtype}, exported as {want}; converting",
                        stacklevel=1,
                    )
                x = x.to(want)
            flat.append(x)
        self._check_shapes(flat, kwargs)
        return given, flat

    def _check_shapes(self, flat, kwargs) -> None:
        for spec, x in zip(self.inputs, flat):
            dyn = {int(k) for k in spec["dynamic_axes"]}
            want = spec["example_shape"]
            bad = len(want) != x.dim() or any(
                i not in dyn and int(s) != w for i, (s, w) in enumerate(zip(x.shape, want))
            )
            if bad:
                raise ValueError(
                    f"blockdance export: input {spec['name']} has shape {list(x.shape)}; the export accepts "
                    f"{spec['shape']} (named dims are dynamic). Re-export for this shape "
                    f"(dynamic kinds at export: {self.manifest['dynamic']})"
                )
        min_batch = self.manifest.get("min_batch", 1)
        for spec, x in zip(self.inputs, flat):
            if spec["dynamic_axes"].get("0") == "batch" and x.shape[0] < min_batch:
                raise ValueError(
                    f"blockdance export: this export only holds for a batch of at least {min_batch} "
                    f"(input {spec['name']} has batch {x.shape[0]}; see the manifest's notes); repeat the "
                    "sample to a batch of 2 and keep the first output, or re-export"
                )
        shapes = {}
        for spec, x in zip(self.inputs, flat):
            node = shapes
            for k in spec["path"][:-1]:
                node = node.setdefault(k, {})
            node[spec["path"][-1]] = x.shape
        failed = check_shape_guards(self.manifest.get("shape_guards", []), shapes)
        if failed:
            raise ValueError(
                f"blockdance export: these input shapes are outside what the exported graph holds for "
                f"(torch.export guard {failed[0]!r}); re-export with example inputs of this shape"
            )

    # -------------------------------------------------------------- call
    def __call__(self, *args, return_dict: Optional[bool] = None, **kwargs):
        if return_dict is None:
            return_dict = bool(self.manifest.get("return_dict_default"))
        given, flat = self.prepare(args, kwargs)
        call = self.decide(given)
        outs = execute(
            call,
            self.spec,
            lambda name, extra: self._run_all(name, flat, extra),
            lambda v: self.backend.coeffs(v, flat[0]),
            self.runtime_config,
        )
        outs = tuple(outs)
        return ExportOutput(outs) if return_dict else outs

    def decide(self, given: list, config=None, force=None):
        """The step decision for one call with inputs ``given`` (as :meth:`prepare` returns them), in the
        generation current in this context: a :class:`bdcompile.runtime.Call`. ``config``: another
        configuration of this runner (a server's uncached sequences); ``force``: an action asked for."""
        track = current(self.instance).track(config or self.runtime_config)
        return track.begin(signature(given), lambda: self._read_timestep(given, config), self.spec.needs, force=force)

    def _read_timestep(self, given, config=None) -> float:
        (config or self.runtime_config).host_reads += 1
        return float(given[self.timestep_index].reshape(-1)[0].item())

    def _run_all(self, variant, flat, extra) -> list:
        outs, rest = self.run_variant(variant, flat, extra)
        return list(outs) + list(rest)

    def run_variant(self, variant, flat, extra):
        """Run one variant on flat inputs (and its extra inputs): (the model's outputs, the rest)."""
        if isinstance(self.backend, _OrtBackend):
            return self.backend.run(variant, flat, extra, self.num_outputs, names=self.variant_inputs[variant])
        return self.backend.run(variant, flat, extra, self.num_outputs)

    def explain(self) -> dict:
        counts: dict = {}
        for e in self.runtime_config.log:
            counts[e[3]] = counts.get(e[3], 0) + 1
        m = self.manifest
        return {
            "format": self.format,
            "blocks": m["blocks"]["names"],
            "boundary": m["boundary"],
            "cut": m["cut"],
            "schedule": m["schedule"],
            "calls": len(self.runtime_config.log),
            "calls_by_action": counts,
            "log": list(self.runtime_config.log),
            "generation": self.runtime_config.generation,
            "host_reads": self.runtime_config.host_reads,
        }


def _plain(x):
    """A constant as the manifest stores it (JSON: tuples are lists)."""
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    return x


def _lookup(kwargs: dict, path: list):
    node: Any = kwargs
    for k in path:
        if isinstance(node, dict):
            if k not in node:
                return None
            node = node[k]
        elif isinstance(node, (list, tuple)) and isinstance(k, int) and k < len(node):
            node = node[k]
        else:
            return None
    return node


def load(
    out_dir,
    format: str = "onnx",
    providers=None,
    schedule=None,
    check_hashes: bool = True,
    session_options=None,
    provider_options=None,
    device_index: int = -1,
) -> ExportedModel:
    """Load an export directory as a runner.

    format     "onnx" (onnxruntime), "aoti" (AOTInductor) or "tensorrt" (torch_tensorrt).
    providers  onnxruntime execution providers, e.g. ["TensorrtExecutionProvider", "CUDAExecutionProvider"];
               default CPU.
    schedule   optional: the schedule you expect (a dict of options, a Settings, StaticSchedule or PlanSchedule);
               refused if it differs from the exported one. Default: the exported schedule.
    check_hashes  verify the sha256 of every artifact (on by default).
    """
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    entry = verify_artifacts(out_dir, manifest, format, check_hashes=check_hashes)
    exported = manifest["schedule"]
    if schedule is not None:
        diffs = compare_schedule(exported, _asked_schedule(schedule, exported))
        if diffs:
            raise ManifestError(
                "blockdance export: the schedule asked for differs from the exported one ("
                + "; ".join(diffs)
                + "). The variants and their cut were built for the exported "
                "schedule: re-export with the new one, or load without schedule="
            )
    settings = _settings_from(exported)
    if providers is not None and format != "onnx":
        raise ValueError("blockdance export: providers= applies to format='onnx' only")
    if format == "onnx":
        backend = _OrtBackend(
            out_dir, entry, providers=providers, session_options=session_options, provider_options=provider_options
        )
    elif format == "aoti":
        backend = _AotiBackend(out_dir, entry, device_index=device_index)
    elif format == "tensorrt":
        backend = _TensorrtBackend(out_dir, entry, device_index=device_index)
    else:
        raise ValueError(f"blockdance export: unknown format {format!r}; formats: onnx, aoti, tensorrt")
    return ExportedModel(out_dir, manifest, backend, settings)
