"""BlockDance-Ada: REINFORCE learns a rewarded plan; the dispatcher follows the policy's plan."""
from __future__ import annotations

import torch

import bdcompile
from bdcompile.ada import AdaPolicy, Reinforce, dispatch_policy, greedy_plan
from models import dit_inputs, timesteps, tiny_dit
from oracle import Oracle, rel_err


def test_reinforce_learns_to_reuse_exactly_on_rewarded_steps():
    torch.manual_seed(0)
    decisions = 8
    target = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0], dtype=torch.float32)
    policy = AdaPolicy(latent_channels=4, latent_size=8, num_decisions=decisions, num_classes=10, dim=32, depth=1)
    # quality: 1 when every action is on a rewarded step, minus the share of wrong reuses/misses
    quality = lambda a: 1.0 - ((a - target).abs().mean(1) * 2) - a.mean(1) / 2  # noqa: E731  (cancels the reuse bonus)
    trainer = Reinforce(policy, lr=3e-3, lam=2.0)
    for _ in range(300):
        trainer.step(torch.randn(16, 4, 8, 8), torch.randint(0, 10, (16,)), quality)
    probs = policy(torch.randn(4, 4, 8, 8), torch.randint(0, 10, (4,)))
    assert torch.equal((probs > 0.5).float(), target.expand(4, -1)), probs
    assert trainer.history[-1]["reward"] > trainer.history[0]["reward"]


def test_dispatcher_follows_the_policy_plan():
    torch.manual_seed(0)
    S, start = 12, 5
    policy = AdaPolicy(latent_channels=4, latent_size=8, num_decisions=S - start, num_classes=1000, dim=16, depth=1)
    with torch.no_grad():  # a policy that wants to reuse on every other remaining step
        policy.head[-1].bias.copy_(torch.tensor([-5.0, 5.0] * 3 + [-5.0]))
    model = tiny_dit(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(
        num_steps=S, boundary=2, inner="eager", policy=dispatch_policy(policy), policy_start=start / S))
    expected = ["full"] * start + ["full", "reuse"] * 3 + ["full"]
    oracle = Oracle(model, [("transformer_blocks", i) for i in range(4)], 2, expected)
    with torch.no_grad():
        for gen in range(2):
            oracle.new_generation()
            for step, t in enumerate(timesteps(S)):
                kw = dit_inputs(2, t, seed=gen)
                got, (want, _) = compiled(**kw), oracle(step, **kw)
                assert rel_err(got, want) < 1e-5
    info = bdcompile.explain(compiled)
    assert [e[3] for e in info["log"]] == expected * 2
    assert info["plan"] == expected
    assert greedy_plan(torch.tensor([0.9, 0.1]), 1, 3) == ["full", "reuse", "full"]
