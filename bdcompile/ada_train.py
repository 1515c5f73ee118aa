"""Train a BlockDance-Ada policy on a class-conditional DiT (the embedded digits model by default).

    python -m bdcompile.ada_train --out bdcompile/zoo/ --iters 200 --samples 4 --lam 2

Each state (the latent at the step where the window opens, and its class) is rolled out with
``--samples`` independently sampled plans; their mean reward is each other's baseline (RLOO).
Training starts from the static schedule (``--init static``: p = 0.8 of reusing on the static
plan's reuse steps, 0.2 elsewhere) and learns where to deviate from it, per instance.

Rollouts are eager and batched: every sample of a batch follows its own Bernoulli plan, with the
hidden states entering block ``boundary`` taken from the sample's cache where it reuses (a forward
hook on block ``boundary - 1`` swaps them in), exactly BlockDance's semantics per sample.
Quality is the SSIM of the result to the uncached result of the same noise, or the embedded
classifier's confidence for the requested class.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from .ada import AdaPolicy, Reinforce
from .options import default_boundary
from .schedules import FULL, REUSE


class Env:
    """DDIM + classifier-free guidance on a class-conditional ``DiTTransformer2DModel``."""

    def __init__(self, model, num_steps=20, guidance=3.0, boundary=None, warmup=0.4, scheduler=None):
        from diffusers import DDIMScheduler

        self.model = model.eval()
        self.cfg = model.config
        self.num_steps = num_steps
        self.guidance = guidance
        self.blocks = model.transformer_blocks
        self.boundary = boundary or default_boundary(len(self.blocks))
        self.start = math.ceil(warmup * num_steps - 1e-9)
        self.scheduler = scheduler or DDIMScheduler()
        self.scheduler.set_timesteps(num_steps)
        self.null = self.cfg.num_embeds_ada_norm

    def _predict(self, labels, swap=None):
        """One model call on the doubled batch (:func:`bdcompile.sampling.class_conditional`), with
        ``swap(out)`` as a forward hook on block ``boundary - 1``: it sees (and may replace) the hidden
        states entering block ``boundary``."""
        from .sampling import class_conditional

        call = class_conditional(self.model, labels, self.null)
        if swap is None:
            return call

        def predict(x2, t):
            h = self.blocks[self.boundary - 1].register_forward_hook(lambda module, args, out: swap(out))
            try:
                return call(x2, t)
            finally:
                h.remove()

        return predict

    def _loop(self, x, labels, timesteps, swap):
        from .sampling import denoise

        return denoise(self._predict(labels, swap), self.scheduler, x, timesteps, guidance=self.guidance)

    @torch.no_grad()
    def warm(self, noise, labels):
        """Full steps before the window: the policy's state (latent at ``start``) and the cache (the hidden
        states entering block ``boundary`` at the last of them)."""
        record = {}
        x = self._loop(noise, labels, self.scheduler.timesteps[: self.start], lambda out: record.__setitem__("h", out))
        return x, record.get("h")

    @torch.no_grad()
    def finish(self, x, cache, labels, actions):
        """Steps from ``start`` on; ``actions[:, k]`` = 1 reuses at step ``start + k``.

        Each sample follows its plan through the backend's own step decision (one track per sample,
        :mod:`bdcompile.runtime.step`): which steps reuse, and which cache they read; on a reuse the
        sample's cached hidden states replace what blocks ``[0, boundary)`` computed."""
        b = x.shape[0]
        tracks = self._tracks(actions, cache, b)

        def swap(out):
            calls = [tr.begin(0, needs=_NEEDS) for tr in tracks]
            mask = torch.tensor([c.action == REUSE for c in calls])
            cached = torch.cat([torch.cat([c.values(_GROUP)[j] for c in calls]) for j in (0, 1)])
            out = torch.where(torch.cat([mask, mask]).view(-1, *([1] * (out.dim() - 1))), cached, out)
            for i, c in enumerate(calls):
                if c.action == FULL:
                    c.keep({_GROUP: [out[i : i + 1], out[b + i : b + i + 1]]})
            return out

        return self._loop(x, labels, self.scheduler.timesteps[self.start:], swap)

    def _tracks(self, actions, cache, b):
        """One generation per sample, its clock at the window's start, its cache the warm-up's last
        full step (the cond and uncond halves of the doubled batch)."""
        from .options import Settings
        from .runtime import Generation, Instance

        if not hasattr(self, "_config"):
            settings = Settings(num_steps=self.num_steps, step_source="counter", boundary=self.boundary, inner="eager")
            self._instance = Instance(name="ada-env")
            self._config = self._instance.config("env", settings)
        tracks = []
        for i in range(b):
            tr = Generation(self._instance, num_steps=self.num_steps, scoped=True).track(self._config)
            decided = actions[i].tolist() if actions is not None else [0] * self.decisions
            tr.set_plan([FULL] * self.start + [REUSE if a else FULL for a in decided])
            for s in range(self.start):
                call = tr.begin(0, needs=_NEEDS)
                if s == self.start - 1:
                    call.keep({_GROUP: [cache[i : i + 1], cache[b + i : b + i + 1]]})
            tracks.append(tr)
        return tracks

    @property
    def decisions(self) -> int:
        return self.num_steps - self.start


