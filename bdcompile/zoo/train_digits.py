"""Train the embedded digits DiT and its classifier (seeded, CPU-friendly, progress bars).

    python -m bdcompile.zoo.train_digits --steps 4000

Writes digits_dit.safetensors (+ digits_dit_config.json with the training record),
digits_classifier.safetensors and samples.png next to this file (or in --out).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from . import digits as D


def train_classifier(epochs: int = 40, seed: int = 0):
    torch.manual_seed(seed)
    x, y = D.real_digits(split="train")
    xt, yt = D.real_digits(split="test")
    clf = D.DigitClassifier()
    opt = torch.optim.Adam(clf.parameters(), lr=2e-3)
    for _ in tqdm(range(epochs), desc="classifier"):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i : i + 64]
            xb = x[idx] + 0.05 * torch.randn_like(x[idx])  # a little noise: generated digits are not pristine
            loss = F.cross_entropy(clf(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    clf.eval()
    with torch.no_grad():
        acc = (clf(xt).argmax(-1) == yt).float().mean().item()
    return clf, acc


def train_dit(steps: int, batch: int = 128, lr: float = 1e-3, seed: int = 0):
    from diffusers import DDPMScheduler

    torch.manual_seed(seed)
    x, y = D.real_digits(split="train")
    x = x * 2 - 1
    model = D.build_transformer().train()
    sched = DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2")
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)

    def lr_at(s):  # linear warm-up over 200 steps, then cosine decay to 10%
        return (
            lr * min(1.0, (s + 1) / 200) * (0.1 + 0.9 * 0.5 * (1 + torch.cos(torch.tensor(s / steps * 3.14159)).item()))
        )

    ema = {k: v.detach().clone() for k, v in model.state_dict().items()}
    losses = []
    bar = tqdm(range(steps), desc="DiT (DDPM)")
    for s in bar:
        idx = torch.randint(0, len(x), (batch,))
        x0, labels = x[idx], y[idx].clone()
        labels[torch.rand(batch) < 0.1] = D.NULL_CLASS  # label dropout for classifier-free guidance
        noise = torch.randn_like(x0)
        t = torch.randint(0, 1000, (batch,))
        xt = sched.add_noise(x0, noise, t)
        pred = model(xt, timestep=t, class_labels=labels).sample
        loss = F.mse_loss(pred, noise)
        for g in opt.param_groups:
            g["lr"] = lr_at(s)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for k, v in model.state_dict().items():
                ema[k].mul_(0.995).add_(v.detach(), alpha=0.005) if v.dtype.is_floating_point else ema[k].copy_(v)
        losses.append(loss.item())
        if s % 50 == 0:
            bar.set_postfix(loss=f"{sum(losses[-50:]) / len(losses[-50:]):.4f}")
    model.load_state_dict(ema)
    return model.eval(), losses


def save_grid(images, path, rows):
    import numpy as np
    from PIL import Image

    b, _, h, w = images.shape
    cols = b // rows
    grid = images[: rows * cols, 0].reshape(rows, cols, h, w).permute(0, 2, 1, 3).reshape(rows * h, cols * w)
    arr = (grid.clamp(0, 1).numpy() * 255).astype(np.uint8)
    Image.fromarray(arr).resize((cols * w * 8, rows * h * 8), Image.NEAREST).save(path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--out", default=str(D.HERE))
    args = ap.parse_args(argv)
    from safetensors.torch import save_file

    out = Path(args.out)
    t0 = time.time()
    clf, clf_acc = train_classifier()
    save_file({k: v.contiguous() for k, v in clf.state_dict().items()}, str(out / D.CLASSIFIER.name))
    t1 = time.time()
    model, losses = train_dit(args.steps, args.batch)
    train_s = time.time() - t1
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / D.WEIGHTS.name))
    labels = torch.arange(10).repeat(10)
    imgs = D.sample(model, labels, num_steps=20, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        gen_acc = (clf(imgs).argmax(-1) == labels).float().mean().item()
    save_grid(imgs, out / "samples.png", rows=10)
    record = {
        "config": D.DIT_CONFIG,
        "data": "sklearn.datasets.load_digits, 8x8, 85% train split (1527 images), scaled to [-1, 1]",
        "objective": "DDPM epsilon prediction, squaredcos_cap_v2 betas, 1000 train steps, "
        "10% label dropout (null label 1000)",
        "steps": args.steps,
        "batch": args.batch,
        "seed": 0,
        "ema": 0.995,
        "final_loss_last200": sum(losses[-200:]) / 200,
        "train_seconds": round(train_s, 1),
        "threads": torch.get_num_threads(),
        "classifier_test_accuracy": clf_acc,
        "generated_class_accuracy_ddim20_cfg3": gen_acc,
        "total_seconds": round(time.time() - t0, 1),
    }
    (out / D.CONFIG.name).write_text(json.dumps(record, indent=1))
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()


def write_card(out: Path = D.HERE) -> Path:
    """MODEL_CARD.md from the training record in digits_dit_config.json."""
    r = json.loads((out / D.CONFIG.name).read_text())
    c = r["config"]
    text = f"""# Embedded model: class-conditional digits DiT

