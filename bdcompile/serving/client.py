"""Clients of the served models (``tritonclient[http]``; one client object per thread).

Whole generation (the ``mnist`` or ``digits`` model: class labels and seeds in, images out):

    from bdcompile.serving.client import generate_images
    images = generate_images("127.0.0.1:8000", labels=[3, 1, 4], seeds=[0, 1, 2])   # mnist: [3, 1, 28, 28] in [0, 1]
    images = generate_images("127.0.0.1:8000", [3, 1, 4], model="digits")           # digits: [3, 1, 8, 8]

Step by step (the ``denoise`` model, one Triton sequence per generation, the scheduler on the client):

    gen = DigitsGeneration(DenoiseClient("127.0.0.1:8000"), seq_id=42, label=3, seed=0)
    while not gen.done:
        gen.step()            # one request; gen.actions: what the server ran (full / reuse)
    image = gen.image()

If the server goes away mid-generation (killed, restarted, the sequence timed out) the generation's
cached state on the server is gone: :class:`GenerationLost` says so, and ``run(retries=1)`` starts the
generation again from step 0 once the server is back.
"""

from __future__ import annotations

import threading
import time
from typing import Optional, Sequence

import numpy as np

__all__ = [
    "DenoiseClient",
    "DigitsGeneration",
    "GenerationLost",
    "StepRejected",
    "generate_images",
    "generate_digits",
    "wait_ready",
]

_NP_TRITON = {
    np.float32: "FP32",
    np.float16: "FP16",
    np.float64: "FP64",
    np.int64: "INT64",
    np.int32: "INT32",
    np.uint8: "UINT8",
    np.bool_: "BOOL",
    np.object_: "BYTES",
}


_IMPORT_LOCK = threading.Lock()  # diffusers' lazy imports are not thread-safe (ImportError when threads race)


class GenerationLost(RuntimeError):
    """The server lost this generation (it went away or restarted, or the sequence expired): start it again."""


class StepRejected(ValueError):
    """The server refused this request (bad inputs, unknown sequence, reuse without a cache, ...)."""


def _http():
    try:
        import tritonclient.http as http
    except ImportError as e:
        raise ImportError("bdcompile serving client: pip install 'tritonclient[http]'") from e
    return http


def _input(http, name: str, arr: np.ndarray, datatype: Optional[str] = None):
    arr = np.ascontiguousarray(arr)
    dt = datatype or _NP_TRITON.get(arr.dtype.type)
    if dt is None:
        raise TypeError(f"bdcompile serving client: no Triton datatype for {arr.dtype}")
    i = http.InferInput(name, list(arr.shape), dt)
    i.set_data_from_numpy(arr, binary_data=True)
    return i


def _is_connection_error(e: Exception) -> bool:
    """True when no answer came from the server (an answer is an InferenceServerException with an HTTP status)."""
    try:
        from tritonclient.utils import InferenceServerException
    except ImportError:  # pragma: no cover
        InferenceServerException = ()  # noqa: N806
    if isinstance(e, InferenceServerException) and e.status() not in (None, "", "None"):
        return False
    return True


def wait_ready(url: str, timeout: float = 120.0) -> None:
    http = _http()
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            c = http.InferenceServerClient(url)
            if c.is_server_ready():
                c.close()
                return
            c.close()
        except Exception:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"server at {url} not ready after {timeout:.0f} s")


class DenoiseClient:
    """Requests to the per-step ``denoise`` model (sequence batching)."""

    def __init__(self, url: str = "127.0.0.1:8000", model: str = "denoise", timeout: float = 120.0):
        self.http = _http()
        self.url, self.model, self.timeout = url, model, timeout
        self.client = self.http.InferenceServerClient(url, connection_timeout=timeout, network_timeout=timeout)
        self._bf16: Optional[set] = None

    def _bf16_inputs(self) -> set:
        """Inputs the model takes as BF16 (numpy has no bfloat16: float32 arrays are sent as BF16 for them)."""
        if self._bf16 is None:
            try:
                meta = self.client.get_model_metadata(self.model)
                self._bf16 = {i["name"] for i in meta.get("inputs", []) if i.get("datatype") == "BF16"}
            except Exception:
                self._bf16 = set()
        return self._bf16

    def step(
        self,
        seq_id: int,
        inputs: dict,
        start: bool = False,
        end: bool = False,
        action: Optional[str] = None,
        num_steps: Optional[int] = None,
    ):
        """One model call of sequence ``seq_id``: (outputs by name, what ran, how many sequences shared it).

        ``inputs``: the transformer's inputs by manifest name (numpy or torch), without the request dim."""
        ins = []
        for name, v in inputs.items():
            a = v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)
            if a.dtype == np.float32 and name in self._bf16_inputs():
                import ml_dtypes  # a tritonclient dependency: BF16 arrays are ml_dtypes.bfloat16

                ins.append(_input(self.http, name, a[None].astype(ml_dtypes.bfloat16), "BF16"))
            else:
                ins.append(_input(self.http, name, a[None]))
        if action is not None:
            ins.append(_input(self.http, "ACTION", np.array([[action.encode()]], dtype=np.object_)))
        if num_steps is not None:
            ins.append(_input(self.http, "NUM_STEPS", np.array([[num_steps]], dtype=np.int32)))
        try:
            r = self.client.infer(self.model, ins, sequence_id=int(seq_id), sequence_start=start, sequence_end=end)
        except Exception as e:
            if _is_connection_error(e):
                self._reconnect()
                raise GenerationLost(
                    f"the server at {self.url} went away during sequence {seq_id}: the generation's "
                    f"cached state on the server is lost; start the generation again ({type(e).__name__}: "
                    f"{str(e)[:200]})"
                ) from e
            msg = str(e)
            if "START flag" in msg or "unknown to the server" in msg:
                raise GenerationLost(
                    f"sequence {seq_id} is not known to the server (never started, already ended, "
                    f"timed out, or the server restarted): start the generation again. Server said: {msg[:300]}"
                ) from e
            raise StepRejected(msg) from e
        resp = r.get_response()
        outs = {o["name"]: r.as_numpy(o["name"]) for o in resp["outputs"]}
        outs = {
            k: v.astype(np.float32) if v.dtype.name == "bfloat16" else v for k, v in outs.items()
        }  # BF16 -> float32
        action_ran = outs.pop("STEP_ACTION").reshape(-1)[0]
        batched = int(outs.pop("BATCHED").reshape(-1)[0])
        return (
            {k: v[0] for k, v in outs.items()},
            action_ran.decode() if isinstance(action_ran, bytes) else action_ran,
            batched,
        )

    def _reconnect(self) -> None:
        try:
            self.client.close()
        except Exception:
            pass
        self.client = self.http.InferenceServerClient(
            self.url, connection_timeout=self.timeout, network_timeout=self.timeout
        )

    def close(self) -> None:
        self.client.close()


