"""``bdcompile serve PATH``: Triton Inference Server on 127.0.0.1 for an export directory or a model repository.

    bdcompile export --model mnist --num-steps 20 --out out/mnist --triton out/triton
    bdcompile serve out/triton                      # HTTP on 127.0.0.1:8000, metrics on :8002
    bdcompile serve out/mnist --no-cache            # the same server without BlockDance (every step full)

The Python backend needs an interpreter with a shared libpython and nvidia-pytriton, torch, onnxruntime
(--python, $BDC_SERVING_PYTHON, or ~/.cache/bdcompile/serving-venv built by .ci/serving_venv.sh).
"""

from __future__ import annotations

import argparse
import signal
import time

from . import common
from .common import POSITIVE


def add_parser(subparsers) -> argparse.ArgumentParser:
    s = subparsers.add_parser(
        "serve",
        help="serve an export on NVIDIA Triton Inference Server (127.0.0.1)",
        description=__doc__,
        formatter_class=common.HelpFormatter,
    )
    s.add_argument("path", help="an export directory (manifest.json) or a repository from `bdcompile export --triton`")
    s.add_argument("--repository", default=None, help="where to write the model repository (default: a temp dir)")
    s.add_argument("--python", default=None, help="interpreter for Triton's Python backend (shared libpython)")
    s.add_argument("--http-port", type=int, default=8000)
    s.add_argument("--metrics-port", type=int, default=8002)
    s.add_argument("--grpc-port", type=int, default=0, help="0: no gRPC endpoint")
    s.add_argument("--threads", type=POSITIVE, default=1, help="torch / onnxruntime threads per model instance")
    add_repository_options(s)
    s.set_defaults(fn=run)
    return s


def add_repository_options(p) -> None:
    g = p.add_argument_group("model repository (when PATH is an export directory)")
    g.add_argument("--no-cache", action="store_true", help="every step runs in full (the server without BlockDance)")
    g.add_argument("--idle-timeout", type=float, default=30.0, help="seconds before an idle generation is dropped")
    g.add_argument("--max-batch", type=POSITIVE, default=16, help="requests (sequences / images) batched per execution")
    g.add_argument("--instances", type=POSITIVE, default=1, help="model instances (per GPU with --device cuda)")
    g.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="instance kind: KIND_CPU or KIND_GPU")
    g.add_argument("--providers", nargs="*", default=None, help="onnxruntime providers, e.g. CUDAExecutionProvider")
    g.add_argument("--serve-format", default="onnx", choices=["onnx", "aoti", "tensorrt"], help="artifacts to serve")
    g.add_argument(
        "--pipeline",
        default="auto",
        help="whole-generation model: auto (by the exported model), mnist, digits, or none",
    )


def repository_options(args) -> dict:
    return dict(
        caching=not args.no_cache,
        idle_timeout_s=args.idle_timeout,
        max_batch=args.max_batch,
        instances=args.instances,
        device=args.device,
        providers=args.providers,
        format=args.serve_format,
        pipeline=None if args.pipeline == "none" else args.pipeline,
    )


def _pipeline_models(repository) -> list:
    """The whole-generation models of a repository (those with a ``pipeline`` parameter)."""
    from pathlib import Path

    found = []
    for cfg in sorted(Path(repository).glob("*/config.pbtxt")):
        if '"bdcompile_kind" value: { string_value: "pipeline" }' in cfg.read_text():
            found.append(cfg.parent.name)
    return found


def run(args) -> int:
    from ..serving import is_repository, serve

    opts = {} if is_repository(args.path) else repository_options(args)
    server = serve(
        args.path,
        repository=args.repository,
        python=args.python,
        http_port=args.http_port,
        metrics_port=args.metrics_port,
        grpc_port=args.grpc_port or None,
        threads=args.threads,
        **opts,
    )
    print(f"tritonserver ready: {server.url} (metrics {server.metrics_url}); repository {server.repository}")
    print(f"log: {server.log_file} (removed on exit); Ctrl-C stops it")
    for name in _pipeline_models(server.repository):
        print(
            f'client: python -c "from bdcompile.serving.client import generate_images; '
            f"print(generate_images('{server.http_address}', [3, 1, 4], model='{name}').shape)\""
        )
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):  # SIGINT too: a shell may start background jobs with it ignored
        signal.signal(sig, lambda *a: stop.append(1))
    try:
        while not stop and server.proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    code = server.proc.poll()
    tail = server.log_tail() if code not in (None, 0) and not stop else None
    server.close()
    if tail is not None:
        print(f"tritonserver exited with {code}:\n{tail}")
        return 1
    return 0
