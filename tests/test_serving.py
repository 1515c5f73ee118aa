"""Serving on a real tritonserver (127.0.0.1): sequences, cross-sequence batching, timeouts, bad requests, restarts.

The server needs an interpreter with a shared libpython and nvidia-pytriton (``.ci/serving_venv.sh``
builds one; ``$BDC_SERVING_PYTHON`` points elsewhere); without it the server tests skip and say why.
The in-process tests (batching, sequence store) always run.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from bdcompile.export import export_variants, load
from bdcompile.export.inputs import example_inputs_for
from bdcompile.serving.batching import StepBatcher, StepRequest
from bdcompile.serving.pipelines import DIGITS
from bdcompile.serving.sequences import NoCacheYet, SequenceStore, UnknownSequence
from bdcompile.zoo import digits as zoo

pytestmark = pytest.mark.xdist_group("serving")  # one server, module fixtures: keep the file on one worker

S = 20
IDLE_S = 3.0
TOL = dict(rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def digits_export(tmp_path_factory):
    model = zoo.load_transformer()
    out = tmp_path_factory.mktemp("digits_export")
    export_variants(model, example_inputs_for(model, batch=2), out, formats=("onnx",), num_steps=S)
    return out


def reference(export_dir, label: int, seed: int):
    """The same generation run alone in-process: (image, actions)."""
    runner = load(export_dir)
    image = zoo.sample_from_noise(runner, DIGITS.noise([seed]), [label], num_steps=S, guidance_scale=3.0)
    return image, runner.actions


def _step_kwargs(x, t, label):
    return dict(hidden_states=torch.cat([x, x]), timestep=t.expand(2).float(), class_labels=torch.tensor([label, 1000]))


# ------------------------------------------------------------------------------ in-process: batching, store
def test_batched_steps_equal_unbatched_steps(digits_export):
    """Three sequences offset by 0, 3 and 7 steps share executions; each equals its generation run alone."""
    runner = load(digits_export)
    store, batcher = SequenceStore(runner), StepBatcher(runner)
    assert batcher.batchable
    seqs = {}
    for k, (label, seed, offset) in enumerate([(3, 0, 0), (7, 1, 3), (0, 2, 7)]):
        sched = zoo.make_scheduler()
        sched.set_timesteps(S)
        seqs[k] = dict(
            label=label, seed=seed, offset=offset, x=DIGITS.noise([seed]), sched=sched, i=0, actions=[], batched=[]
        )
        store.start(k)
    tick = 0
    while any(s["i"] < S for s in seqs.values()):
        ks = [k for k, s in seqs.items() if tick >= s["offset"] and s["i"] < S]
        reqs = [
            StepRequest(
                store.get(k), _step_kwargs(seqs[k]["x"], seqs[k]["sched"].timesteps[seqs[k]["i"]], seqs[k]["label"])
            )
            for k in ks
        ]
        for k, res in zip(ks, batcher.run(reqs)):
            assert res.error is None, res.error
            s = seqs[k]
            cond, uncond = res.outputs[0][:, :1].chunk(2)
            s["x"] = s["sched"].step(uncond + 3.0 * (cond - uncond), s["sched"].timesteps[s["i"]], s["x"]).prev_sample
            s["i"] += 1
            s["actions"].append(res.action)
            s["batched"].append(res.batched)
        tick += 1
    for s in seqs.values():
        image, actions = reference(digits_export, s["label"], s["seed"])
        torch.testing.assert_close(zoo.decode(s["x"]), image, **TOL)
        assert s["actions"] == actions and "reuse" in actions
    both = [b for s in seqs.values() for b, a in zip(s["batched"], s["actions"]) if a == "reuse"]
    assert max(both) >= 2, "no reuse step was batched across sequences"
    assert batcher.grouped_requests > batcher.executions
    assert store.live == 3 and store.cache_bytes() == 3 * 2 * 16 * 64 * 4
    for k in seqs:
        store.end(k)
    assert store.live == 0 and store.cache_bytes() == 0


def test_sequence_store_errors_and_expiry(digits_export):
    runner = load(digits_export)
    store, batcher = SequenceStore(runner), StepBatcher(runner)
    kw = _step_kwargs(DIGITS.noise([0]), torch.tensor(999), 3)
    with pytest.raises(UnknownSequence, match="never started"):
        store.get(5)
    res = batcher.run([StepRequest(store.start(5), kw, asked="reuse")])[0]
    assert isinstance(res.error, NoCacheYet) and "first step of a generation must be a full step" in str(res.error)
    seq = store.start(6)
    bad = dict(kw, hidden_states=torch.zeros(2, 1, 4, 4))
    out = batcher.run([StepRequest(seq, bad), StepRequest(store.start(7), kw)])
    assert out[0].error is not None and "shape" in str(out[0].error) and out[1].error is None  # only the bad one fails
    # the unbatched path (the runner called inside the sequence's generation) gives the same output as the batcher
    store.start(8)
    ref, action = store.run(8, kw)
    torch.testing.assert_close(ref[0], out[1].outputs[0], rtol=0, atol=0)
    assert action == "full" and store.cache_bytes() > 0
    time.sleep(0.05)
    assert sorted(store.expire(0.01)) == [5, 6, 7, 8] and store.live == 0 and store.cache_bytes() == 0


def test_caching_off_runs_every_step_full(digits_export):
    runner = load(digits_export)
    store, batcher = SequenceStore(runner, caching=False), StepBatcher(runner)
    sched = zoo.make_scheduler()
    sched.set_timesteps(S)
    seq = store.start(1)
    x = DIGITS.noise([0])
    actions = [batcher.run([StepRequest(seq, _step_kwargs(x, t, 3))])[0].action for t in sched.timesteps]
    assert actions == ["full"] * S


def test_repository_configs(digits_export, tmp_path):
    """What `bdcompile export --triton` writes for a stock tritonserver."""
    from bdcompile.serving import is_repository, write_repository

    repo = write_repository(digits_export, tmp_path / "repo", idle_timeout_s=7, max_batch=8, instances=2)
    assert is_repository(repo) and not is_repository(digits_export)
    den = (repo / "denoise" / "config.pbtxt").read_text()
    for want in (
        'backend: "python"',
        "max_batch_size: 8",
        "max_sequence_idle_microseconds: 7000000",
        "CONTROL_SEQUENCE_START",
        "CONTROL_SEQUENCE_END",
        "CONTROL_SEQUENCE_CORRID",
        "oldest {",
        '{ name: "hidden_states" data_type: TYPE_FP32 dims: [ -1, 1, 8, 8 ] }',
        '{ name: "ACTION" data_type: TYPE_STRING dims: [ 1 ] optional: true }',
        "instance_group [ { count: 2 kind: KIND_CPU } ]",
        '"caching" value: { string_value: "on" }',
    ):
        assert want in den, want
    dig = (repo / "digits" / "config.pbtxt").read_text()
    assert (
        "dynamic_batching {" in dig
        and "sequence_batching" not in dig
        and '"pipeline" value: { string_value: "digits" }' in dig
    )
    assert (repo / "denoise" / "1" / "export" / "manifest.json").is_file()
    assert "BDCOMPILE_PYTHONPATH" in (repo / "digits" / "1" / "model.py").read_text()
    gpu = write_repository(
        digits_export,
        tmp_path / "gpu",
        device="cuda",
        gpus=[0, 1],
        caching=False,
        pipeline=None,
        providers=["CUDAExecutionProvider"],
    )
    den = (gpu / "denoise" / "config.pbtxt").read_text()
    assert "kind: KIND_GPU gpus: [ 0, 1 ]" in den and '"caching" value: { string_value: "off" }' in den
    assert '"providers" value: { string_value: "CUDAExecutionProvider" }' in den and not (gpu / "digits").exists()


# ------------------------------------------------------------------------------ the real server
@pytest.fixture(scope="module")
def triton_setup():
    from bdcompile.serving.server import ServingUnavailable, find_setup

    try:
        import tritonclient.http  # noqa: F401
    except ImportError:
        pytest.skip("tritonclient is not installed here (pip install 'tritonclient[http]', part of the dev extra)")
    try:
        return find_setup()
    except ServingUnavailable as e:
        pytest.skip(f"no Triton Python-backend interpreter: {e}")


@pytest.fixture(scope="module")
def server(triton_setup, digits_export, tmp_path_factory):
    from bdcompile.serving import TritonServer, write_repository

    repo = write_repository(digits_export, tmp_path_factory.mktemp("repo"), idle_timeout_s=IDLE_S, queue_delay_us=3000)
    srv = TritonServer(repo, python=triton_setup.python)
    srv.start(timeout=300)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def references(digits_export):
    return {
        (label, seed): reference(digits_export, label, seed) for label, seed in [(i % 10, 100 + i) for i in range(16)]
    }


def _threads(fn, n):
    errors = []

    def wrap(k):
        try:
            fn(k)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=wrap, args=(k,)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=600)
    return errors


def test_digits_model_five_line_client(server, digits_export):
    from bdcompile.serving.client import generate_digits

    images = generate_digits(server.http_address, labels=[3, 1, 4], seeds=[0, 1, 2])
    want = DIGITS.generate(
        load(digits_export), {"labels": torch.tensor([3, 1, 4]), "seeds": torch.tensor([0, 1, 2])}, num_steps=S
    )["IMAGE"]
    assert images.shape == (3, 1, 8, 8)
    torch.testing.assert_close(torch.from_numpy(images.copy()), want, **TOL)


def test_16_generations_4_threads_interleaved_equal_alone(server, references):
    """4 client threads x 4 interleaved sequences each: every result equals its generation run alone."""
    from bdcompile.serving.client import DenoiseClient, DigitsGeneration

    results = {}

    def client(k):
        c = DenoiseClient(server.http_address)
        gens = [
            DigitsGeneration(c, seq_id=1000 + 4 * k + j, label=(4 * k + j) % 10, seed=100 + 4 * k + j) for j in range(4)
        ]
        while not all(g.done for g in gens):
            for g in gens:  # round-robin: step i of every sequence before step i + 1
                if not g.done:
                    g.step()
        for g in gens:
            results[(g.label, g.seed)] = g
        c.close()

    assert not _threads(client, 4)
    assert len(results) == 16
    batched = 0
    for key, g in results.items():
        image, actions = references[key]
        torch.testing.assert_close(g.image(), image, **TOL)
        assert g.actions == actions, (key, g.actions, actions)
        batched = max(batched, max(g.batched))
    assert batched >= 2, "the server never batched requests of different sequences"
    _wait_gauge(server, "live_sequences", 0, 3)  # all ended with END
    _wait_gauge(server, "cache_bytes", 0, 3)


def _wait_gauge(server, name, want, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if server.gauge(name) == want:
            return time.monotonic() - t0
        time.sleep(0.2)
    raise AssertionError(f"{name} = {server.gauge(name)} after {timeout} s (want {want})")


def test_vanished_client_caches_freed_after_timeout(server):
    from bdcompile.serving.client import DenoiseClient, DigitsGeneration, GenerationLost

    _wait_gauge(server, "live_sequences", 0, 5)  # the gauges are refreshed within a second
    _wait_gauge(server, "cache_bytes", 0, 5)
    c = DenoiseClient(server.http_address)
    gens = [DigitsGeneration(c, seq_id=2000 + j, label=j, seed=j) for j in range(3)]
    for g in gens:
        for _ in range(12):  # past the first reuse step: caches held
            g.step()
    t_last = time.monotonic()
    _wait_gauge(server, "live_sequences", 3, 3)
    _wait_gauge(server, "cache_bytes", 3 * 2 * 16 * 64 * 4, 3)
    c.close()  # the client vanishes: no END
    _wait_gauge(server, "live_sequences", 0, IDLE_S + 10)
    assert server.gauge("cache_bytes") == 0
    assert time.monotonic() - t_last >= IDLE_S  # freed by the timeout, not before
    c = DenoiseClient(server.http_address)
    with pytest.raises(GenerationLost, match="start the generation again"):
        gens[0].client = c
        gens[0].step()
    c.close()


def test_bad_requests_get_clear_errors_and_others_keep_going(server, references):
    import numpy as np

    from bdcompile.serving.client import DenoiseClient, DigitsGeneration, GenerationLost, StepRejected

    good = {}

    def other(k):
        c = DenoiseClient(server.http_address)
        g = DigitsGeneration(c, seq_id=3000 + k, label=k, seed=100 + k)
        g.run()
        good[k] = g
        c.close()

    worker = threading.Thread(target=lambda: [other(k) for k in range(2)])
    worker.start()
    c = DenoiseClient(server.http_address)
    x = np.zeros((2, 1, 8, 8), np.float32)
    t = np.full((2,), 999.0, np.float32)
    lab = np.array([3, 1000], np.int64)
    ok = dict(hidden_states=x, timestep=t, class_labels=lab)
    with pytest.raises(StepRejected, match="hidden_states") as e:
        c.step(3100, dict(ok, hidden_states=np.zeros((2, 1, 4, 4), np.float32)), start=True)
    print("wrong shape:", e.value)
    with pytest.raises(StepRejected, match="(?i)data ?type|datatype|FP64") as e:
        c.step(3101, dict(ok, timestep=t.astype(np.float64)), start=True)
    print("wrong dtype:", e.value)
    with pytest.raises(GenerationLost, match="START") as e:
        c.step(3102, ok)  # never started
    print("unknown sequence:", e.value)
    c.step(3103, ok, start=True)
    c.step(3103, ok, end=True)
    with pytest.raises(GenerationLost, match="START") as e:
        c.step(3103, ok)  # ended
    print("ended sequence:", e.value)
    with pytest.raises(StepRejected, match="ACTION=reuse refused.*must be a full step") as e:
        c.step(3104, ok, start=True, action="reuse")
    print("reuse before a full step:", e.value)
    with pytest.raises(StepRejected, match="ACTION must be one of") as e:
        c.step(3104, ok, action="sometimes")
    out, action, _ = c.step(3104, ok, action="full")  # the sequence goes on after its refused requests
    assert action == "full"
    out, action, _ = c.step(3104, dict(ok, timestep=t - 50), action="reuse", end=True)
    assert action == "reuse"
    c.close()
    worker.join(timeout=300)
    assert sorted(good) == [0, 1]
    for k, g in good.items():
        image, actions = references[(k, 100 + k)]
        torch.testing.assert_close(g.image(), image, **TOL)
        assert g.actions == actions
    assert server.ready()


def test_server_killed_and_restarted_under_load(server, references):
    """Kill -9 mid-generation: every in-flight generation gets GenerationLost; after a restart a retry succeeds."""
    from bdcompile.serving.client import DenoiseClient, DigitsGeneration, GenerationLost

    lost, steps_done, done = {}, {}, {}
    started = threading.Barrier(5)

    def client(k):
        c = DenoiseClient(server.http_address, timeout=30)
        g = DigitsGeneration(c, seq_id=4000 + k, label=k, seed=100 + k)
        g.step()
        started.wait(timeout=60)
        try:
            while not g.done:
                g.step()
                time.sleep(0.02)
            done[k] = g
        except GenerationLost as e:
            lost[k] = e
            steps_done[k] = g.i
            g.run(retries=1, ready_timeout=300)  # waits for the server, starts the generation over
            done[k] = g
        c.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    started.wait(timeout=120)
    time.sleep(0.1)
    server.kill()
    time.sleep(1.0)
    server.start(timeout=300)
    for t in threads:
        t.join(timeout=600)
    assert len(lost) == 4, f"expected every in-flight generation to be told: lost {sorted(lost)}, done {sorted(done)}"
    for e in lost.values():
        assert "start the generation again" in str(e)
    assert all(0 < s < S for s in steps_done.values())
    for k, g in done.items():
        image, actions = references[(k, 100 + k)]
        torch.testing.assert_close(g.image(), image, **TOL)
        assert g.actions == actions


# ------------------------------------------------------------------------------ the MNIST MMDiT, README quick start
README = Path(__file__).resolve().parents[1] / "README.md"
MNIST_LABELS, MNIST_SEEDS = [3, 1, 4, 1, 5], [0, 1, 2, 3, 4]


def readme_serving():
    """The README's serving quick start: (bash lines of "Start a server", the Python of "Get images from a client")."""
    text = README.read_text()
    sec = text[text.index("## Serving on NVIDIA Triton Inference Server") :]
    bash = re.search(r"\*\*Start a server\*\*.*?```bash\n(.*?)```", sec, re.S).group(1).strip().splitlines()
    client = re.search(r"\*\*Get images from a client\*\*.*?```python\n(.*?)```", sec, re.S).group(1)
    return bash, client