class DigitsGeneration:
    """One digit generated step by step through the ``denoise`` model: the loop of
    ``bdcompile.zoo.digits.sample_from_noise`` (DDIM, CFG as a doubled batch) with the model on the server."""

    def __init__(
        self,
        client: DenoiseClient,
        seq_id: int,
        label: int,
        seed: int,
        num_steps: int = 20,
        guidance_scale: float = 3.0,
        send_num_steps: bool = False,
    ):
        import torch

        from ..zoo import digits as zoo
        from .pipelines import DIGITS

        self.client, self.seq_id, self.num_steps, self.guidance = client, seq_id, num_steps, guidance_scale
        self.label, self.seed, self.send_num_steps = label, seed, send_num_steps
        self.zoo, self.torch = zoo, torch
        self.noise = DIGITS.noise([seed])
        self.restart()

    def restart(self) -> None:
        torch = self.torch
        with _IMPORT_LOCK:
            self.sched = self.zoo.make_scheduler()
        self.sched.set_timesteps(self.num_steps)
        self.x = self.noise.clone()
        self.lab = torch.tensor([self.label, self.zoo.NULL_CLASS])
        self.i = 0
        self.actions: list = []
        self.batched: list = []
        self.outputs: list = []

    @property
    def done(self) -> bool:
        return self.i >= self.num_steps

    def step(self) -> str:
        torch = self.torch
        t = self.sched.timesteps[self.i]
        x2 = torch.cat([self.x, self.x])
        inputs = {
            "hidden_states": x2.numpy(),
            "timestep": t.expand(2).float().numpy(),
            "class_labels": self.lab.numpy(),
        }
        outs, action, batched = self.client.step(
            self.seq_id,
            inputs,
            start=self.i == 0,
            end=self.i == self.num_steps - 1,
            num_steps=self.num_steps if self.send_num_steps and self.i == 0 else None,
        )
        out = torch.from_numpy(outs["sample"].copy())[:, : self.x.shape[1]]
        self.outputs.append(out)
        cond, uncond = out.chunk(2)
        self.x = self.sched.step(uncond + self.guidance * (cond - uncond), t, self.x).prev_sample
        self.i += 1
        self.actions.append(action)
        self.batched.append(batched)
        return action

    def image(self):
        return self.zoo.decode(self.x)

    def run(self, retries: int = 0, ready_timeout: float = 120.0):
        """All remaining steps; on :class:`GenerationLost` wait for the server and start over (``retries`` times)."""
        while True:
            try:
                while not self.done:
                    self.step()
                return self.image()
            except GenerationLost:
                if retries <= 0:
                    raise
                retries -= 1
                wait_ready(self.client.url, ready_timeout)
                self.restart()


def generate_images(
    url: str, labels: Sequence[int], seeds: Optional[Sequence[int]] = None, model: str = "mnist", timeout: float = 300.0
) -> np.ndarray:
    """Images [n, 1, S, S] in [0, 1] for ``labels`` from a whole-generation model (one request; seeds 0..n-1
    unless given): ``mnist`` S = 28, ``digits`` S = 8."""
    http = _http()
    seeds = list(range(len(labels))) if seeds is None else list(seeds)
    c = http.InferenceServerClient(url, connection_timeout=timeout, network_timeout=timeout)
    try:
        r = c.infer(
            model,
            [
                _input(http, "LABEL", np.asarray(labels, dtype=np.int64)[:, None]),
                _input(http, "SEED", np.asarray(seeds, dtype=np.int64)[:, None]),
            ],
        )
        return r.as_numpy("IMAGE")
    finally:
        c.close()


def generate_digits(
    url: str,
    labels: Sequence[int],
    seeds: Optional[Sequence[int]] = None,
    model: str = "digits",
    timeout: float = 300.0,
) -> np.ndarray:
    """Images [n, 1, 8, 8] in [0, 1] for ``labels`` from the whole-generation ``digits`` model (one request)."""
    return generate_images(url, labels, seeds, model=model, timeout=timeout)
