"""Train a BlockDance-Ada policy on a class-conditional DiT (the embedded digits model by default).

    python -m bdcompile.ada_train --out bdcompile/zoo/ --iters 300

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

from .ada import AdaPolicy, Reinforce, greedy_plan


class Env:
    """DDIM + classifier-free guidance on a class-conditional ``DiTTransformer2DModel``."""

    def __init__(self, model, num_steps=20, guidance=4.0, boundary=None, warmup=0.4, scheduler=None):
        from diffusers import DDIMScheduler

        self.model = model.eval()
        self.cfg = model.config
        self.num_steps = num_steps
        self.guidance = guidance
        self.blocks = model.transformer_blocks
        self.boundary = boundary or round(0.75 * len(self.blocks))
        self.start = math.ceil(warmup * num_steps - 1e-9)
        self.scheduler = scheduler or DDIMScheduler()
        self.scheduler.set_timesteps(num_steps)
        self.null = self.cfg.num_embeds_ada_norm

    def _eps(self, x, t, labels, reuse_mask=None, cache=None):
        """Model output with CFG; where ``reuse_mask`` the cached hidden states enter block ``boundary``."""
        x2 = torch.cat([x, x])
        lab = torch.cat([labels, torch.full_like(labels, self.null)])
        record = {}

        def swap(module, args, out):
            record["h"] = out
            if reuse_mask is not None and cache is not None:
                m = torch.cat([reuse_mask, reuse_mask]).view(-1, *([1] * (out.dim() - 1)))
                return torch.where(m, cache, out)
            return out

        h = self.blocks[self.boundary - 1].register_forward_hook(swap)
        try:
            out = self.model(x2, timestep=t.expand(x2.shape[0]), class_labels=lab, return_dict=False)[0]
        finally:
            h.remove()
        eps = out[:, : self.cfg.in_channels]
        cond, uncond = eps.chunk(2)
        new_cache = record["h"] if cache is None or reuse_mask is None else torch.where(
            torch.cat([reuse_mask, reuse_mask]).view(-1, *([1] * (record["h"].dim() - 1))), cache, record["h"])
        return uncond + self.guidance * (cond - uncond), new_cache

    @torch.no_grad()
    def warm(self, noise, labels):
        """Full steps before the window: the policy's state (latent at ``start``) and the cache."""
        x, cache = noise, None
        for t in self.scheduler.timesteps[: self.start]:
            eps, cache = self._eps(x, t, labels)
            x = self.scheduler.step(eps, t, x).prev_sample
        return x, cache

    @torch.no_grad()
    def finish(self, x, cache, labels, actions):
        """Steps from ``start`` on; ``actions[:, k]`` = 1 reuses at step ``start + k``."""
        for k, t in enumerate(self.scheduler.timesteps[self.start:]):
            mask = actions[:, k].bool() if actions is not None else None
            eps, cache = self._eps(x, t, labels, mask, cache)
            x = self.scheduler.step(eps, t, x).prev_sample
        return x

    @property
    def decisions(self) -> int:
        return self.num_steps - self.start


def train(env: Env, iters: int, batch: int, lam: float, quality: str, lr: float, seed: int = 0, classifier=None, decode=None,
          progress: bool = True):
    from tqdm import tqdm

    from .metrics import ssim_per_image

    torch.manual_seed(seed)
    cfg = env.cfg
    policy = AdaPolicy(cfg.in_channels, cfg.sample_size, env.decisions, num_classes=cfg.num_embeds_ada_norm, dim=64, depth=2)
    trainer = Reinforce(policy, lr=lr, lam=lam)
    decode = decode or (lambda x: x)
    bar = tqdm(range(iters), desc="REINFORCE", disable=not progress)
    for it in bar:
        g = torch.Generator().manual_seed(seed * 100003 + it)
        labels = torch.randint(0, 10, (batch,), generator=g)
        noise = torch.randn(batch, cfg.in_channels, cfg.sample_size, cfg.sample_size, generator=g)
        x, cache = env.warm(noise, labels)
        ref = decode(env.finish(x, cache, labels, None)) if quality == "ssim" else None

        def q(actions):
            img = decode(env.finish(x, cache, labels, actions))
            if quality == "ssim":
                return ssim_per_image(img, ref)
            return classifier(img).softmax(-1).gather(1, labels[:, None])[:, 0]

        stats = trainer.step(x, labels, q)
        bar.set_postfix(reward=f"{stats['reward']:.3f}", reuse=f"{stats['reuse']:.2f}", quality=f"{stats['quality']:.3f}")
    return policy, trainer.history


def plot_history(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3))
    for ax, key in zip(axes, ("reward", "reuse", "quality")):
        vals = torch.tensor([h[key] for h in history])
        k = max(1, len(vals) // 30)
        smooth = torch.nn.functional.avg_pool1d(vals[None, None], k, 1)[0, 0] if len(vals) >= k else vals
        ax.plot(vals.numpy(), alpha=0.3)
        ax.plot(range(k - 1, k - 1 + len(smooth)), smooth.numpy())
        ax.set_title(key)
        ax.set_xlabel("iteration")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="bdcompile/zoo/")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--lam", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--quality", choices=["ssim", "classifier"], default="ssim")
    args = ap.parse_args(argv)

    from safetensors.torch import save_file

    from .zoo import digits as zoo

    model = zoo.load_transformer()
    env = Env(model, num_steps=args.steps, scheduler=zoo.make_scheduler() if hasattr(zoo, "make_scheduler") else None)
    decode = getattr(zoo, "decode", None)
    t0 = time.time()
    policy, history = train(env, args.iters, args.batch, args.lam, args.quality, args.lr,
                            classifier=zoo.load_classifier() if args.quality == "classifier" else None, decode=decode)
    out = Path(args.out)
    save_file({k: v.contiguous() for k, v in policy.state_dict().items()}, str(out / "digits_ada_policy.safetensors"))
    meta = dict(policy.config, boundary=env.boundary, start=env.start, num_steps=args.steps, lam=args.lam, quality=args.quality,
                iters=args.iters, batch=args.batch, lr=args.lr, train_seconds=round(time.time() - t0, 1),
                final=history[-1])
    (out / "digits_ada_policy.json").write_text(json.dumps(meta, indent=1))
    plot_history(history, out / "ada_training.png")
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