_GROUP = "hidden"  # the one cache group of the environment: the hidden states after block boundary - 1
_NEEDS = {REUSE: [_GROUP]}


def static_decisions(env: Env, interval: int = 2, stop: float = 0.95) -> list[int]:
    """The static schedule's actions on the steps the policy decides (1 = reuse)."""
    from .schedules import REUSE, StaticSchedule

    plan = StaticSchedule(warmup=env.start / env.num_steps, stop=stop, interval=interval).plan(env.num_steps)
    return [int(a == REUSE) for a in plan[env.start:]]


def train(env: Env, iters: int, batch: int, lam: float, quality: str, lr: float, seed: int = 0, classifier=None,
          decode=None,
          progress: bool = True, samples: int = 4, init: str = "static", classes=tuple(range(10))):
    """REINFORCE on ``env``; returns the policy and the per-iteration statistics."""
    from tqdm import tqdm

    from .metrics import ssim_per_image

    if quality not in ("ssim", "classifier"):
        raise ValueError("ada_train: quality is 'ssim' (to the uncached result) or 'classifier' (its confidence); "
                         f"got {quality!r}")
    if quality == "classifier" and classifier is None:
        raise ValueError("ada_train: quality='classifier' needs a classifier")
    torch.manual_seed(seed)
    cfg = env.cfg
    policy = AdaPolicy(cfg.in_channels, cfg.sample_size, env.decisions, num_classes=cfg.num_embeds_ada_norm, dim=64,
                       depth=2)
    if init == "static":
        policy.init_plan(static_decisions(env))
    elif init != "uniform":
        raise ValueError("ada_train: init is 'static' (start from the static plan) or 'uniform' (p = 0.5); "
                         f"got {init!r}")
    trainer = Reinforce(policy, lr=lr, lam=lam, samples=samples)
    decode = decode or (lambda x: x)
    classes = torch.as_tensor(list(classes))
    bar = tqdm(range(iters), desc=f"REINFORCE lam={lam}", disable=not progress)
    for it in bar:
        g = torch.Generator().manual_seed(seed * 100003 + it)
        labels = classes[torch.randint(0, len(classes), (batch,), generator=g)]
        noise = torch.randn(batch, cfg.in_channels, cfg.sample_size, cfg.sample_size, generator=g)
        x, cache = env.warm(noise, labels)
        ref = decode(env.finish(x, cache, labels, None)) if quality == "ssim" else None
        rep = lambda v: v.repeat_interleave(samples, 0)  # noqa: E731  (rollouts of a state are adjacent rows)

        def q(actions, x=x, cache=cache, labels=labels, ref=ref, rep=rep):  # bound: trainer.step calls it now
            img = decode(env.finish(rep(x), rep(cache), rep(labels), actions))
            if quality == "ssim":
                return ssim_per_image(img, rep(ref))
            return classifier(img).softmax(-1).gather(1, rep(labels)[:, None])[:, 0]

        stats = trainer.step(x, labels, q)
        bar.set_postfix(reward=f"{stats['reward']:.3f}", reuse=f"{stats['reuse']:.2f}",
                        greedy=f"{stats['greedy_reuse']:.2f}",
                        quality=f"{stats['quality']:.3f}")
    return policy, trainer.history


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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="bdcompile/zoo/")
    ap.add_argument("--name", default="digits_ada_policy", help="file stem of the policy (.safetensors, .json, .png)")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--batch", type=int, default=16, help="states per iteration")
    ap.add_argument("--samples", type=int, default=4,
                    help="rollouts (sampled plans) per state; > 1 uses the RLOO baseline")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--lam", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", choices=["static", "uniform"], default="static")
    ap.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9",
                    help="classes seen in training (hold some out to test on them)")
    ap.add_argument("--quality", choices=["ssim", "classifier"], default="ssim")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    from safetensors.torch import save_file

    from .zoo import digits as zoo

    classes = [int(c) for c in args.classes.split(",")]
    model = zoo.load_transformer()
    env = Env(model, num_steps=args.steps, scheduler=zoo.make_scheduler())
    t0 = time.time()
    policy, history = train(env, args.iters, args.batch, args.lam, args.quality, args.lr, seed=args.seed,
                            classifier=zoo.load_classifier() if args.quality == "classifier" else None,
                            decode=zoo.decode,
                            samples=args.samples, init=args.init, classes=classes)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in policy.state_dict().items()}, str(out / f"{args.name}.safetensors"))
    meta = dict(policy.config, boundary=env.boundary, start=env.start, num_steps=args.steps, guidance=env.guidance,
                lam=args.lam, quality=args.quality, iters=args.iters, batch=args.batch, samples=args.samples,
                init=args.init, classes=classes,
                lr=args.lr, seed=args.seed, threads=torch.get_num_threads(), train_seconds=round(time.time() - t0, 1),
                final=history[-1])
    (out / f"{args.name}.json").write_text(json.dumps(meta, indent=1))
    (out / f"{args.name}_history.json").write_text(json.dumps(history))
    plot_history(history, out / f"{args.name}_training.png")
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
