"""Print the README's family table: each diffusers transformer class of tests/families.py through
backend="blockdance" (one traced call, eager inner): block stacks found, default boundary, cut.

    python examples/family_table.py [FAMILY ...] > /tmp/table.md
"""

import sys
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from families import FAMILIES  # noqa: E402

import bdcompile  # noqa: E402

warnings.filterwarnings("ignore")
print("| family | class | stacks found (blocks, execution order) | default boundary | cut values | traced as |")
print("|---|---|---|---|---|---|")
names = sys.argv[1:] or list(FAMILIES)
for name in names:
    fam = FAMILIES[name]
    torch._dynamo.reset()
    model = fam.make_model(seed=0)
    kw = fam.make_inputs(batch_size=1, seed=0)
    if fam.probe.get("traced_via") == "return_dict_false":
        kw["return_dict"] = False
    kw = fam.with_timestep(kw, fam.timesteps(10)[0])
    opts = dict(
        num_steps=10,
        inner="eager",
        **(dict(timestep_arg=fam.timestep_kwarg) if fam.timestep_kwarg else dict(step_source="counter")),
    )
    try:
        with torch.no_grad():
            model(**kw)  # builds lazy tables (Z-Image, BriaFibo2)
            torch.compile(model, backend="blockdance", fullgraph=True, options=opts)(**kw)
        g = bdcompile.explain(model)["graphs"][0]
        stacks = ", ".join(f"`{k}` x{v}" for k, v in g["stacks"].items())
        print(
            f"| {name} | {fam.cls_name} | {stacks} | {g['boundary']} of {len(g['blocks'])} | {len(g['cut'])} "
            "| one graph |"
        )
    except Exception as e:  # noqa: BLE001
        reason = str(e).strip().splitlines()[0][:70].replace("|", "/")
        # not one graph: what dynamo hands the backend without fullgraph (pieces and fragments)
        torch._dynamo.reset()
        model = fam.make_model(seed=0)
        try:
            with torch.no_grad():
                model(**kw)
                compiled = torch.compile(model, backend="blockdance", options=opts)
                compiled(**kw)
                compiled(**kw)  # block-level caching plans its boundary at the first call after the compile
            info = bdcompile.explain(compiled)
            cached = [g for g in info["graphs"] if g.get("boundary")]
            eb = info.get("eager_blocks")
            if eb and eb.get("blocks"):
                lists = {p: len(model.get_submodule(p)) for p in eb["lists"]}
                stacks = ", ".join(f"`{k}` x{v}" for k, v in lists.items())
                print(
                    f"| {name} | {fam.cls_name} | {stacks} | {eb['boundaries'].get('reuse')} of {eb['blocks']} | "
                    f"block outputs | graph breaks ({reason}): forward run eagerly, blocks cached at their calls |"
                )
            elif cached:
                g = cached[0]
                stacks = ", ".join(f"`{k}` x{v}" for k, v in g["stacks"].items())
                print(
                    f"| {name} | {fam.cls_name} | {stacks} | {g['boundary']} of {len(g['blocks'])} | {len(g['cut'])} "
                    f"| graph breaks ({reason}): the piece holding the blocks is specialised |"
                )
            else:
                print(
                    f"| {name} | {fam.cls_name} | - | - | - | graph breaks ({reason}): "
                    f"{len(info.get('pieces', []))} pieces, {len(info.get('fragments', []))} fragments, "
                    "none holds the whole stack: compiled plainly, uncached |"
                )
        except Exception as e2:  # noqa: BLE001
            print(f"| {name} | {fam.cls_name} | - | - | - | fails: {str(e2).strip().splitlines()[0][:90]} |")
    sys.stdout.flush()
