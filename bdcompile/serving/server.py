"""Start a stock ``tritonserver`` on a model repository (the binary that ``nvidia-pytriton`` ships).

    from bdcompile.serving import TritonServer
    with TritonServer("out/triton", python="~/.cache/bdcompile/serving-venv/bin/python") as server:
        print(server.url)           # http://127.0.0.1:8000

The Python backend's stub embeds the interpreter through a *shared* libpython of the same version as
the stub: a venv made from Debian's ``/usr/bin/python3.11`` works; a pyenv build without
``--enable-shared`` does not (its stub dies). ``python`` is that venv's interpreter, with
``nvidia-pytriton``, ``torch`` and ``onnxruntime`` installed; bdcompile itself is imported from this
checkout (``$BDCOMPILE_PYTHONPATH``, read by the repository's ``model.py``: the stub ignores
``$PYTHONPATH``). Found from ``python=``, ``$BDC_SERVING_PYTHON``, or the running interpreter. Listens on
127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

__all__ = ["TritonServer", "TritonSetup", "find_setup", "ServingUnavailable", "free_port", "DEFAULT_VENV"]

DEFAULT_VENV = Path(os.environ.get("BDC_SERVING_VENV", Path.home() / ".cache" / "bdcompile" / "serving-venv"))


class ServingUnavailable(RuntimeError):
    """No usable tritonserver / Python-backend interpreter here (says why and how to get one)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TritonSetup:
    """Where the server binary, the Python backend and its interpreter are."""

    def __init__(self, python: Path, info: dict):
        self.python = python
        self.pytriton = Path(info["pytriton"])
        self.version = info["version"]
        self.site = self.pytriton.parent
        self.server_bin = self.pytriton / "tritonserver" / "bin" / "tritonserver"
        self.python_backend = self.pytriton / "tritonserver" / "backends" / "python"
        self.stub = (
            self.pytriton / "tritonserver" / "python_backend_stubs" / self.version / "triton_python_backend_stub"
        )
        self.libs = self.site / "nvidia_pytriton.libs"

    def backend_dir(self, root: Path) -> Path:
        """A backend directory with the Python backend and the stub of this interpreter's version."""
        d = root / "backends" / "python"
        d.mkdir(parents=True, exist_ok=True)
        for f in (
            self.python_backend / "libtriton_python.so",
            self.python_backend / "triton_python_backend_utils.py",
            self.stub,
        ):
            shutil.copy2(f, d / f.name)
        return root / "backends"


_PROBE = (
    "import json, sys, sysconfig\n"
    "try:\n import pytriton, os\n p = os.path.dirname(pytriton.__file__)\nexcept ImportError:\n p = None\n"
    "print(json.dumps({'pytriton': p, 'shared': bool(sysconfig.get_config_var('Py_ENABLE_SHARED')),"
    " 'version': '%d.%d' % sys.version_info[:2]}))"
)


