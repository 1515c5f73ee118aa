"""Train a BlockDance-Ada policy on a class-conditional transformer: the embedded digits DiT (default) or
the embedded MNIST MMDiT (``--model mnist``).

    python -m bdcompile.ada_train --out bdcompile/zoo/ --iters 200 --samples 4 --lam 2
    python -m bdcompile.ada_train --model mnist --actions full,reuse@9,residual@9,residual@12 \
        --boundary 12 --init static-residual --quality psnr --lam 0.25 --out /tmp/ada

``--actions``: what a plan chooses from at each step, ``full`` first. ``full,reuse`` (default) is the
original Bernoulli policy (reward: fraction of reused steps + lam * quality); with three or more actions
the policy has a categorical head and the reward is the fraction of block evaluations saved (per action,
:func:`bdcompile.ada.action_savings`) + lam * quality.

Each state (the latent at the step where the window opens, and its conditioning) is rolled out with
``--samples`` independently sampled plans; their mean reward is each other's baseline (RLOO).
Training starts from the static schedule (``--init static``: probability 0.8 of the skip action on the
static plan's skipped steps; ``static-residual`` the same with residual at the boundary; or a plan string)
and learns where to deviate from it, per instance.

Rollouts are eager and batched: every sample of a batch follows its own plan through the backend's step
decision (one :class:`~bdcompile.runtime.step.Track` per sample, with the backend's cache groups
``v@b`` / ``r@b``); forward hooks on block ``b - 1`` apply a sample's skip at boundary ``b``: its cached
values replace what blocks ``[0, b)`` computed (reuse), or the input of block 0 plus the cached residual of
those blocks does (residual; ``b`` = every block skips the stack). Tests pin each sample to a batch-1
generation through ``backend="blockdance"`` and to the eager oracles of ``tests/oracle.py``.
Quality is the SSIM or PSNR of the result to the uncached result of the same noise, or the embedded
classifier's confidence for the requested class.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from .ada import BINARY, AdaPolicy, Reinforce, action_savings, check_actions
from .options import default_boundary
from .schedules import FULL, RESIDUAL, REUSE, action_token, parse_action


class Env:
    """The sampling loop of a class-conditional transformer with per-sample plans: CFG as one doubled batch.

    Models: ``DiTTransformer2DModel`` (DDIM, class labels, conditional half first) and
    ``SD3Transformer2DModel`` (flow-matching Euler, ``encode(labels) -> (prompt_embeds, negative_prompt_embeds,
    pooled, negative_pooled)``, unconditional half first: the embedded MNIST MMDiT by default).

    ``actions``: the step actions a plan chooses from (``"full"`` first; ``"reuse"``, ``"residual"`` at
    ``boundary`` or at their own, ``"reuse@b"``, ``"residual@b"``; ``residual@<blocks>`` skips the whole
    stack). Decision ``k`` of a sample's plan is an index into ``actions`` for step ``start + k``.
    """

    def __init__(
        self, model, num_steps=20, guidance=3.0, boundary=None, warmup=0.4, scheduler=None, actions=BINARY, encode=None
    ):
        from diffusers import DDIMScheduler

        self.model = model.eval()
        self.cfg = model.config
        self.num_steps = num_steps
        self.guidance = guidance
        self.blocks = model.transformer_blocks
        n = len(self.blocks)
        self.boundary = boundary or default_boundary(n)
        self.start = math.ceil(warmup * num_steps - 1e-9)
        self.mmdit = type(model).__name__ == "SD3Transformer2DModel"
        if self.mmdit:
            if encode is None:
                from .zoo import mnist_mmdit

                encode = mnist_mmdit.encode_labels
                scheduler = scheduler or mnist_mmdit.make_scheduler()
            self.encode = encode
            self.cond_first = False
        else:
            self.null = self.cfg.num_embeds_ada_norm
            self.cond_first = True
        if scheduler is None:
            from diffusers import FlowMatchEulerDiscreteScheduler

            scheduler = FlowMatchEulerDiscreteScheduler() if self.mmdit else DDIMScheduler()
        self.scheduler = scheduler
        self.scheduler.set_timesteps(num_steps)
        self.actions = check_actions(actions)
        self.resolved = []  # per action: (kind, boundary, cache group) or (full, None, None)
        for a in self.actions:
            kind, b = parse_action(a)
            if kind == FULL:
                self.resolved.append((FULL, None, None))
                continue
            if kind not in (REUSE, RESIDUAL):
                raise ValueError(f"ada_train.Env: action {a!r}: the environment applies full, reuse and residual")
            b = b if b is not None else self.boundary
            if not 1 <= b <= (n if kind == RESIDUAL else n - 1):
                raise ValueError(
                    f"ada_train.Env: action {a!r} has boundary {b}; the model has {n} blocks "
                    f"(reuse: 1..{n - 1}, residual: 1..{n})"
                )
            self.resolved.append((kind, b, f"{'v' if kind == REUSE else 'r'}@{b}"))
        # the backend's cache groups and step actions: "v@b" the values leaving block b - 1, "r@b" what
        # blocks [0, b) added to their input; each action (as written, and with its boundary) reads one
        self.groups = sorted({g for _, _, g in self.resolved if g is not None})
        self.needs = {}
        for a, (kind, b, g) in zip(self.actions, self.resolved, strict=True):
            if g is not None:
                self.needs[a] = self.needs[action_token(kind, b)] = [g]
        self.boundaries = sorted({b for _, b, _ in self.resolved if b is not None})

    # ------------------------------------------------------------------ the model call
    def _call(self, labels):
        """``predict(x2, t)``: one model call on the doubled batch (rows ``i`` and ``B + i`` are sample ``i``)."""
        if not self.mmdit:
            from .sampling import class_conditional

            return class_conditional(self.model, labels, self.null)
        pe, npe, pooled, npooled = self.encode(labels)
        ctx, pool = torch.cat([npe, pe]), torch.cat([npooled, pooled])

        def predict(x2, t):
            return self.model(
                hidden_states=x2,
                timestep=t.expand(len(x2)),
                encoder_hidden_states=ctx,
                pooled_projections=pool,
                return_dict=False,
            )[0]

        return predict

    def state_cond(self, labels) -> torch.Tensor:
        """The policy's conditioning input: the class labels (DiT) or the pooled conditional embedding
        (MMDiT: what the backend's policy sees as ``pooled_projections``)."""
        return self.encode(labels)[2] if self.mmdit else torch.as_tensor(labels)

    def _predict(self, labels, tracks):
        """``predict`` where sample ``i`` follows ``tracks[i]``: each call asks every track for its step's
        decision (:meth:`Track.begin`, with the backend's cache groups), applies it to the sample's rows
        with hooks on the blocks, and hands a full step's cache groups to :meth:`Call.keep`."""
        call = self._call(labels)
        b = len(tracks)
        blocks = self.blocks

        def rows(i):
            return [i, b + i]

        def predict(x2, t):
            calls = [tr.begin(0, needs=self.needs) for tr in tracks]
            plan = [
                self.resolved[self.actions.index(c.action)] if c.action != FULL else (FULL, None, None) for c in calls
            ]
            kept = [{} for _ in range(b)]
            state = {}

            def pre(module, args, kwargs):
                state["in"] = [a for a in list(args) + list(kwargs.values()) if isinstance(a, torch.Tensor)]

            def post(boundary):
                def hook(module, args, out):
                    seq = out if isinstance(out, (tuple, list)) else [out]
                    outs = [o for o in seq if isinstance(o, torch.Tensor)]
                    bases = [_stream_base(o, state["in"]) for o in outs]
                    new = [o.clone() for o in outs]
                    for i, (kind, bi, group) in enumerate(plan):
                        if kind == FULL:
                            for g in self.groups:
                                if int(g[2:]) == boundary:
                                    kept[i][g] = [
                                        o[rows(i)] if g[0] == "v" or x is None else o[rows(i)] - x[rows(i)]
                                        for o, x in zip(outs, bases, strict=True)
                                    ]
                        elif bi == boundary:
                            cached = calls[i].values(group)
                            for j, (o, x) in enumerate(zip(new, bases, strict=True)):
                                o[rows(i)] = cached[j] if kind == REUSE or x is None else x[rows(i)] + cached[j]
                    if isinstance(out, torch.Tensor):
                        return new[0]
                    it = iter(new)
                    return type(out)(next(it) if isinstance(o, torch.Tensor) else o for o in out)

                return hook

            handles = [blocks[0].register_forward_pre_hook(pre, with_kwargs=True)]
            handles += [blocks[bb - 1].register_forward_hook(post(bb)) for bb in self.boundaries]
            try:
                out = call(x2, t)
            finally:
                for h in handles:
                    h.remove()
            for i, c in enumerate(calls):
                if c.action == FULL:
                    c.keep(kept[i])
            return out

        return predict

    def _loop(self, x, labels, timesteps, tracks):
        from .sampling import denoise

        return denoise(
            self._predict(labels, tracks),
            self.scheduler,
            x,
            timesteps,
            guidance=self.guidance,
            cond_first=self.cond_first,
        )

    @torch.no_grad()
    def warm(self, noise, labels):
        """Full steps before the window: the policy's state (latent at ``start``) and the cache (per cache
        group, the values each sample's last warm-up step kept: a list of [batch, 2, ...] tensors, the
        sample's two rows of the doubled batch)."""
        tracks = self._tracks(None, None, len(noise), warm=True)
        x = self._loop(noise, labels, self.scheduler.timesteps[: self.start], tracks)
        if self.start == 0 or not self.groups:
            return x, None
        cache = {
            g: [
                torch.stack([tr.caches[0].groups[g][j] for tr in tracks])
                for j in range(len(tracks[0].caches[0].groups[g]))
            ]
            for g in self.groups
        }
        return x, cache

    @staticmethod
    def repeat(cache, k: int):
        """The cache of each sample repeated ``k`` times (rollouts of a state are adjacent rows)."""
        return None if cache is None else {g: [v.repeat_interleave(k, 0) for v in vals] for g, vals in cache.items()}

    @torch.no_grad()
    def finish(self, x, cache, labels, actions):
        """Steps from ``start`` on; ``actions[i, k]`` = the index into :attr:`actions` of sample ``i``'s
        action at step ``start + k`` (``None``: all full).

        Each sample follows its plan through the backend's own step decision (one track per sample,
        :mod:`bdcompile.runtime.step`): which steps skip, and which cache group they read. A reuse at
        boundary ``b`` replaces what blocks ``[0, b)`` computed by the sample's cached values; a residual
        at ``b`` by the input of block 0 plus the cached residual of blocks ``[0, b)``."""
        tracks = self._tracks(actions, cache, x.shape[0])
        return self._loop(x, labels, self.scheduler.timesteps[self.start :], tracks)

    def plans(self, actions) -> list:
        """Each sample's whole plan as step action tokens."""
        return [[FULL] * self.start + [self.actions[int(a)] for a in row] for row in actions.tolist()]

    def _tracks(self, actions, cache, b, warm=False):
        """One generation per sample, its clock at the window's start, its cache the warm-up's last
        full step (both rows of the doubled batch, for every cache group)."""
        from .options import Settings
        from .runtime import Generation, Instance

        if not hasattr(self, "_config"):
            settings = Settings(num_steps=self.num_steps, step_source="counter", boundary=self.boundary, inner="eager")
            self._instance = Instance(name="ada-env")
            self._config = self._instance.config("env", settings)
        tracks = []
        for i in range(b):
            tr = Generation(self._instance, num_steps=self.num_steps, scoped=True).track(self._config)
            decided = [0] * self.decisions if actions is None else [int(a) for a in actions[i].tolist()]
            tr.set_plan([FULL] * self.start + [self.actions[a] for a in decided])
            if not warm:
                for s in range(self.start):
                    call = tr.begin(0, needs=self.needs)
                    if s == self.start - 1 and cache is not None:
                        call.keep({g: list(v[i] for v in vals) for g, vals in cache.items()})
            tracks.append(tr)
        return tracks

    @property
    def decisions(self) -> int:
        return self.num_steps - self.start

    @property
    def num_blocks(self) -> int:
        return len(self.blocks)

    def savings(self) -> list[float]:
        """Per action, the fraction of block evaluations it saves."""
        return action_savings(self.actions, self.num_blocks, self.boundary)


def _stream_base(out: torch.Tensor, inputs: list):
    """The input of block 0 that ``out`` (a tensor leaving a later block) is the residual stream of: the
    one of the same shape and dtype (None where there is none)."""
    return next((x for x in inputs if x.shape == out.shape and x.dtype == out.dtype), None)


def static_decisions(env: Env, interval: int = 2, stop: float = 0.95, kind: str = REUSE) -> list[int]:
    """The static schedule's plan on the steps the policy decides, as action indices of ``env.actions``:
    its skipped steps take the action of ``kind`` at the environment's boundary."""
    from .schedules import StaticSchedule

    skip = next((i for i, r in enumerate(env.resolved) if r[:2] == (kind, env.boundary)), None)
    if skip is None:
        raise ValueError(f"ada_train: init='static' needs the action {kind}@{env.boundary} among {list(env.actions)}")
    plan = StaticSchedule(warmup=env.start / env.num_steps, stop=stop, interval=interval).plan(env.num_steps)
    return [skip if a == REUSE else 0 for a in plan[env.start :]]


def init_decisions(env: Env, init: str) -> list[int] | None:
    """A starting plan: ``"uniform"`` none; ``"static"`` / ``"static-residual"`` the static schedule
    (N = 2) with reuse / residual at the boundary; otherwise a plan string for the decided steps
    (``"FrFR12..."``, its tokens among the environment's actions)."""
    from .schedules import parse_plan_string

    if init == "uniform":
        return None
    if init in ("static", "static-residual"):
        return static_decisions(env, kind=REUSE if init == "static" else RESIDUAL)
    try:
        tokens = parse_plan_string(init)
    except ValueError:
        raise ValueError(
            "ada_train: init is 'static', 'static-residual', 'uniform' or a plan string of the decided "
            f"steps; got {init!r}"
        ) from None
    if len(tokens) != env.decisions or any(t not in env.actions for t in tokens):
        raise ValueError(f"ada_train: init plan {init!r}: {env.decisions} steps, each one of {list(env.actions)}")
    return [env.actions.index(t) for t in tokens]


def make_policy(env: Env, dim: int = 64, depth: int = 2) -> AdaPolicy:
    cfg = env.cfg
    cond = (
        dict(cond_dim=env.state_cond(torch.zeros(1, dtype=torch.long)).shape[-1])
        if env.mmdit
        else dict(num_classes=cfg.num_embeds_ada_norm)
    )
    return AdaPolicy(
        cfg.in_channels,
        cfg.sample_size,
        env.decisions,
        dim=dim,
        depth=depth,
        actions=env.actions,
        patch=4 if cfg.sample_size % 4 == 0 and cfg.sample_size >= 16 else 2,
        **cond,
    )


def fixed_plans(env: Env, intervals=(2, 3, 4), stop: float = 0.95) -> dict:
    """Static plans over the decided steps, one per skip action and interval N (the window from the
    policy's start to ``stop``, N-1 of every N steps skipped): name -> action indices."""
    from .schedules import StaticSchedule

    out = {}
    for idx, a in enumerate(env.actions[1:], 1):
        for n in intervals:
            plan = StaticSchedule(warmup=env.start / env.num_steps, stop=stop, interval=n).plan(env.num_steps)
            out[f"static {a} N={n}"] = [idx if p == REUSE else 0 for p in plan[env.start :]]
    return out


PSNR_CAP = 50.0  # dB: an all-full plan is exact (infinite PSNR); no reward above this


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR (dB) of images in [0, 1]."""
    mse = (a.float() - b.float()).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(1.0 / mse)


def train(
    env: Env,
    iters: int,
    batch: int,
    lam: float,
    quality: str,
    lr: float,
    seed: int = 0,
    classifier=None,
    decode=None,
    progress: bool = True,
    samples: int = 4,
    init: str = "static",
    classes=tuple(range(10)),
    savings=None,
):
    """REINFORCE on ``env``; returns the policy and the per-iteration statistics. ``savings``: per action
    (default: the fraction of block evaluations each saves; the original reward, the fraction of
    reused steps, for a two-action environment)."""
    from tqdm import tqdm

    from .metrics import ssim_per_image

    if quality not in ("ssim", "psnr", "classifier"):
        raise ValueError(
            "ada_train: quality is 'ssim' or 'psnr' (to the uncached result; psnr in tens of dB, capped "
            f"at 50 dB) or 'classifier' (its confidence); got {quality!r}"
        )
    if quality == "classifier" and classifier is None:
        raise ValueError("ada_train: quality='classifier' needs a classifier")
    torch.manual_seed(seed)
    cfg = env.cfg
    policy = make_policy(env)
    start_plan = init_decisions(env, init)
    if start_plan is not None:
        policy.init_plan(start_plan)
    if savings is None and len(env.actions) > 2:
        savings = env.savings()
    trainer = Reinforce(policy, lr=lr, lam=lam, samples=samples, savings=savings)
    decode = decode or (lambda x: x)
    classes = torch.as_tensor(list(classes))
    bar = tqdm(range(iters), desc=f"REINFORCE lam={lam}", disable=not progress)
    for it in bar:
        g = torch.Generator().manual_seed(seed * 100003 + it)
        labels = classes[torch.randint(0, len(classes), (batch,), generator=g)]
        noise = torch.randn(batch, cfg.in_channels, cfg.sample_size, cfg.sample_size, generator=g)
        x, cache = env.warm(noise, labels)
        ref = decode(env.finish(x, cache, labels, None)) if quality in ("ssim", "psnr") else None
        rep = lambda v: v.repeat_interleave(samples, 0)  # noqa: E731  (rollouts of a state are adjacent rows)

        def q(actions, x=x, cache=cache, labels=labels, ref=ref, rep=rep):  # bound: trainer.step calls it now
            img = decode(env.finish(rep(x), env.repeat(cache, samples), rep(labels), actions))
            if quality == "ssim":
                return ssim_per_image(img, rep(ref))
            if quality == "psnr":
                return psnr(img, rep(ref)).clamp_max(PSNR_CAP) / 10
            return classifier(img).softmax(-1).gather(1, rep(labels)[:, None])[:, 0]

        stats = trainer.step(x, env.state_cond(labels), q)
        bar.set_postfix(
            reward=f"{stats['reward']:.3f}",
            saved=f"{stats['saved']:.2f}",
            greedy=f"{stats['greedy_saved']:.2f}",
            quality=f"{stats['quality']:.3f}",
        )
    return policy, trainer.history


@torch.no_grad()
def evaluate_plans(
    env: Env, plans: dict, n: int = 32, seed: int = 12345, decode=None, classes=tuple(range(10)), batch: int = 16
) -> dict:
    """PSNR / SSIM to the uncached result and block evaluations saved, per entry of ``plans``: name ->
    an AdaPolicy (its greedy plan per sample) or a fixed list of decisions (action indices)."""
    from .metrics import ssim_per_image

    decode = decode or (lambda x: x)
    g = torch.Generator().manual_seed(seed)
    classes = torch.as_tensor(list(classes))
    labels = classes[torch.arange(n) % len(classes)]
    noise = torch.randn(n, env.cfg.in_channels, env.cfg.sample_size, env.cfg.sample_size, generator=g)
    sav = torch.tensor(env.savings())
    out = {name: {"psnr": [], "ssim": [], "saved": []} for name in plans}
    for lo in range(0, n, batch):
        lab, nz = labels[lo : lo + batch], noise[lo : lo + batch]
        x, cache = env.warm(nz, lab)
        ref = decode(env.finish(x, cache, lab, None))
        for name, p in plans.items():
            if isinstance(p, AdaPolicy):
                probs = p.action_probs(x, env.state_cond(lab))
                acts = probs.argmax(-1)
            else:
                acts = torch.as_tensor(p).long().expand(len(lab), -1)
            img = decode(env.finish(x, cache, lab, acts))
            out[name]["psnr"].append(psnr(img, ref))
            out[name]["ssim"].append(ssim_per_image(img, ref))
            # saved over the whole generation (warm-up steps run in full)
            out[name]["saved"].append(sav[acts].sum(1) / env.num_steps)
    return {name: {k: float(torch.cat(v).mean()) for k, v in d.items()} for name, d in out.items()}


def plot_history(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3))
    for ax, key in zip(axes, ("reward", "reuse", "quality")):
        if key == "reuse" and "greedy_reuse" in history[0]:
            ax.plot([h["greedy_reuse"] for h in history], label="greedy plan (p > 0.5)")
        vals = torch.tensor([h[key] for h in history])
        k = max(1, len(vals) // 30)
        smooth = torch.nn.functional.avg_pool1d(vals[None, None], k, 1)[0, 0] if len(vals) >= k else vals
        ax.plot(vals.numpy(), alpha=0.3)
        ax.plot(range(k - 1, k - 1 + len(smooth)), smooth.numpy())
        ax.set_title(key + (" (sampled plans)" if key != "reward" else ""))
        if key == "reuse" and "greedy_reuse" in history[0]:
            ax.legend(fontsize=7)
        ax.set_xlabel("iteration")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def saved_at_psnr(points: list, target: float):
    """Block evaluations saved by a family of plans at PSNR ``target``: linear interpolation between the two
    of ``points`` ((psnr, saved), one family) that bracket it; None outside their range."""
    pts = sorted(points)
    for (p0, s0), (p1, s1) in zip(pts, pts[1:], strict=False):
        if p0 <= target <= p1:
            return s0 if p1 == p0 else s0 + (s1 - s0) * (target - p0) / (p1 - p0)
    return None


def evaluate_main(path, n: int, seed: int, intervals=(2, 3, 4, 6)) -> dict:
    """``--evaluate``: a trained policy's greedy plans against the static plans of each of its skip actions
    on ``n`` held-out seeds: PSNR / SSIM to the uncached result, block evaluations saved (whole generation),
    and each static family's saving at the policy's PSNR (interpolated)."""
    from .ada import load_policy
    from .zoo import digits, mnist_mmdit

    policy, meta = load_policy(path)
    zoo = mnist_mmdit if meta.get("model") == "mnist" else digits
    env = Env(
        zoo.load_transformer(),
        num_steps=meta["num_steps"],
        scheduler=zoo.make_scheduler(),
        boundary=meta["boundary"],
        actions=policy.actions,
        guidance=meta.get("guidance", 3.0),
    )
    plans = {"ada": policy}
    plans.update(fixed_plans(env, intervals))
    res = evaluate_plans(env, plans, n=n, seed=seed, decode=zoo.decode)
    with torch.no_grad():  # how varied the policy's plans are over the evaluation states
        g = torch.Generator().manual_seed(seed)
        labels = torch.arange(n) % 10
        noise = torch.randn(n, env.cfg.in_channels, env.cfg.sample_size, env.cfg.sample_size, generator=g)
        x, _ = env.warm(noise, labels)
        greedy = policy.action_probs(x, env.state_cond(labels)).argmax(-1)
    from .schedules import plan_string

    distinct = sorted({plan_string(p[env.start :]) for p in env.plans(greedy)})
    target = res["ada"]["psnr"]
    at_same = {}
    for a in env.actions[1:]:
        pts = [(r["psnr"], r["saved"]) for k, r in res.items() if k.startswith(f"static {a} ")]
        at_same[a] = saved_at_psnr(pts, target)
    return dict(
        policy=str(path), n=n, seed=seed, results=res, distinct_plans=distinct, static_saved_at_policy_psnr=at_same
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--model",
        choices=["digits", "mnist"],
        default="digits",
        help="embedded model: the class-conditional digits DiT, or the MNIST MMDiT (SD3)",
    )
    ap.add_argument("--out", default="bdcompile/zoo/")
    ap.add_argument(
        "--name",
        default=None,
        help="file stem of the policy (.safetensors, .json, .png); default: digits_ada_policy / mnist_ada_policy",
    )
    ap.add_argument(
        "--actions",
        default="full,reuse",
        help="the step actions a plan chooses from, 'full' first: 'full,reuse' (the original Bernoulli "
        "policy) or e.g. 'full,reuse@9,residual@12' (a categorical one)",
    )
    ap.add_argument("--boundary", type=int, default=None, help="boundary of actions that name none (default: 75%%)")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--batch", type=int, default=16, help="states per iteration")
    ap.add_argument(
        "--samples", type=int, default=4, help="rollouts (sampled plans) per state; > 1 uses the RLOO baseline"
    )
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--lam", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--init",
        default="static",
        help="'static' (the static plan, reuse), 'static-residual', 'uniform' or a plan string",
    )
    ap.add_argument(
        "--classes", default="0,1,2,3,4,5,6,7,8,9", help="classes seen in training (hold some out to test on them)"
    )
    ap.add_argument("--quality", choices=["ssim", "psnr", "classifier"], default="ssim")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument(
        "--evaluate",
        default=None,
        metavar="POLICY",
        help="evaluate a trained policy (.safetensors) against static plans instead of training",
    )
    ap.add_argument("--eval-n", type=int, default=32, help="--evaluate: held-out samples")
    ap.add_argument("--eval-seed", type=int, default=12345)
    ap.add_argument("--eval-intervals", default="2,3,4,6", help="--evaluate: N of the static plans compared")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.evaluate:
        out = evaluate_main(
            args.evaluate, args.eval_n, args.eval_seed, tuple(int(v) for v in args.eval_intervals.split(","))
        )
        for k, r in out["results"].items():
            print(f"{k:28s} PSNR {r['psnr']:6.2f} dB  SSIM {r['ssim']:.4f}  block evaluations saved {r['saved']:.3f}")
        print("policy's distinct plans (decided steps):", out["distinct_plans"])
        print("static saving at the policy's PSNR:", out["static_saved_at_policy_psnr"])
        print(json.dumps(out))
        return

    from .ada import save_policy
    from .zoo import digits, mnist_mmdit

    zoo = mnist_mmdit if args.model == "mnist" else digits
    name = args.name or ("mnist_ada_policy" if args.model == "mnist" else "digits_ada_policy")
    classes = [int(c) for c in args.classes.split(",")]
    model = zoo.load_transformer()
    env = Env(
        model,
        num_steps=args.steps,
        scheduler=zoo.make_scheduler(),
        boundary=args.boundary,
        actions=tuple(a.strip() for a in args.actions.split(",")),
    )
    t0 = time.time()
    policy, history = train(
        env,
        args.iters,
        args.batch,
        args.lam,
        args.quality,
        args.lr,
        seed=args.seed,
        classifier=zoo.load_classifier() if args.quality == "classifier" else None,
        decode=zoo.decode,
        samples=args.samples,
        init=args.init,
        classes=classes,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = dict(
        boundary=env.boundary,
        start=env.start,
        num_steps=args.steps,
        guidance=env.guidance,
        lam=args.lam,
        quality=args.quality,
        iters=args.iters,
        batch=args.batch,
        samples=args.samples,
        init=args.init,
        classes=classes,
        model=args.model,
        num_blocks=env.num_blocks,
        savings=reward_savings(env),
        lr=args.lr,
        seed=args.seed,
        threads=torch.get_num_threads(),
        train_seconds=round(time.time() - t0, 1),
        final=history[-1],
    )
    if env.mmdit:  # what the backend's policy reads: the pipeline's inputs, CFG [uncond; cond]
        meta["dispatch"] = dict(
            latent_arg="hidden_states", cond_arg="pooled_projections", cfg_batch=True, cond_first=False
        )
    save_policy(policy, out / f"{name}.safetensors", **meta)
    meta = dict(policy.config, **meta)
    (out / f"{name}_history.json").write_text(json.dumps(history))
    plot_history(history, out / f"{name}_training.png")
    print(json.dumps(meta, indent=1))


def reward_savings(env: Env) -> list[float]:
    """The per-action savings the reward used (see :func:`train`)."""
    return env.savings() if len(env.actions) > 2 else [0.0, 1.0]


if __name__ == "__main__":
    main()
