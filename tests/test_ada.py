"""BlockDance-Ada: REINFORCE learns a rewarded plan; the dispatcher follows the policy's plan."""
from __future__ import annotations

import pytest
import torch
from diffusers import DDIMScheduler
from models import dit_inputs, timesteps, tiny_dit
from oracle import Oracle, rel_err

import bdcompile
from bdcompile.ada import AdaPolicy, Reinforce, dispatch_policy, greedy_plan


@pytest.mark.parametrize("samples,init", [(1, None), (4, "opposite")])
def test_reinforce_learns_to_reuse_exactly_on_rewarded_steps(samples, init):
    """Moving-average baseline from p = 0.5, and RLOO (4 rollouts per state) from the opposite plan."""
    torch.manual_seed(0)
    decisions = 8
    target = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0], dtype=torch.float32)
    policy = AdaPolicy(latent_channels=4, latent_size=8, num_decisions=decisions, num_classes=10, dim=32, depth=1)
    if init == "opposite":
        policy.init_plan((1 - target).tolist())
        assert torch.equal((policy(torch.randn(2, 4, 8, 8), torch.arange(2)) > 0.5).float(), (1 - target).expand(2, -1))
    # quality: 1 when every action is on a rewarded step, minus the share of wrong reuses/misses
    quality = lambda a: 1.0 - ((a - target).abs().mean(1) * 2) - a.mean(1) / 2  # noqa: E731  (cancels the reuse bonus)
    trainer = Reinforce(policy, lr=3e-3, lam=2.0, samples=samples)
    for _ in range(300):
        trainer.step(torch.randn(16 // samples, 4, 8, 8), torch.randint(0, 10, (16 // samples,)), quality)
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


def test_training_environment_is_what_the_backend_runs():
    """Ada is trained in an eager environment with per-sample plans; each sample's result must equal a
    batch-1 generation through backend='blockdance' following that sample's plan."""
    from bdcompile.ada_train import Env

    torch.manual_seed(0)
    S = 10
    model = tiny_dit(num_layers=4)
    env = Env(model, num_steps=S, guidance=3.0)  # boundary round(0.75 * 4) = 3, window opens at step 4
    assert (env.boundary, env.start, env.decisions) == (3, 4, 6)
    noise = torch.randn(3, 4, 8, 8)
    labels = torch.tensor([1, 5, 7])
    actions = torch.tensor([[0, 1, 0, 1, 1, 0], [0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        x, cache = env.warm(noise, labels)
        got = env.finish(x, cache, labels, actions)
        uncached = env.finish(x, cache, labels, None)

    for i in range(3):
        plan = ["full"] * env.start + ["reuse" if a else "full" for a in actions[i].tolist()]
        torch._dynamo.reset()
        compiled = torch.compile(model, backend="blockdance", options=dict(num_steps=S, boundary=3, inner="eager", plan=plan))
        sched = DDIMScheduler()
        sched.set_timesteps(S)
        xi, lab = noise[i : i + 1], torch.tensor([labels[i], 1000])
        with torch.no_grad():
            for t in sched.timesteps:  # CFG as one doubled batch, written out by hand
                out = compiled(torch.cat([xi, xi]), timestep=t.expand(2), class_labels=lab, return_dict=False)[0][:, :4]
                cond, uncond = out.chunk(2)
                xi = sched.step(uncond + 3.0 * (cond - uncond), t, xi).prev_sample
        assert rel_err(got[i : i + 1], xi) < 1e-5, (i, rel_err(got[i : i + 1], xi))
        assert [e[3] for e in bdcompile.explain(compiled)["log"]] == plan
    assert rel_err(got[:2], uncached[:2]) > 1e-3  # the reuse plans made a difference ...
    assert rel_err(got[2:], uncached[2:]) < 1e-6  # ... and the all-full plan none
