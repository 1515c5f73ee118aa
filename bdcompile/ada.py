"""BlockDance-Ada: a small policy network that plans, per generation, which steps reuse.

The state is the latent at the step where the reuse window may open plus the conditioning (a class
label or a pooled text embedding); the output is, for each remaining step, the probability of
reusing.  Training is REINFORCE with Bernoulli actions: reward = fraction of reused steps +
``lam`` * quality, with a moving-average baseline or, with several sampled plans per state, a
leave-one-out one.  At inference the plan is greedy (p > 0.5) and is
computed once when the window opens: the dispatcher makes one host read per generation for it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from .schedules import FULL, REUSE

__all__ = ["AdaPolicy", "greedy_plan", "Reinforce", "dispatch_policy"]


class AdaPolicy(nn.Module):
    """Latent patches + a conditioning token -> a few transformer layers -> per-step reuse logits."""

    def __init__(self, latent_channels: int, latent_size: int, num_decisions: int, num_classes: int | None = None,
                 cond_dim: int | None = None, patch: int = 2, dim: int = 64, depth: int = 2, heads: int = 4):
        super().__init__()
        if (num_classes is None) == (cond_dim is None):
            raise ValueError("AdaPolicy: give exactly one of num_classes (class labels) or cond_dim (embeddings)")
        self.config = dict(latent_channels=latent_channels, latent_size=latent_size, num_decisions=num_decisions,
                           num_classes=num_classes, cond_dim=cond_dim, patch=patch, dim=dim, depth=depth, heads=heads)
        self.patch = nn.Conv2d(latent_channels, dim, patch, stride=patch)
        tokens = (latent_size // patch) ** 2
        self.pos = nn.Parameter(torch.zeros(1, tokens + 1, dim))
        self.cond = nn.Embedding(num_classes + 1, dim) if num_classes is not None else nn.Linear(cond_dim, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, num_decisions))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.constant_(self.head[-1].bias, 0.0)  # start at p = 0.5 everywhere

    def forward(self, latent: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """Probability of reusing at each remaining step: [batch, num_decisions]."""
        x = self.patch(latent.float()).flatten(2).transpose(1, 2)
        c = self.cond(cond.long() if isinstance(self.cond, nn.Embedding) else cond.float()).unsqueeze(1)
        h = self.encoder(torch.cat([c, x], 1) + self.pos)
        return torch.sigmoid(self.head(h[:, 0]))

    @torch.no_grad()
    def init_plan(self, reuse: list, confidence: float = 0.8) -> "AdaPolicy":
        """Start training from a known plan (e.g. the static schedule): p = ``confidence`` of reusing
        where ``reuse[k]`` is true, ``1 - confidence`` elsewhere, for every input."""
        if len(reuse) != self.config["num_decisions"]:
            raise ValueError(f"AdaPolicy.init_plan: {len(reuse)} decisions given, the policy makes {self.config['num_decisions']}")
        if not 0.5 < confidence < 1.0:
            raise ValueError(f"AdaPolicy.init_plan: confidence is a probability in (0.5, 1); got {confidence}")
        logit = math.log(confidence / (1 - confidence))
        self.head[-1].bias.copy_(torch.tensor([logit if r else -logit for r in reuse], dtype=torch.float32))
        return self


def greedy_plan(probs: torch.Tensor, start: int, num_steps: int) -> list[str]:
    """Full before ``start``; then reuse where p > 0.5.  ``probs``: [num_steps - start] (one generation)."""
    decisions = (probs > 0.5).tolist()  # the one host read of a generation
    return [FULL] * start + [REUSE if d else FULL for d in decisions[: num_steps - start]]


def dispatch_policy(policy: AdaPolicy, latent_arg: str = "hidden_states", cond_arg: str = "class_labels", cfg_batch: bool = False):
    """A ``policy`` option for the backend: called once per generation, when the window opens, with the
    call's inputs by name; one plan serves the whole batch (the mean probability over the batch, or
    over its conditional first half when ``cfg_batch``: CFG run as one doubled batch)."""

    def plan(inputs: dict, start: int, num_steps: int) -> list[str]:
        latent, cond = inputs[latent_arg], inputs[cond_arg]
        if cfg_batch:
            latent, cond = latent[: latent.shape[0] // 2], cond[: cond.shape[0] // 2]
        with torch.no_grad():
            probs = policy(latent, cond).mean(0)
        return greedy_plan(probs, start, num_steps)

    plan.policy = policy
    return plan


@dataclass
class Reinforce:
    """REINFORCE with Bernoulli actions.

    With ``samples = 1`` the baseline is a moving average of the reward.  With ``samples = K > 1``
    every state is rolled out K times with independently sampled plans and each rollout's baseline is
    the mean reward of the other K-1 rollouts of the same state (leave-one-out, "RLOO"): the
    advantage then compares plans for the same latent and conditioning, not across states.
    """

    policy: AdaPolicy
    lr: float = 1e-3
    lam: float = 2.0
    samples: int = 1
    baseline_momentum: float = 0.9
    baseline: float | None = None
    history: list = field(default_factory=list)

    def __post_init__(self):
        self.opt = torch.optim.Adam(self.policy.parameters(), lr=self.lr)

    def step(self, latent: torch.Tensor, cond: torch.Tensor, quality: Callable[[torch.Tensor], torch.Tensor]) -> dict:
        """One update. ``quality(actions)`` maps a [batch * samples, decisions] 0/1 tensor (the rollouts
        of state ``i`` are rows ``i * samples ... i * samples + samples - 1``) to a [batch * samples] quality."""
        if not isinstance(self.samples, int) or self.samples < 1:
            raise ValueError(f"Reinforce: samples (rollouts per state) must be an integer >= 1; got {self.samples!r}")
        k = self.samples
        probs = self.policy(latent, cond).repeat_interleave(k, 0)
        dist = torch.distributions.Bernoulli(probs=probs.clamp(1e-4, 1 - 1e-4))
        actions = dist.sample()
        with torch.no_grad():
            q = quality(actions).float()
            reward = actions.mean(1) + self.lam * q
        mean_r = float(reward.mean())
        if k == 1:
            self.baseline = mean_r if self.baseline is None else self.baseline_momentum * self.baseline + (1 - self.baseline_momentum) * mean_r
            adv = reward - self.baseline
        else:
            per_state = reward.view(-1, k)
            adv = (per_state - (per_state.sum(1, keepdim=True) - per_state) / (k - 1)).flatten()
        loss = -(adv.detach() * dist.log_prob(actions).sum(1)).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        stats = {"reward": mean_r, "reuse": float(actions.mean()), "quality": float(q.mean()), "loss": float(loss.detach()),
                 "greedy_reuse": float((probs > 0.5).float().mean())}
        self.history.append(stats)
        return stats


def load_policy(path=None) -> tuple[AdaPolicy, dict]:
    """A trained policy and its training record (default: the one trained on the embedded digits model)."""
    import json
    from pathlib import Path

    from safetensors.torch import load_file

    path = Path(path) if path is not None else Path(__file__).parent / "zoo" / "digits_ada_policy.safetensors"
    meta = json.loads(path.with_suffix(".json").read_text())
    keys = ("latent_channels", "latent_size", "num_decisions", "num_classes", "cond_dim", "patch", "dim", "depth", "heads")
    policy = AdaPolicy(**{k: meta[k] for k in keys})
    policy.load_state_dict(load_file(str(path)))
    return policy.eval(), meta
