"""The embedded digits model, its classifier and the metrics."""

from __future__ import annotations

import math

import torch

from bdcompile.metrics import class_accuracy, frechet_distance, psnr, ssim, ssim_per_image
from bdcompile.zoo import digits


def test_metrics_against_closed_forms():
    torch.manual_seed(0)
    a = torch.rand(8, 1, 8, 8)
    b = (a + 0.1).clamp(0, 1)
    mse = ((a - b) ** 2).mean().item()
    assert math.isclose(psnr(a, b), 10 * math.log10(1 / mse), rel_tol=1e-5)
    assert psnr(a, a) == float("inf") and abs(ssim(a, a) - 1) < 1e-6
    noisy = [ssim(a, (a + s * torch.randn_like(a)).clamp(0, 1)) for s in (0.05, 0.2, 0.5)]
    assert noisy[0] > noisy[1] > noisy[2]
    assert ssim_per_image(a, b).shape == (8,)
    x = torch.randn(4000, 3, generator=torch.Generator().manual_seed(1))
    assert abs(frechet_distance(x, x)) < 1e-6
    shift = torch.tensor([1.0, 2.0, 0.0])
    assert abs(frechet_distance(x, x + shift) - 5.0) < 1e-3  # same covariance: |mean shift|^2


def test_classifier_recognises_held_out_digits():
    clf = digits.load_classifier()
    x, y = digits.real_digits(split="test")
    assert class_accuracy(clf, x, y) > 0.95


def test_embedded_model_generates_the_requested_digits():
    model = digits.load_transformer()
    assert len(model.transformer_blocks) >= 12
    labels = torch.arange(10).repeat(2)
    images = digits.sample(model, labels, num_steps=10, generator=torch.Generator().manual_seed(0))
    assert images.shape == (20, 1, 8, 8) and 0 <= images.min() and images.max() <= 1
    assert class_accuracy(digits.load_classifier(), images, labels) > 0.5


def test_committed_model_cards_are_what_the_training_records_render(tmp_path):
    """The shipped MODEL_CARD*.md files are generated, never edited: rendering them again from the committed training
    records (and the Ada policy record) must give the committed text, so a card cannot drift from its record."""
    import shutil
    from pathlib import Path

    from bdcompile.zoo import train_digits, train_mnist_mmdit

    zoo = Path(digits.__file__).parent
    for name in ("digits_dit_config.json", "digits_ada_policy.json", "mnist_mmdit_config.json"):
        shutil.copy(zoo / name, tmp_path / name)
    for module, card in ((train_digits, "MODEL_CARD.md"), (train_mnist_mmdit, "MODEL_CARD_MNIST.md")):
        assert module.write_card(tmp_path) == tmp_path / card
        assert (tmp_path / card).read_text() == (zoo / card).read_text(), card