- **Architecture**: diffusers `DiTTransformer2DModel`, {c["num_layers"]} transformer blocks,
  {c["num_attention_heads"]} heads x {c["attention_head_dim"]} ({c["num_attention_heads"] * c["attention_head_dim"]}
  wide), patch {c["patch_size"]}, adaLN-Zero, pixel space ({c["sample_size"]}x{c["sample_size"]}x{c["in_channels"]},
  scaled to [-1, 1]); class labels 0-9, null label 1000 (DiTPipeline's convention for classifier-free guidance).
- **Data**: {r["data"]}.
- **Objective**: {r["objective"]}.
- **Training**: {r["steps"]} AdamW steps, batch {r["batch"]}, lr 1e-3 (warm-up, cosine), grad clip 1, EMA {r["ema"]},
  seed {r["seed"]}, {r["threads"]} CPU thread(s), {r["train_seconds"]} s; mean loss of the last 200 steps
  {r["final_loss_last200"]:.4f}. Reproduce:
  `python -m bdcompile.zoo.train_digits --steps {r["steps"]} --batch {r["batch"]}`.
- **Sampling**: `bdcompile.zoo.digits.load_pipeline()`: a diffusers `DiTPipeline` (DDIM, `squaredcos_cap_v2`,
  identity VAE). `samples.png`: 20 DDIM steps, guidance 3, one column per class 0-9.
- **Classifier** (`digits_classifier.safetensors`, a 3-conv CNN): {r["classifier_test_accuracy"]:.1%} accuracy on the
  held-out 15% of the digits; its 64-d penultimate features serve the Fréchet distance (an FID analogue).
- **Generated digits** classified as the requested class: {r["generated_class_accuracy_ddim20_cfg3"]:.1%}
  (100 samples, 20 DDIM steps, guidance 3).

![samples](samples.png)
"""
    ada = out / "digits_ada_policy.json"
    if ada.exists():
        a = json.loads(ada.read_text())
        quality = a["quality"].upper() if a["quality"] == "ssim" else "classifier confidence"
        text += f"""
## BlockDance-Ada policy (`digits_ada_policy.*`)
A {a["depth"]}-layer, {a["dim"]}-wide policy: the latent at step {a["start"]} of {a["num_steps"]} and the class
label -> reuse probability for each of the {a["num_decisions"]} remaining steps (boundary {a["boundary"]}).
REINFORCE, reward = reused fraction + {a["lam"]:g} x {quality} to the uncached result,
{a["samples"]} plans per state (leave-one-out baseline), warm start from the static plan, {a["iters"]} iterations x
{a["batch"]} states, {a["train_seconds"]} s on {a["threads"]} thread(s); curves in `digits_ada_policy_training.png`.
Reproduce: `python -m bdcompile.ada_train --lam {a["lam"]:g} --iters {a["iters"]} --batch {a["batch"]}
--samples {a["samples"]} --threads 1`. Evaluation against the static schedule: `BENCHMARKS.md` (issue 7).
"""
    path = out / "MODEL_CARD.md"
    path.write_text(text)
    return path
