"""The embedded MNIST MMDiT: committed weights, the stock SD3 pipeline, the loop from given noise, quality."""

from __future__ import annotations

import pytest
import torch

from bdcompile.metrics import class_accuracy
from bdcompile.zoo import mnist_mmdit as M


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread, as the model card's timings: on a busy 2-core machine two threads spin against
    other processes and a 20-step generation takes 10x longer."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def model():
    return M.load_transformer()


@pytest.fixture(scope="module")
def pipe(model):
    return M.load_pipeline(model)


def test_committed_weights_load(model):
    from diffusers import SD3Transformer2DModel

    assert isinstance(model, SD3Transformer2DModel)
    assert len(model.transformer_blocks) >= 12
    assert all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in model.parameters())
    enc = M.load_label_encoder()
    pe, pooled = enc(torch.tensor([3, M.NULL_LABEL]))
    assert pe.shape == (2, M.PROMPT_TOKENS, model.config.joint_attention_dim)
    assert pooled.shape == (2, model.config.pooled_projection_dim)
    assert M.card()["generated_class_accuracy"]["20"] >= 0.95


def test_pipeline_is_stock_sd3(pipe):
    from diffusers import FlowMatchEulerDiscreteScheduler, StableDiffusion3Pipeline

    assert type(pipe) is StableDiffusion3Pipeline
    assert type(pipe.scheduler) is FlowMatchEulerDiscreteScheduler
    assert pipe.vae_scale_factor == 1 and pipe.text_encoder is None and pipe.tokenizer is None


def test_sample_shape_range_and_equals_loop_from_noise(model, pipe):
    labels = torch.tensor([0, 7, 3, 9])
    images = M.sample(model, labels, num_steps=6, generator=torch.Generator().manual_seed(5), pipe=pipe)
    assert images.shape == (4, 1, 28, 28) and images.dtype == torch.float32
    assert 0 <= images.min() and images.max() <= 1 and images.std() > 0.1
    noise = torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    again = M.sample_from_noise(model, noise, labels, num_steps=6)
    torch.testing.assert_close(again, images, atol=1e-5, rtol=0)
    # the guidance scale matters: it is not silently ignored
    weak = M.sample_from_noise(model, noise, labels, num_steps=6, guidance_scale=1.5)
    assert (weak - images).abs().max() > 1e-3


def test_classifier_recognises_held_out_digits():
    x, y = M.real_digits(split="test")
    assert x.shape == (750, 1, 28, 28) and 0 <= x.min() and x.max() <= 1
    assert torch.bincount(y).tolist() == [75] * 10
    assert class_accuracy(M.load_classifier(), x, y) > 0.95


def test_twenty_steps_generate_the_requested_digits(model, pipe):
    labels = torch.arange(10).repeat(2)
    images = M.sample(model, labels, num_steps=20, generator=torch.Generator().manual_seed(123), pipe=pipe)
    assert class_accuracy(M.load_classifier(), images, labels) >= 0.9