@pytest.fixture(scope="module")
def readme_mnist(triton_setup, tmp_path_factory):
    """The README's export line run as written in a fresh folder (the MNIST MMDiT, paper schedule):
    (folder, the serve line)."""
    from bdcompile.cli import main

    bash, _ = readme_serving()
    assert bash[0].startswith("pip install") and "serving_venv.sh" in bash[0]  # the setup line (done by CI)
    assert bash[1].startswith("bdcompile export --model mnist ") and bash[2].startswith("bdcompile serve ")
    cwd = tmp_path_factory.mktemp("readme_mnist")
    old = os.getcwd()
    os.chdir(cwd)
    try:
        assert main(shlex.split(bash[1])[1:]) == 0
    finally:
        os.chdir(old)
    return cwd, bash[2]


def _stock_pipeline_images(labels, seeds, num_steps=S):
    """The same images from the stock StableDiffusion3Pipeline with the eager model, one call per image."""
    from bdcompile.zoo import mnist_mmdit as M

    tr = M.load_transformer()
    pipe = M.load_pipeline(tr)
    return torch.cat(
        [
            M.sample(tr, [lab], num_steps, generator=torch.Generator().manual_seed(seed), pipe=pipe)
            for lab, seed in zip(labels, seeds)
        ]
    )


