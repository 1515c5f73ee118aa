"""BlockDance-Ada: a small policy network that plans, per generation, which variant runs at each step.

The state is the latent at the step where the reuse window may open plus the conditioning (a class
label or a pooled text embedding). The policy chooses, for each remaining step, one of its
``actions``: step action tokens of the backend (``"full"`` first, then skips such as ``"reuse@9"``,
``"residual@12"``; see :mod:`bdcompile.schedules`).

* Two actions (``("full", "reuse")``, the original BlockDance-Ada): a Bernoulli head, the output is the
  probability of the skip action per step (the shipped digits policies are of this kind).
* Three or more: a categorical head, the output is a distribution over the actions per step.

Training is REINFORCE: reward = mean per-step *saving* + ``lam`` * quality, with a moving-average
baseline or, with several sampled plans per state, a leave-one-out one. The saving of an action is the
fraction of block evaluations it saves (:func:`action_savings`, from
:func:`bdcompile.schedules.block_evaluations`); a two-action policy trained without ``savings`` counts
reused steps (saving 1 per skip: the original reward, a rescaling of ``lam`` by ``num_blocks / boundary``).
At inference the plan is greedy (p > 0.5, or the most probable action) and is computed once when the
window opens: the dispatcher makes one host read per generation for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import torch
from torch import nn

from .schedules import ADAPTIVE, FULL, REUSE, block_evaluations, parse_action

__all__ = [
    "AdaPolicy",
    "greedy_plan",
    "Reinforce",
    "dispatch_policy",
    "load_policy",
    "policy_option",
    "action_savings",
    "save_policy",
    "BINARY",
]

BINARY = (FULL, REUSE)  # the original action space: full or reuse at the configured boundary


def check_actions(actions) -> tuple:
    """A policy's action list: ``"full"`` first, then distinct skip actions (not adaptive: that is a
    decision of its own). Returns it as a tuple of strings; raises ValueError."""
    actions = tuple(actions)
    kinds = []
    for a in actions:
        kinds.append(parse_action(a)[0])  # raises on a malformed token
    if (
        len(actions) < 2
        or kinds[0] != FULL
        or FULL in kinds[1:]
        or ADAPTIVE in kinds
        or len(set(actions)) != len(actions)
    ):
        raise ValueError(
            f"AdaPolicy: actions must be 'full' followed by one or more distinct skip actions "
            f"('reuse', 'reuse@6', 'residual@12', 'forecast'; not 'adaptive'); got {list(actions)}"
        )
    return actions


def action_savings(actions, num_blocks: int, boundary: int) -> list[float]:
    """Per action, the fraction of a step's block evaluations it saves (0 for full, ``b / num_blocks``
    for a skip at boundary ``b``; an action without one uses ``boundary``)."""
    return [1.0 - block_evaluations([a], num_blocks, boundary) / num_blocks for a in actions]


class AdaPolicy(nn.Module):
    """Latent patches + a conditioning token -> a few transformer layers -> per-step action logits.

    ``actions``: the step actions it chooses from (``"full"`` first). Two actions: a Bernoulli head
    (``forward`` gives the skip probability per step, [batch, num_decisions]); more: a categorical head
    (``forward`` gives [batch, num_decisions, len(actions)] probabilities). :meth:`action_probs` gives
    the latter shape for both."""

    def __init__(
        self,
        latent_channels: int,
        latent_size: int,
        num_decisions: int,
        num_classes: int | None = None,
        cond_dim: int | None = None,
        patch: int = 2,
        dim: int = 64,
        depth: int = 2,
        heads: int = 4,
        actions=BINARY,
    ):
        super().__init__()
        if (num_classes is None) == (cond_dim is None):
            raise ValueError("AdaPolicy: give exactly one of num_classes (class labels) or cond_dim (embeddings)")
        self.actions = check_actions(actions)
        self.config = dict(
            latent_channels=latent_channels,
            latent_size=latent_size,
            num_decisions=num_decisions,
            num_classes=num_classes,
            cond_dim=cond_dim,
            patch=patch,
            dim=dim,
            depth=depth,
            heads=heads,
            actions=list(self.actions),
        )
        self.patch = nn.Conv2d(latent_channels, dim, patch, stride=patch)
        tokens = (latent_size // patch) ** 2
        self.pos = nn.Parameter(torch.zeros(1, tokens + 1, dim))
        self.cond = nn.Embedding(num_classes + 1, dim) if num_classes is not None else nn.Linear(cond_dim, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        out = num_decisions if self.binary else num_decisions * len(self.actions)
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, out))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.constant_(self.head[-1].bias, 0.0)  # start uniform: p = 0.5, or 1 / len(actions)

    @property
    def binary(self) -> bool:
        return len(self.actions) == 2

    def forward(self, latent: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """Two actions: probability of the skip action at each remaining step, [batch, num_decisions].
        More: the probability of each action, [batch, num_decisions, len(actions)]."""
        x = self.patch(latent.float()).flatten(2).transpose(1, 2)
        c = self.cond(cond.long() if isinstance(self.cond, nn.Embedding) else cond.float()).unsqueeze(1)
        h = self.encoder(torch.cat([c, x], 1) + self.pos)
        logits = self.head(h[:, 0])
        if self.binary:
            return torch.sigmoid(logits)
        return logits.view(len(logits), self.config["num_decisions"], len(self.actions)).softmax(-1)

    def action_probs(self, latent: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """[batch, num_decisions, len(actions)] for either head."""
        p = self(latent, cond)
        return torch.stack([1 - p, p], -1) if self.binary else p

    def action_index(self, plan: list) -> list[int]:
        """Action indices of a plan given as tokens (or indices, or 0/1 / booleans on a two-action policy)."""
        out = []
        for a in plan:
            if isinstance(a, str):
                if a not in self.actions:
                    raise ValueError(f"AdaPolicy: {a!r} is not one of the policy's actions {list(self.actions)}")
                out.append(self.actions.index(a))
            else:
                i = int(a)
                if not 0 <= i < len(self.actions):
                    raise ValueError(f"AdaPolicy: action index {i} out of range for {list(self.actions)}")
                out.append(i)
        return out

    @torch.no_grad()
    def init_plan(self, plan: list, confidence: float = 0.8) -> "AdaPolicy":
        """Start training from a known plan (e.g. the static schedule), one entry per decision: an action
        token or index (on a two-action policy also a boolean: skip or not). The planned action gets
        probability ``confidence``, the others share the rest, for every input."""
        if len(plan) != self.config["num_decisions"]:
            raise ValueError(
                f"AdaPolicy.init_plan: {len(plan)} decisions given, the policy makes {self.config['num_decisions']}"
            )
        n = len(self.actions)
        if not 1.0 / n < confidence < 1.0:
            raise ValueError(f"AdaPolicy.init_plan: confidence is a probability in ({1 / n:g}, 1); got {confidence}")
        idx = self.action_index(plan)
        if self.binary:
            logit = math.log(confidence / (1 - confidence))
            self.head[-1].bias.copy_(torch.tensor([logit if i else -logit for i in idx], dtype=torch.float32))
        else:
            hi, lo = math.log(confidence), math.log((1 - confidence) / (n - 1))
            bias = torch.full((len(idx), n), lo)
            bias[torch.arange(len(idx)), torch.tensor(idx)] = hi
            self.head[-1].bias.copy_(bias.flatten())
        return self


def greedy_plan(probs: torch.Tensor, start: int, num_steps: int, actions=BINARY) -> list[str]:
    """Full before ``start``; then, for one generation, ``actions[1]`` where p > 0.5 (``probs``:
    [num_steps - start], a two-action policy) or the most probable action (``probs``:
    [num_steps - start, len(actions)])."""
    if probs.dim() == 1:
        decisions = (probs > 0.5).long().tolist()  # the one host read of a generation
    else:
        decisions = probs.argmax(-1).tolist()
    return [FULL] * start + [actions[d] for d in decisions[: num_steps - start]]


def dispatch_policy(
    policy: AdaPolicy,
    latent_arg: str = "hidden_states",
    cond_arg: str = "class_labels",
    cfg_batch: bool = False,
    cond_first: bool = True,
):
    """A ``policy`` option for the backend: called once per generation, when the window opens, with the
    call's inputs by name; one plan serves the whole batch (the mean probability over the batch, or
    over its conditional half when ``cfg_batch``: CFG run as one doubled batch, the conditional half
    first (DiTPipeline) or, with ``cond_first=False``, second (the SD3 / Flux pipelines)).

    The returned callable carries ``actions`` (the policy's): the backend builds a variant for each."""
    actions = getattr(policy, "actions", BINARY)

    def plan(inputs: dict, start: int, num_steps: int) -> list[str]:
        latent, cond = inputs[latent_arg], inputs[cond_arg]
        if cfg_batch:
            half = slice(None, latent.shape[0] // 2) if cond_first else slice(latent.shape[0] // 2, None)
            latent, cond = latent[half], cond[half]
        with torch.no_grad():
            probs = policy(latent, cond).mean(0)
        return greedy_plan(probs, start, num_steps, actions)

    plan.policy = policy
    plan.actions = tuple(actions)
    return plan


@dataclass
class Reinforce:
    """REINFORCE with Bernoulli actions (two-action policies) or categorical ones (more actions).

    reward = mean over the decisions of ``savings[action]`` + ``lam`` * quality. ``savings``: per action,
    the fraction of block evaluations it saves (:func:`action_savings`); required for a categorical
    policy, and for a two-action one it defaults to ``[0, 1]`` (the fraction of reused steps, the
    original BlockDance-Ada reward).

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
    savings: Optional[Sequence[float]] = None

    def __post_init__(self):
        self.opt = torch.optim.Adam(self.policy.parameters(), lr=self.lr)
        actions = getattr(self.policy, "actions", BINARY)
        if self.savings is None:
            if len(actions) != 2:
                raise ValueError(
                    "Reinforce: a policy with more than two actions needs savings (per action, the "
                    "fraction of block evaluations it saves: bdcompile.ada.action_savings)"
                )
            self.savings = [0.0, 1.0]
        if len(self.savings) != len(actions):
            raise ValueError(f"Reinforce: {len(self.savings)} savings for {len(actions)} actions {list(actions)}")
        self._savings = torch.tensor([float(v) for v in self.savings])

    def step(self, latent: torch.Tensor, cond: torch.Tensor, quality: Callable[[torch.Tensor], torch.Tensor]) -> dict:
        """One update. ``quality(actions)`` maps the sampled actions of the rollouts (the rollouts of state
        ``i`` are rows ``i * samples ... i * samples + samples - 1``) to a [batch * samples] quality:
        a [batch * samples, decisions] 0/1 float tensor for a two-action policy (1 = the skip action),
        action indices (long) for a categorical one."""
        if not isinstance(self.samples, int) or self.samples < 1:
            raise ValueError(f"Reinforce: samples (rollouts per state) must be an integer >= 1; got {self.samples!r}")
        k = self.samples
        binary = getattr(self.policy, "binary", True)
        probs = self.policy(latent, cond).repeat_interleave(k, 0)
        if binary:
            dist = torch.distributions.Bernoulli(probs=probs.clamp(1e-4, 1 - 1e-4))
        else:
            dist = torch.distributions.Categorical(probs=probs.clamp_min(1e-6))
        actions = dist.sample()
        with torch.no_grad():
            q = quality(actions).float()
            saved = self._savings[actions.long()].mean(1)
            reward = saved + self.lam * q
        mean_r = float(reward.mean())
        if k == 1:
            self.baseline = (
                mean_r
                if self.baseline is None
                else self.baseline_momentum * self.baseline + (1 - self.baseline_momentum) * mean_r
            )
            adv = reward - self.baseline
        else:
            per_state = reward.view(-1, k)
            adv = (per_state - (per_state.sum(1, keepdim=True) - per_state) / (k - 1)).flatten()
        loss = -(adv.detach() * dist.log_prob(actions).sum(1)).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        greedy = (probs > 0.5).long() if binary else probs.argmax(-1)
        stats = {
            "reward": mean_r,
            "reuse": float((actions != 0).float().mean()),
            "saved": float(saved.mean()),
            "quality": float(q.mean()),
            "loss": float(loss.detach()),
            "greedy_reuse": float((greedy != 0).float().mean()),
            "greedy_saved": float(self._savings[greedy].mean()),
        }
        if not binary:
            n = len(self._savings)
            stats["mix"] = (torch.bincount(actions.flatten(), minlength=n).float() / actions.numel()).tolist()
        self.history.append(stats)
        return stats


_LOADED: dict = {}


def save_policy(policy: AdaPolicy, path, **record) -> None:
    """Write ``policy`` to ``path`` (.safetensors) and its record (its config, the policy's ``actions``,
    and ``record``: boundary, start, num_steps, dispatch, training figures) next to it (.json)."""
    import json
    from pathlib import Path

    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in policy.state_dict().items()}, str(path))
    path.with_suffix(".json").write_text(json.dumps(dict(policy.config, **record), indent=1))


def load_policy(path=None) -> tuple[AdaPolicy, dict]:
    """A trained policy and its training record (default: the one trained on the embedded digits model).
    A record without ``actions`` is a two-action (full / reuse) policy."""
    import json
    from pathlib import Path

    from safetensors.torch import load_file

    path = Path(path) if path is not None else Path(__file__).parent / "zoo" / "digits_ada_policy.safetensors"
    meta = json.loads(path.with_suffix(".json").read_text())
    keys = (
        "latent_channels",
        "latent_size",
        "num_decisions",
        "num_classes",
        "cond_dim",
        "patch",
        "dim",
        "depth",
        "heads",
    )
    policy = AdaPolicy(**{k: meta[k] for k in keys}, actions=meta.get("actions", BINARY))
    policy.load_state_dict(load_file(str(path)))
    return policy.eval(), meta


def policy_option(path) -> Callable:
    """The backend's ``policy`` option for a policy file (``options={"policy": path}``): the policy's
    record says which inputs it reads (``dispatch``: latent_arg, cond_arg, cfg_batch, cond_first; a
    record without it: the class-conditional DiT's, CFG as one doubled batch, conditional half first).
    Loaded once per file version, so equal options give the same callable (one compiled graph)."""
    import os
    from pathlib import Path

    path = Path(os.fspath(path)).resolve()
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        policy, meta = load_policy(path)
        how = dict(latent_arg="hidden_states", cond_arg="class_labels", cfg_batch=True, cond_first=True)
        how.update(meta.get("dispatch", {}))
        plan = dispatch_policy(policy, **how)
        plan.meta = meta
        plan.path = str(path)
        _LOADED[key] = plan
    return _LOADED[key]
