"""The Triton Python-backend model (``model.py`` of each model in the repository imports it from here).

Two kinds, chosen by the config parameter ``bdcompile_kind``:

``denoise``  one transformer call per request; a generation is a Triton sequence (correlation id,
             START/END control inputs, idle timeout). Each request carries the model's inputs with a
             leading request dim of 1 (the sequence batcher needs batch-size-1 requests); the server
             decides full/reuse from the sequence's own clock (or the optional ``ACTION`` input: auto /
             full / reuse), keeps the cut values in the sequence's cache and returns the model output
             plus ``STEP_ACTION`` (what ran) and ``BATCHED`` (how many sequences shared the execution).
             Requests of different sequences in one execution are batched (bdcompile.serving.batching).
``pipeline`` a whole generation per request (e.g. digits: class labels in, images out), with requests
             of different clients batched into one generation (Triton's dynamic batcher).

Server-side gauges on Triton's metrics endpoint: ``bdcompile_live_sequences``,
``bdcompile_cache_bytes`` (cut values held), ``bdcompile_process_rss_bytes`` (this model's process).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["TritonPythonModel"]


def _rss() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TritonPythonModel:
    def initialize(self, args):
        import torch
        import triton_python_backend_utils as pb_utils

        self.pb = pb_utils
        cfg = json.loads(args["model_config"])
        self.name = cfg["name"]
        p = {k: v.get("string_value", "") for k, v in (cfg.get("parameters") or {}).items()}
        self.params = p
        threads = int(p.get("threads", "1") or 1)
        torch.set_num_threads(threads)
        model_dir = Path(args["model_repository"])
        export_dir = Path(p["export_dir"])
        if not export_dir.is_absolute():
            export_dir = model_dir.parent / export_dir
        self.kind = p.get("bdcompile_kind", "denoise")
        self.caching = p.get("caching", "on") != "off"
        self.runner = self._load(export_dir, args, p, threads)
        from .batching import StepBatcher
        from .sequences import SequenceStore

        num_steps = int(p["num_steps"]) if p.get("num_steps") else None
        self.store = SequenceStore(self.runner, caching=self.caching, default_num_steps=num_steps)
        self.batcher = StepBatcher(self.runner, batching=p.get("batching", "on") != "off")
        seqb = cfg.get("sequence_batching") or {}
        idle_us = int(seqb.get("max_sequence_idle_microseconds") or 0)
        # Triton drops an idle sequence after max_sequence_idle_microseconds; the store frees its caches a
        # little later (margin), so that no request Triton still accepts finds its state gone
        self.idle_s = idle_us / 1e6 + 0.5 if idle_us else None
        self.input_names = [s["name"] for s in self.runner.manifest["inputs"]]
        self.output_names = [o["name"] for o in self.runner.manifest["outputs"]]
        self._metrics(pb_utils)
        self._stop = threading.Event()
        if self.kind == "denoise" and self.idle_s:
            self._sweeper = threading.Thread(target=self._sweep, name="bdcompile-expire", daemon=True)
            self._sweeper.start()
        if self.kind == "pipeline":
            from .pipelines import get_pipeline

            self.pipeline = get_pipeline(p.get("pipeline", "digits"), self.runner.manifest)
            self.guidance = float(p.get("guidance_scale", "3.0"))
            self.num_steps = num_steps or self.runner.manifest["schedule"].get("num_steps") or 20
        log.info(
            "bdcompile serving: %s (%s) on %s, caching %s, batching %s",
            self.name,
            self.kind,
            self.runner.format,
            "on" if self.caching else "off",
            self.batcher.batchable,
        )

    def _load(self, export_dir: Path, args, p: dict, threads: int):
        from ..export import load

        fmt = p.get("format", "onnx")
        kind = args.get("model_instance_kind", "CPU")
        device_id = int(args.get("model_instance_device_id", 0) or 0)
        if fmt == "onnx":
            import onnxruntime as ort

            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            providers = [s.strip() for s in p.get("providers", "").split(",") if s.strip()]
            if kind == "GPU" and not providers:
                providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
            providers = providers or ["CPUExecutionProvider"]
            opts = [
                {"device_id": str(device_id)} if pr in ("CUDAExecutionProvider", "TensorrtExecutionProvider") else {}
                for pr in providers
            ]
            return load(export_dir, format="onnx", providers=providers, session_options=so, provider_options=opts)
        return load(export_dir, format=fmt, device_index=device_id if kind == "GPU" else -1)

    def _metrics(self, pb):
        self.gauges = {}
        self._metrics_at = 0.0
        try:
            for key, desc in (
                ("live_sequences", "generations (Triton sequences) holding state in this model"),
                ("cache_bytes", "bytes of cut values cached for live generations"),
                ("process_rss_bytes", "resident memory of this model's Python-backend process"),
            ):
                fam = pb.MetricFamily(name=f"bdcompile_{key}", description=desc, kind=pb.MetricFamily.GAUGE)
                self.gauges[key] = (fam, fam.Metric(labels={"model": self.name}))
        except Exception as e:  # older Triton: no custom metrics
            log.warning("bdcompile serving: no custom metrics (%s)", e)
            self.gauges = {}
        self._update_metrics()

    def _update_metrics(self, every_s: float = 0.0):
        """Set the gauges (each set is a message to the server process: per execution at most every ``every_s``)."""
        if not self.gauges:
            return
        now = time.monotonic()
        if every_s and now - self._metrics_at < every_s:
            return
        self._metrics_at = now
        try:
            st = self.store.stats()
            self.gauges["live_sequences"][1].set(st["live"])
            self.gauges["cache_bytes"][1].set(st["cache_bytes"])
            self.gauges["process_rss_bytes"][1].set(_rss())
        except Exception as e:
            log.warning("bdcompile serving: metrics update failed: %s", e)

    def _sweep(self):
        """Free the caches of sequences idle past the sequence timeout (a client that vanished)."""
        period = min(1.0, max(0.05, self.idle_s / 4))
        while not self._stop.wait(period):
            try:
                gone = self.store.expire(self.idle_s)
                if gone:
                    log.info("bdcompile serving: %d idle sequence(s) expired: %s", len(gone), gone[:8])
                self._update_metrics()
            except Exception:  # keep sweeping
                log.exception("bdcompile serving: expiry failed")

    # ------------------------------------------------------------------ requests
    def execute(self, requests):
        if self.kind == "pipeline":
            return self._execute_pipeline(requests)
        return self._execute_denoise(requests)

    def _error(self, e: Exception):
        pb = self.pb
        msg = f"bdcompile: {e}"
        try:
            return pb.InferenceResponse(output_tensors=[], error=pb.TritonError(msg, pb.TritonError.INVALID_ARG))
        except Exception:
            return pb.InferenceResponse(output_tensors=[], error=pb.TritonError(msg))

    def _tensor(self, request, name):
        import torch

        t = self.pb.get_input_tensor_by_name(request, name)
        if t is None:
            return None
        try:
            return torch.from_dlpack(t.to_dlpack())
        except Exception:
            return torch.from_numpy(t.as_numpy())

    def _scalar(self, request, name, default=None):
        t = self.pb.get_input_tensor_by_name(request, name)
        if t is None:
            return default
        v = t.as_numpy().reshape(-1)[0]
        return v.decode() if isinstance(v, bytes) else v

    def _execute_denoise(self, requests):
        from .batching import StepRequest, model_kwargs

        pb = self.pb
        if self.idle_s:
            self.store.expire(self.idle_s)
        step_requests, ends = [], []
        for r in requests:
            corr, end = None, False
            try:
                corr = int(self._scalar(r, "CORRID", 0)) or r.correlation_id()
                end = bool(self._scalar(r, "END", 0))
                start = bool(self._scalar(r, "START", 0))
                tensors = {}
                for name in self.input_names:
                    x = self._tensor(r, name)
                    if x is None:
                        raise ValueError(f"missing input {name}")
                    if x.dim() == 0 or x.shape[0] != 1:
                        raise ValueError(
                            f"input {name} has shape {list(x.shape)}: a sequence request carries one "
                            "item (leading dim 1), e.g. hidden_states[None]"
                        )
                    tensors[name] = x[0]
                asked = str(self._scalar(r, "ACTION", "auto") or "auto")
                n = self._scalar(r, "NUM_STEPS")
                seq = self.store.start(corr, int(n) if n else None) if start else self.store.get(corr)
                step_requests.append(StepRequest(seq, model_kwargs(self.runner.manifest, tensors), asked))
            except Exception as e:
                step_requests.append(StepRequest(None, {}, error=e))
            ends.append(corr if end else None)
        with self.store.lock:
            results = self.batcher.run(step_requests)
        responses = []
        import numpy as np

        for res in results:
            if res.error is not None:
                responses.append(self._error(res.error))
                continue
            outs = [
                pb.Tensor.from_dlpack(name, o.contiguous()[None]) for name, o in zip(self.output_names, res.outputs)
            ]
            outs.append(pb.Tensor("STEP_ACTION", np.array([[res.action.encode()]], dtype=np.object_)))
            outs.append(pb.Tensor("BATCHED", np.array([[res.batched]], dtype=np.int32)))
            responses.append(pb.InferenceResponse(output_tensors=outs))
        ended = False
        for corr in ends:
            if corr is not None:
                self.store.end(corr)
                ended = True
        self._update_metrics(every_s=0.0 if ended or not self.idle_s else 0.2)  # the sweeper refreshes them too
        return responses

    def _execute_pipeline(self, requests):
        pb = self.pb
        items, errors = [], {}
        for i, r in enumerate(requests):
            try:
                items.append((i, self.pipeline.request_inputs(self, r)))
            except Exception as e:
                errors[i] = e
        responses = [None] * len(requests)
        if items:
            merged = self.pipeline.merge([x for _, x in items])
            try:
                model = self.step_model()
                try:
                    with self.store.lock:
                        outputs = self.pipeline.generate(
                            model, merged, num_steps=self.num_steps, guidance_scale=self.guidance
                        )
                finally:
                    model.close()
                parts = self.pipeline.split(outputs, [x for _, x in items])
                for (i, _), part in zip(items, parts):
                    responses[i] = pb.InferenceResponse(
                        output_tensors=[pb.Tensor.from_dlpack(k, v.contiguous()) for k, v in part.items()]
                    )
            except Exception as e:
                log.exception("bdcompile serving: generation failed")
                for i, _ in items:
                    errors[i] = e
        for i, e in errors.items():
            responses[i] = self._error(e)
        return responses

    def step_model(self):
        """A callable with the transformer's signature that runs one fresh generation (its own sequence)."""
        return _SequenceModel(self.store, self.batcher)

    def finalize(self):
        self._stop.set()


class _SequenceModel:
    """``model(hidden_states, timestep=..., ...)`` -> (sample,) through one sequence of a store (a new generation)."""

    _ids = iter(range(1 << 62, 1 << 63))

    def __init__(self, store, batcher):
        from .batching import StepRequest

        self.store, self.batcher, self.StepRequest = store, batcher, StepRequest
        self.corr = next(self._ids)
        self.seq = store.start(self.corr)
        self.fwd = store.runner.manifest.get("forward_args") or []
        self.actions = []

    def __call__(self, *args, return_dict=False, **kwargs):
        kwargs.update(zip(self.fwd, args))
        res = self.batcher.run([self.StepRequest(self.seq, kwargs)])[0]
        if res.error is not None:
            raise res.error
        self.actions.append(res.action)
        return res.outputs

    def close(self):
        self.store.end(self.corr)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