def _psnr(a, b) -> float:
    return float(10 * torch.log10(1 / ((a.double() - b.double()) ** 2).mean()))


def test_readme_serving_quick_start_mnist(triton_setup, readme_mnist):
    """`bdcompile serve out/triton` and the README's five-line client, as written (other ports): the served MNIST
    images (BlockDance's schedule in the server) equal the exported model's generation in-process, same seeds."""
    from bdcompile.serving.client import wait_ready
    from bdcompile.serving.pipelines import MNIST
    from bdcompile.serving.server import free_port

    cwd, serve_line = readme_mnist
    _, client = readme_serving()
    den = (cwd / "out" / "triton" / "mnist" / "config.pbtxt").read_text()
    assert "dims: [ 1, 28, 28 ]" in den and '"pipeline" value: { string_value: "mnist" }' in den
    http_port, metrics_port = free_port(), free_port()
    env = dict(
        os.environ,
        BDC_SERVING_PYTHON=str(triton_setup.python),
        PYTHONPATH=os.pathsep.join([str(README.parent)] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
    )
    argv = shlex.split(serve_line)[1:] + ["--http-port", str(http_port), "--metrics-port", str(metrics_port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bdcompile"] + argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_ready(f"127.0.0.1:{http_port}", timeout=300)
        scope: dict = {}
        exec(compile(client.replace("127.0.0.1:8000", f"127.0.0.1:{http_port}"), str(README), "exec"), scope)
        images = torch.from_numpy(scope["images"].copy())
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out = proc.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out = proc.communicate()[0]
    print(out[-2000:])
    assert "tritonserver ready" in out and "generate_images" in out
    assert images.shape == (4, 1, 28, 28)
    labels, seeds = [3, 1, 4, 1], [0, 1, 2, 3]
    export = cwd / "out" / "mnist"
    want = MNIST.generate(load(export), {"labels": torch.tensor(labels), "seeds": torch.tensor(seeds)}, num_steps=S)[
        "IMAGE"
    ]
    torch.testing.assert_close(images, want, rtol=0, atol=1e-4)
    uncached = _stock_pipeline_images(labels, seeds)
    db = _psnr(images, uncached)
    print(f"served with BlockDance's schedule vs the uncached stock pipeline: {db:.1f} dB")
    assert 30 < db < 200  # reuse steps ran (not equal to uncached) and kept the image


def test_mnist_model_uncached_equals_stock_pipeline(triton_setup, readme_mnist, tmp_path):
    """The same export served with caching off: the images of the stock StableDiffusion3Pipeline, same seeds."""
    from bdcompile.serving import TritonServer, write_repository
    from bdcompile.serving.client import generate_images

    cwd, _ = readme_mnist
    repo = write_repository(cwd / "out" / "mnist", tmp_path / "repo", caching=False, pipeline="mnist")
    srv = TritonServer(repo, python=triton_setup.python)
    try:
        srv.start(timeout=300)
        images = torch.from_numpy(generate_images(srv.http_address, MNIST_LABELS, MNIST_SEEDS).copy())
        assert srv.ready()
    finally:
        srv.close()
    torch.testing.assert_close(images, _stock_pipeline_images(MNIST_LABELS, MNIST_SEEDS), rtol=0, atol=1e-4)
