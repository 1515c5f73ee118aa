"""``bdcompile doctor [--device cuda|cpu]``: check this machine end to end, as a table.

Every inner compiler (eager, inductor, tensorrt where importable), every export format and runtime
(ONNX Runtime on the CPU / CUDA / TensorRT providers that are available, AOTInductor, TensorRT
programs), and the Triton server, each run on the same full step and reuse step and compared with
eager PyTorch (an eager oracle for the reuse step: blocks ``[0, boundary)`` replaced by the output the
full step recorded). Reports ms per full and reuse step and the ratio to ``torch.compile`` with
Inductor's full step.

Sizes: ``--device cpu`` a tiny PixArt (4 blocks, fp32, batch 2; CI runs it); ``--device cuda`` a
PixArt-alpha-size random model (28 blocks, 1152 wide, 1024x1024 images -> 128x128 latents, bf16,
batch 2, 120 text tokens, boundary 21). The GPU path has not been run on a GPU yet.
Budget: ``--budget`` seconds (default 450, under 8 minutes); checks past it are reported as skipped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from . import common
from .common import POSITIVE

SIZES = {
    # layers, heads, head_dim, latent size, caption channels, text tokens, dtype, boundary
    "cpu": dict(layers=4, heads=2, head_dim=16, size=8, caption=32, text=8, dtype="float32", boundary=3),
    "cuda": dict(layers=28, heads=16, head_dim=72, size=128, caption=4096, text=120, dtype="bfloat16", boundary=21),
}


@dataclass
class Row:
    check: str
    runtime: str
    status: str = "ok"  # ok | FAIL | skipped
    err_full: Optional[float] = None
    err_reuse: Optional[float] = None
    ms_full: Optional[float] = None
    ms_reuse: Optional[float] = None
    note: str = ""
    vs_inductor_full: Optional[float] = field(default=None)
    vs_inductor_reuse: Optional[float] = field(default=None)


def add_parser(subparsers) -> argparse.ArgumentParser:
    d = subparsers.add_parser(
        "doctor",
        help="check inners, export formats, runtimes and the server on this machine",
        description=__doc__,
        formatter_class=common.HelpFormatter,
    )
    d.add_argument("--device", default=None, choices=["cpu", "cuda"], help="default: cuda if available, else cpu")
    d.add_argument(
        "--repeats", type=POSITIVE, default=None, help="timed full+reuse pairs per check, medians (20 cpu, 5 cuda)"
    )
    d.add_argument("--budget", type=float, default=450.0, help="seconds; checks past it are skipped")
    d.add_argument("--skip", nargs="*", default=[], help="checks to skip: inner, export, onnx, aoti, tensorrt, server")
    d.add_argument("--python", default=None, help="interpreter for the server check (see bdcompile serve)")
    d.add_argument("--json", default=None, help="also write the rows as JSON here")
    d.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch / onnxruntime CPU threads (default 1 on --device cpu: stable on a shared machine)",
    )
    d.set_defaults(fn=run)
    return d


def _model(device: str):
    import torch
    from diffusers import PixArtTransformer2DModel

    s = SIZES[device]
    torch.manual_seed(0)
    model = PixArtTransformer2DModel(
        sample_size=s["size"],
        num_layers=s["layers"],
        patch_size=2,
        attention_head_dim=s["head_dim"],
        num_attention_heads=s["heads"],
        caption_channels=s["caption"],
        in_channels=4,
        cross_attention_dim=s["heads"] * s["head_dim"],
        out_channels=8,
        attention_bias=True,
        activation_fn="gelu-approximate",
        num_embeds_ada_norm=1000,
        norm_type="ada_norm_single",
        norm_elementwise_affine=False,
        norm_eps=1e-6,
        use_additional_conditions=False,
    )
    return model.to(device=device, dtype=getattr(torch, s["dtype"])).eval()


def _inputs(model, device: str, t: float) -> dict:
    from ..export.inputs import example_inputs_for

    s = SIZES[device]
    return example_inputs_for(model, batch=2, size=s["size"], text_len=s["text"], timestep=t)


def _rel(a, b) -> float:
    a, b = a.detach().float().cpu(), b.detach().float().cpu()
    return float((a - b).norm() / b.norm().clamp_min(1e-12))


class _Oracle:
    """Eager full step at t0 (recording block boundary-1's output), eager reuse step at t1 with blocks
    [0, boundary) replaced by that recorded output."""

    def __init__(self, model, boundary: int):
        self.model, self.boundary = model, boundary

    def run(self, kw0: dict, kw1: dict):
        import torch

        blocks = self.model.transformer_blocks
        rec = {}
        h = blocks[self.boundary - 1].register_forward_hook(lambda m, a, o: rec.__setitem__("out", o))
        with torch.no_grad():
            full = self.model(**kw0)[0]
        h.remove()
        saved = [b.forward for b in blocks[: self.boundary]]
        try:
            for b in blocks[: self.boundary - 1]:
                b.forward = lambda hidden_states, *a, **k: hidden_states
            blocks[self.boundary - 1].forward = lambda *a, **k: rec["out"]
            with torch.no_grad():
                reuse = self.model(**kw1)[0]
        finally:
            for b, f in zip(blocks[: self.boundary], saved):
                b.forward = f
        return full, reuse


def _sync(device):
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def _pair(fn, kw0, kw1, device, repeats):
    """(full output, reuse output, ms full, ms reuse): the first pair compared, then ``repeats`` timed pairs."""
    import torch

    with torch.no_grad():
        o0, o1 = fn(kw0)[0].clone(), fn(kw1)[0].clone()
        tf, tr = [], []
        for _ in range(repeats):
            for kw, acc in ((kw0, tf), (kw1, tr)):
                _sync(device)
                t = time.perf_counter()
                fn(kw)
                _sync(device)
                acc.append((time.perf_counter() - t) * 1e3)
    return o0, o1, statistics.median(tf), statistics.median(tr)


def _importable(name: str) -> bool:
    try:
        __import__(name)
        return True
    except Exception:
        return False


def run(args) -> int:
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        print("bdcompile doctor: --device cuda but torch sees no CUDA device", file=sys.stderr)
        return 2
    repeats = args.repeats or (20 if device == "cpu" else 5)
    threads = args.threads or (1 if device == "cpu" else None)
    if threads:
        torch.set_num_threads(threads)
    rows = doctor(device, repeats=repeats, budget=args.budget, skip=set(args.skip), python=args.python)
    print(table(rows, device))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    return 1 if any(r.status == "FAIL" for r in rows) else 0


def doctor(
    device: str = "cpu", repeats: int = 5, budget: float = 450.0, skip=frozenset(), python=None, log=print
) -> list[Row]:
    import torch

    t_start = time.monotonic()
    s = SIZES[device]
    tol = 1e-3 if s["dtype"] == "float32" else 5e-2
    torch.manual_seed(0)
    model = _model(device)
    kw0, kw1 = _inputs(model, device, 999.0), _inputs(model, device, 500.0)
    b = s["boundary"]
    rows: list[Row] = []

    def over() -> bool:
        return time.monotonic() - t_start > budget

    def check(row: Row, fn, ref_full, ref_reuse):
        if over():
            row.status, row.note = "skipped", f"time budget ({budget:.0f} s) spent"
        else:
            try:
                o0, o1, row.ms_full, row.ms_reuse = fn()
                row.err_full = _rel(o0, ref_full)
                row.err_reuse = _rel(o1, ref_reuse) if ref_reuse is not None and o1 is not None else None
                bad = [e for e in (row.err_full, row.err_reuse) if e is not None and not e <= tol]
                if bad:
                    row.status, row.note = "FAIL", f"relative error {max(bad):.1e} > {tol:.0e}"
            except Exception as e:  # a check that cannot run here is a finding, not a crash
                row.status = "FAIL"
                row.note = f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"
                log(traceback.format_exc())
        rows.append(row)
        log(f"  {row.check:<11} {row.runtime:<30} {row.status} {row.note}")

    log(
        f"bdcompile doctor: {device}, PixArt {s['layers']} blocks x {s['heads'] * s['head_dim']} wide, "
        f"{s['size']}x{s['size']} latents, {s['dtype']}, batch 2, boundary {b}"
    )
    full_ref, reuse_ref = _Oracle(model, b).run(kw0, kw1)

    def full_only(fn):
        def go():
            o0, _, ms0, _ = _pair(fn, kw0, kw1, device, repeats)
            return o0, None, ms0, None

        return go

    check(Row("eager", "PyTorch eager"), full_only(lambda kw: model(**kw)), full_ref, None)
    base = torch.compile(model, backend="inductor")
    check(Row("inner", "torch.compile inductor (no cache)"), full_only(lambda kw: base(**kw)), full_ref, None)
    opts = dict(plan=["full", "reuse"], num_steps=2, boundary=b)
    inners = ["eager", "inductor"] + (["tensorrt"] if _importable("torch_tensorrt") else [])
    if "inner" in skip:
        inners = []
    for inner in inners:
        torch._dynamo.reset()
        compiled = torch.compile(model, backend="blockdance", options=dict(opts, inner=inner))
        check(
            Row("inner", f"blockdance inner={inner}"),
            lambda compiled=compiled: _pair(lambda kw: compiled(**kw), kw0, kw1, device, repeats),
            full_ref,
            reuse_ref,
        )
    if not _importable("torch_tensorrt") and "inner" not in skip:
        rows.append(Row("inner", "blockdance inner=tensorrt", "skipped", note="torch_tensorrt is not importable"))

    out = Path(tempfile.mkdtemp(prefix="bdcompile-doctor-"))
    formats = [] if "export" in skip else [f for f in ("onnx", "aoti") if f not in skip]
    if device == "cuda" and _importable("torch_tensorrt") and "tensorrt" not in skip and "export" not in skip:
        formats.append("tensorrt")
    names = {"aoti": "AOTInductor", "tensorrt": "torch_tensorrt program"}
    exports = {}
    for fmt in formats:  # one export per format, so that the budget can stop between them
        if over():
            rows.append(Row("export", names.get(fmt, fmt), "skipped", note=f"time budget ({budget:.0f} s) spent"))
            continue
        from ..export import export_variants

        t = time.perf_counter()
        try:
            export_variants(model, kw0, out / fmt, formats=(fmt,), **opts)
            exports[fmt] = out / fmt
            log(f"  export      {fmt} in {time.perf_counter() - t:.0f} s")
        except Exception as e:
            rows.append(Row("export", f"export {fmt}", "FAIL", note=f"{type(e).__name__}: {str(e)[:160]}"))
            log(traceback.format_exc())
    from ..export import load

    if "onnx" in exports:
        import onnxruntime as ort

        avail = ort.get_available_providers()
        wanted = ["CPUExecutionProvider"] if device == "cpu" else ["CUDAExecutionProvider", "TensorrtExecutionProvider"]
        for prov in wanted:
            if prov not in avail:
                rows.append(Row("export", f"onnxruntime {prov}", "skipped", note=f"not in this onnxruntime ({avail})"))
                continue

            def ort_pair(prov=prov):
                so = ort.SessionOptions()
                so.intra_op_num_threads = torch.get_num_threads()  # as many threads as torch gets
                runner = load(
                    exports["onnx"],
                    format="onnx",
                    session_options=so,
                    providers=[prov] if prov == "CPUExecutionProvider" else [prov, "CUDAExecutionProvider"],
                )
                return _pair(lambda kw: runner(**kw), kw0, kw1, device, repeats)

            check(Row("export", f"onnxruntime {prov}"), ort_pair, full_ref, reuse_ref)
        if device == "cuda":
            rows.append(
                Row(
                    "export",
                    "onnxruntime CPUExecutionProvider",
                    "skipped",
                    note="PixArt-alpha size on the CPU provider would not fit the budget",
                )
            )
    for fmt in ("aoti", "tensorrt"):
        if fmt in exports:

            def native_pair(fmt=fmt):
                runner = load(exports[fmt], format=fmt, device_index=0 if device == "cuda" else -1)
                return _pair(lambda kw: runner(**kw), kw0, kw1, device, repeats)

            check(Row("export", names[fmt]), native_pair, full_ref, reuse_ref)
    if "tensorrt" not in formats and "tensorrt" not in skip:
        rows.append(
            Row(
                "export",
                names["tensorrt"],
                "skipped",
                note="needs --device cuda and torch_tensorrt"
                if device == "cpu"
                else "torch_tensorrt is not importable",
            )
        )
    if "server" not in skip:
        rows.append(
            _server_row(exports.get("onnx"), device, kw0, kw1, full_ref, reuse_ref, repeats, tol, python, over, log)
        )
        log(f"  {'server':<11} {rows[-1].runtime:<30} {rows[-1].status} {rows[-1].note}")
    ind = next((r for r in rows if r.runtime.startswith("torch.compile inductor") and r.ms_full), None)
    for r in rows:
        if ind is not None and r.ms_full:
            r.vs_inductor_full = r.ms_full / ind.ms_full
        if ind is not None and r.ms_reuse:
            r.vs_inductor_reuse = r.ms_reuse / ind.ms_full
    log(f"bdcompile doctor: {time.monotonic() - t_start:.0f} s")
    return rows


def _server_row(exported, device, kw0, kw1, full_ref, reuse_ref, repeats, tol, python, over, log) -> Row:
    import torch

    row = Row("server", "Triton (Python backend, onnx)")
    if exported is None:
        row.status, row.note = "skipped", "no ONNX export to serve"
        return row
    if over():
        row.status, row.note = "skipped", "time budget spent"
        return row
    try:
        from ..serving import ServingUnavailable, TritonServer, write_repository
        from ..serving.client import DenoiseClient

        try:
            import tritonclient.http  # noqa: F401
        except ImportError:
            row.status, row.note = "skipped", "tritonclient is not installed (pip install 'tritonclient[http]')"
            return row
        repo = write_repository(
            exported, Path(exported).parent / (Path(exported).name + "-triton"), pipeline=None, device=device
        )
        try:
            srv = TritonServer(repo, python=python)
        except ServingUnavailable as e:
            row.status, row.note = "skipped", str(e)[:200]
            return row
        from ..export import load
        from ..export.runner import _lookup

        specs = load(exported).manifest["inputs"]
        flat = {id(kw): {sp["name"]: _lookup(kw, sp["path"]) for sp in specs} for kw in (kw0, kw1)}
        with srv:
            c = DenoiseClient(srv.http_address)
            seq = [1]

            def fn(kw):
                first = kw is kw0
                if first:
                    seq[0] += 1
                inputs = {
                    k: v.float().cpu().numpy() if v.dtype == torch.bfloat16 else v.cpu().numpy()
                    for k, v in flat[id(kw)].items()
                }
                outs, action, _ = c.step(seq[0], inputs, start=first, end=not first)
                return (torch.from_numpy(outs[next(iter(outs))].copy()),)

            o0, o1, row.ms_full, row.ms_reuse = _pair(fn, kw0, kw1, "cpu", repeats)
            c.close()
        row.err_full, row.err_reuse = _rel(o0, full_ref), _rel(o1, reuse_ref)
        if not max(row.err_full, row.err_reuse) <= tol:
            row.status, row.note = "FAIL", f"relative error {max(row.err_full, row.err_reuse):.1e} > {tol:.0e}"
        else:
            row.note = "ms include HTTP"
    except Exception as e:
        row.status, row.note = "FAIL", f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"
        log(traceback.format_exc())
    return row


def table(rows: list[Row], device: str) -> str:
    def f(v, fmt):
        return format(v, fmt) if v is not None else "-"

    head = [
        "check",
        "runtime",
        "status",
        "rel err full",
        "rel err reuse",
        "ms full",
        "ms reuse",
        "full / inductor",
        "reuse / inductor",
        "note",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append(
            "| "
            + " | ".join(
                [
                    r.check,
                    r.runtime,
                    r.status,
                    f(r.err_full, ".1e"),
                    f(r.err_reuse, ".1e"),
                    f(r.ms_full, ".2f"),
                    f(r.ms_reuse, ".2f"),
                    f(r.vs_inductor_full, ".2f"),
                    f(r.vs_inductor_reuse, ".2f"),
                    r.note,
                ]
            )
            + " |"
        )
    gpu = "" if device == "cpu" else "\n(GPU path: written for CUDA, not yet run on a GPU by its authors)"
    return "\n".join(lines) + gpu
