"""The one denoising loop of bdcompile: a diffusers scheduler (DDIM, flow-matching Euler, ...) with
classifier-free guidance as one doubled batch.

    predict = sampling.class_conditional(model, labels, null_label=1000)   # DiT: [cond; uncond]
    latents = sampling.denoise(predict, scheduler, noise, guidance=3.0)

``predict(x2, t)`` is one model call on the doubled batch ``[x; x]`` at timestep ``t``; its halves are
combined as the diffusers pipelines do (``uncond + guidance * (cond - uncond)``, on the first
``x.shape[1]`` output channels: a learned variance is dropped) and the scheduler steps the single batch.
The embedded models' ``sample_from_noise``, ``bench``'s random-weight loop and the Ada training
environment all run this loop, so their numerics are the pipelines' (tests pin the equalities).
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

__all__ = ["denoise", "guide", "class_conditional", "rewind"]


def guide(out: torch.Tensor, guidance: float, cond_first: bool = True) -> torch.Tensor:
    """Combine the two halves of a doubled-batch output: ``uncond + guidance * (cond - uncond)``."""
    a, b = out.chunk(2)
    cond, uncond = (a, b) if cond_first else (b, a)
    return uncond + guidance * (cond - uncond)


def rewind(scheduler) -> None:
    """Forget a stateful scheduler's position (flow matching, DPM-Solver keep a step index): the next
    ``step`` finds it from its timestep, so one scheduler serves many loops, also partial ones."""
    if getattr(scheduler, "_step_index", None) is not None:
        scheduler._step_index = None


@torch.no_grad()
def denoise(
    predict: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    scheduler,
    x: torch.Tensor,
    timesteps: Sequence | None = None,
    *,
    guidance: float = 1.0,
    cond_first: bool = True,
    num_steps: int | None = None,
) -> torch.Tensor:
    """Run ``scheduler`` from ``x`` over ``timesteps`` (default: all of ``scheduler.timesteps``, after
    ``set_timesteps(num_steps)`` when given) with CFG on a doubled batch; returns the final latents."""
    if num_steps is not None:
        scheduler.set_timesteps(num_steps)
    rewind(scheduler)
    c = x.shape[1]
    for t in scheduler.timesteps if timesteps is None else timesteps:
        out = predict(torch.cat([x, x]), t)[:, :c]
        x = scheduler.step(guide(out, guidance, cond_first), t, x, return_dict=False)[0]
    return x


def class_conditional(model, labels, null_label: int, timestep_arg: str = "timestep") -> Callable:
    """``predict`` for a class-conditional transformer (``DiTTransformer2DModel``): labels then the null
    label (DiTPipeline's order, cond first)."""
    labels = torch.as_tensor(labels).reshape(-1)
    lab = torch.cat([labels, torch.full_like(labels, null_label)])

    def predict(x2, t):
        return model(x2, class_labels=lab, return_dict=False, **{timestep_arg: t.expand(x2.shape[0])})[0]

    return predict