def find_setup(python=None) -> TritonSetup:
    """The serving interpreter (see the module docstring); raises :class:`ServingUnavailable` with the reason."""
    candidates = []
    if python:
        candidates.append(Path(python).expanduser())
    elif os.environ.get("BDC_SERVING_PYTHON"):
        candidates.append(Path(os.environ["BDC_SERVING_PYTHON"]).expanduser())
    else:
        candidates += [DEFAULT_VENV / "bin" / "python", Path(sys.executable)]
    reasons = []
    for py in candidates:
        if not py.exists():
            reasons.append(f"{py}: not found")
            continue
        try:
            out = subprocess.run([str(py), "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True).stdout
            info = json.loads(out.strip().splitlines()[-1])
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            reasons.append(f"{py}: cannot run it ({e})")
            continue
        problems = []
        if not info["shared"]:
            problems.append(
                "this Python has no shared libpython (built without --enable-shared), which Triton's "
                "Python-backend stub embeds: make a venv from a Python with libpython3.X.so (Debian's "
                "/usr/bin/python3.11)"
            )
        if not info["pytriton"]:
            problems.append("nvidia-pytriton is not installed there (pip install nvidia-pytriton torch onnxruntime)")
        if problems:
            reasons.append(f"{py}: " + "; ".join(problems))
            continue
        setup = TritonSetup(py, info)
        if not setup.server_bin.exists() or not setup.stub.exists():
            reasons.append(f"{py}: nvidia-pytriton has no tritonserver / stub for Python {info['version']}")
            continue
        return setup
    raise ServingUnavailable(
        "bdcompile serve: no interpreter to run Triton's Python backend with: "
        + "; ".join(reasons)
        + f". `bash .ci/run` (or .ci/serving_venv.sh) builds one at {DEFAULT_VENV}."
    )


def _bdcompile_root() -> Path:
    return Path(__file__).resolve().parents[2]


class TritonServer:
    """A ``tritonserver`` process on a model repository, on 127.0.0.1 (HTTP + metrics; gRPC optional)."""

    def __init__(
        self,
        repository,
        python=None,
        http_port: Optional[int] = None,
        metrics_port: Optional[int] = None,
        grpc_port: Optional[int] = None,
        address: str = "127.0.0.1",
        threads: int = 1,
        log_file=None,
        verbose: int = 0,
        extra_args=(),
    ):
        self.repository = Path(repository).resolve()
        self.setup = find_setup(python)
        self.address = address
        self.http_port = http_port or free_port()
        self.metrics_port = metrics_port or free_port()
        self.grpc_port = grpc_port
        self.threads = threads
        self.verbose = verbose
        self.extra_args = list(extra_args)
        self._tmp = Path(tempfile.mkdtemp(prefix="bdcompile-triton-"))
        self.log_file = Path(log_file) if log_file else self._tmp / "tritonserver.log"
        self.proc: Optional[subprocess.Popen] = None
        self.cleanup: list = [self._tmp]  # folders close() removes

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.http_port}"

    @property
    def http_address(self) -> str:
        return f"{self.address}:{self.http_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.address}:{self.metrics_port}/metrics"

    def command(self) -> list[str]:
        backends = self.setup.backend_dir(self._tmp)
        cmd = [
            str(self.setup.server_bin),
            "--model-repository",
            str(self.repository),
            "--backend-directory",
            str(backends),
            "--http-address",
            self.address,
            "--http-port",
            str(self.http_port),
            "--metrics-address",
            self.address,
            "--metrics-port",
            str(self.metrics_port),
            "--allow-gpu-metrics",
            "false",
            "--exit-on-error",
            "true",
            "--strict-readiness",
            "true",
            "--log-verbose",
            str(self.verbose),
            "--exit-timeout-secs",
            "5",
        ]
        if self.grpc_port:
            cmd += ["--grpc-address", self.address, "--grpc-port", str(self.grpc_port)]
        else:
            cmd += ["--allow-grpc", "false"]
        return cmd + self.extra_args

    def environment(self) -> dict:
        env = dict(os.environ)
        venv_bin = str(self.setup.python.parent)
        env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
        env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (str(self.setup.libs), env.get("LD_LIBRARY_PATH")) if p)
        env["BDCOMPILE_PYTHONPATH"] = str(_bdcompile_root())  # read by the repository's model.py
        env.setdefault("OMP_NUM_THREADS", str(self.threads))
        env.pop("PYTHONHOME", None)
        return env

    def start(self, timeout: float = 180.0) -> "TritonServer":
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab")
        self.proc = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.environment(),
            start_new_session=True,
            cwd=str(self._tmp),
        )
        log.close()
        self.wait_ready(timeout)
        return self

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/v2/health/ready", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 180.0) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"tritonserver exited with code {self.proc.returncode} before it was ready; "
                    f"log {self.log_file}:\n{self.log_tail()}"
                )
            if self.ready():
                return
            time.sleep(0.25)
        raise TimeoutError(f"tritonserver was not ready after {timeout:.0f} s; log {self.log_file}:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def metrics(self) -> dict:
        """Triton's Prometheus metrics as {name{labels}: value} (bdcompile_* gauges included)."""
        with urllib.request.urlopen(self.metrics_url, timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                try:
                    out[key] = float(value)
                except ValueError:
                    pass
        return out

    def gauge(self, name: str, model: str = "denoise") -> Optional[float]:
        return self.metrics().get(f'bdcompile_{name}{{model="{model}"}}')

    def _signal(self, sig) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, sig)  # the server and its Python-backend stubs (its own session)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """SIGKILL the server and its stubs (what a crash looks like to clients)."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # tritonserver unloads its models and stops their stubs
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()  # anything left in its process group
        self.proc = None

    def __enter__(self):
        return self.start() if self.proc is None else self

    def close(self) -> None:
        """Stop the server and remove its temporary folders (backend copy, log, a repository serve() wrote)."""
        self.stop()
        for d in self.cleanup:
            shutil.rmtree(d, ignore_errors=True)

    def __exit__(self, *exc):
        self.close()
