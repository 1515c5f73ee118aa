"""Image quality metrics in plain torch (images in [0, 1], shape [B, C, H, W])."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["psnr", "ssim", "ssim_per_image", "class_accuracy", "frechet_distance"]


def psnr(a: torch.Tensor, b: torch.Tensor, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB over the whole batch (inf for identical inputs)."""
    mse = F.mse_loss(a.float(), b.float()).item()
    return float("inf") if mse == 0 else 10.0 * torch.log10(torch.tensor(peak**2 / mse)).item()


def _gauss(size: int, sigma: float, channels: int) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = (g / g.sum()).float()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def ssim_per_image(a: torch.Tensor, b: torch.Tensor, size: int | None = None, sigma: float = 1.5) -> torch.Tensor:
    """Structural similarity of each image pair (Gaussian window; 11x11 or smaller for small images)."""
    a, b = a.float(), b.float()
    c = a.shape[1]
    size = size or min(11, a.shape[-1] - (1 - a.shape[-1] % 2))
    sigma = min(sigma, size / 4) if size < 11 else sigma
    w = _gauss(size, sigma, c).to(a.device)
    mu_a, mu_b = F.conv2d(a, w, groups=c), F.conv2d(b, w, groups=c)
    saa = F.conv2d(a * a, w, groups=c) - mu_a**2
    sbb = F.conv2d(b * b, w, groups=c) - mu_b**2
    sab = F.conv2d(a * b, w, groups=c) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2))
    return m.flatten(1).mean(1)


def ssim(a: torch.Tensor, b: torch.Tensor, **kw) -> float:
    return ssim_per_image(a, b, **kw).mean().item()


@torch.no_grad()
def class_accuracy(classifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (classifier(images).argmax(-1) == labels).float().mean().item()


def _sqrtm_psd(m: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(m)
    return (vecs * vals.clamp_min(0).sqrt()) @ vecs.T


def frechet_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets [N, D] (FID's formula)."""
    x, y = x.double(), y.double()
    mx, my = x.mean(0), y.mean(0)
    cx, cy = torch.cov(x.T), torch.cov(y.T)
    sx = _sqrtm_psd(cx)
    cross = _sqrtm_psd(sx @ cy @ sx)
    return ((mx - my).square().sum() + torch.trace(cx) + torch.trace(cy) - 2 * torch.trace(cross)).item()
