"""Serving exported BlockDance variants on NVIDIA Triton Inference Server.

    bdcompile export --model mnist --num-steps 20 --out out/mnist --triton out/triton
    bdcompile serve out/triton

    from bdcompile.serving import serve
    server = serve("out/mnist")          # writes a repository, starts tritonserver on 127.0.0.1
    ...
    server.stop()

A generation is a Triton sequence of the ``denoise`` model: its step clock and cut-value caches live in
the server (:mod:`bdcompile.serving.sequences`: one ``bdcompile.generation`` handle each), are freed
at END or after the sequence idle timeout; requests of different sequences at the same variant run as
one execution (:mod:`bdcompile.serving.batching`). The ``mnist`` (and ``digits``) model runs whole generations (class
labels in, images out) with requests of different clients batched into one generation.
"""

from __future__ import annotations

from pathlib import Path

from .repository import write_repository
from .server import DEFAULT_VENV, ServingUnavailable, TritonServer, find_setup

__all__ = [
    "serve",
    "write_repository",
    "TritonServer",
    "ServingUnavailable",
    "find_setup",
    "DEFAULT_VENV",
    "is_repository",
]


def is_repository(path) -> bool:
    p = Path(path)
    return (p / "bdcompile_repository.json").is_file() or any(c.is_file() for c in p.glob("*/config.pbtxt"))


def serve(
    path,
    repository=None,
    python=None,
    http_port=None,
    metrics_port=None,
    grpc_port=None,
    threads: int = 1,
    start_timeout: float = 300.0,
    log_file=None,
    **repo_options,
) -> TritonServer:
    """Start tritonserver on 127.0.0.1 for an export directory (a repository is written first, into
    ``repository`` or a temporary folder; ``repo_options`` go to :func:`write_repository`) or for a
    repository written before. Returns the running :class:`TritonServer` (``.url``, ``.stop()``)."""
    import tempfile

    path = Path(path)
    temporary = None
    if not is_repository(path):
        if not repository:
            repository = temporary = Path(tempfile.mkdtemp(prefix="bdcompile-repo-"))
        path = write_repository(path, repository, threads=threads, **repo_options)
    elif repo_options:
        raise ValueError(
            f"bdcompile serve: {path} is already a model repository; options {sorted(repo_options)} "
            "apply when serving an export directory"
        )
    server = TritonServer(
        path,
        python=python,
        http_port=http_port,
        metrics_port=metrics_port,
        grpc_port=grpc_port,
        threads=threads,
        log_file=log_file,
    )
    if temporary is not None:
        server.cleanup.append(temporary)  # removed by server.close()
    return server.start(timeout=start_timeout)
