"""The one sampling loop (bdcompile.sampling): equal to the diffusers pipelines it stands for, and
resumable mid-way with stateful (flow-matching) schedulers."""

from __future__ import annotations

import pytest
import torch
from models import tiny_dit

from bdcompile import sampling
from bdcompile.zoo import digits


def test_digits_loop_from_noise_equals_the_dit_pipeline():
    model = digits.load_transformer()
    labels = [3, 8]
    want = digits.sample(model, labels, num_steps=6, generator=torch.Generator().manual_seed(4))
    noise = torch.randn(2, 1, 8, 8, generator=torch.Generator().manual_seed(4))  # what DiTPipeline draws
    got = digits.sample_from_noise(model, noise, labels, num_steps=6)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)


@pytest.mark.parametrize("scheduler", ["ddim", "flow"])
def test_a_loop_split_in_two_equals_the_whole_loop(scheduler):
    from diffusers import DDIMScheduler, FlowMatchEulerDiscreteScheduler

    model = tiny_dit(num_layers=2)
    sched = DDIMScheduler() if scheduler == "ddim" else FlowMatchEulerDiscreteScheduler(shift=3.0)
    predict = sampling.class_conditional(model, torch.tensor([1, 2]), null_label=1000)
    x = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    whole = sampling.denoise(predict, sched, x, guidance=2.0, num_steps=6)
    ts = sched.timesteps
    half = sampling.denoise(predict, sched, x, ts[:2], guidance=2.0)  # one scheduler, many loops (Ada's Env)
    again = sampling.denoise(predict, sched, half, ts[2:], guidance=2.0)
    torch.testing.assert_close(again, whole, atol=1e-6, rtol=0)
    unguided = sampling.denoise(predict, sched, x, guidance=1.0, num_steps=6)
    assert (unguided - whole).abs().max() > 1e-4
