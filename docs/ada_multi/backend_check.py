"""A trained multi-action Ada policy through the stock StableDiffusion3Pipeline with the blockdance-compiled
MNIST MMDiT (options={"policy": path}, one sample per call): per sample, the backend's plan and image equal
the training environment's (greedy plan of the policy).

    PYTHONPATH=. python docs/ada_multi/backend_check.py docs/ada_multi/lam025.safetensors 4
"""

import sys

import torch

import bdcompile
from bdcompile.ada import load_policy
from bdcompile.ada_train import Env, psnr
from bdcompile.schedules import plan_string
from bdcompile.zoo import mnist_mmdit as z

torch.set_num_threads(2)
path, n = sys.argv[1], int(sys.argv[2])
policy, meta = load_policy(path)
S = meta["num_steps"]
model = z.load_transformer()
env = Env(model, num_steps=S, scheduler=z.make_scheduler(), boundary=meta["boundary"], actions=policy.actions)
labels = torch.arange(n) % 10
seeds = [777 + i for i in range(n)]
noise = torch.cat([torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(s)) for s in seeds])
with torch.no_grad():
    x, cache = env.warm(noise, labels)
    acts = policy.action_probs(x, env.state_cond(labels)).argmax(-1)
    env_img = z.decode(env.finish(x, cache, labels, acts))
    ref = z.decode(env.finish(x, cache, labels, None))
plans = env.plans(acts)
compiled = torch.compile(
    model, backend="blockdance", options=dict(num_steps=S, inner="eager", policy=path, policy_start=meta["start"] / S)
)
pipe = z.load_pipeline(compiled)
worst = 0.0
for i in range(n):
    img = z.sample(compiled, labels[i : i + 1], S, generator=torch.Generator().manual_seed(seeds[i]), pipe=pipe)
    log = [e[3] for e in bdcompile.explain(compiled)["log"]][-S:]
    d = (img - env_img[i : i + 1]).abs().max().item()
    worst = max(worst, d)
    print(
        i,
        "backend plan",
        plan_string(log),
        "env plan",
        plan_string(plans[i]),
        "max|diff|",
        f"{d:.2e}",
        "PSNR vs uncached",
        f"{psnr(img, ref[i : i + 1]).item():.2f}",
    )
    assert log == plans[i], (log, plans[i])
print("worst max abs diff backend vs env", worst)
