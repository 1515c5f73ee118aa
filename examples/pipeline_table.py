"""Print the README's pipeline table from the results tests/test_pipelines_blockdance.py writes:

    BDC_RUN_SLOW=1 BDC_PIPELINE_JSON=$PWD/docs/pipelines_blockdance.json \
        python -m pytest tests/test_pipelines_blockdance.py
    python examples/pipeline_table.py [docs/pipelines_blockdance.json] > /tmp/table.md

One row per tested case (pipeline class, transformer class, transformer calls per scheduler step and how CFG runs,
result against the oracle), then one row per DiT pipeline class of diffusers that no case covers (tests/pipelines.py
NOT_COVERED, with the reason).
"""

import inspect
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def calls(rec) -> str:
    """'CFG on: 2 calls x batch 1 / off: 1 x 1' from the measured runs (first run of each CFG setting)."""
    parts, seen = [], set()
    for run in rec.get("runs", []):
        if run["cfg"] in seen:
            continue
        seen.add(run["cfg"])
        n = "/".join(map(str, run.get("calls_per_step", []))) or "0"
        b = "/".join(map(str, run.get("batches", []))) or "?"
        parts.append(f"{'on' if run['cfg'] else 'off'}: {n} x b{b}")
    return ", ".join(parts) or "-"


def style(rec) -> str:
    runs = {run["cfg"]: run for run in rec.get("runs", [])}
    if not runs:
        return "-"
    on = runs.get(True)
    if on is None:
        return "no CFG"
    n, b = max(on.get("calls_per_step") or [0]), max(on.get("batches") or [0])
    off_b = max((runs.get(False) or {}).get("batches") or [0])
    if n >= 2:
        return "CFG as 2 calls"
    if b >= 3 or (off_b == 2 and b >= 2):
        return f"CFG + PAG in the batch ({b})"
    return "CFG in the batch"


def result(rec) -> str:
    if rec.get("error") or rec.get("problems"):
        what = rec.get("error") or rec["problems"][0].splitlines()[0]
        head = "**fails**" + (" (bdcompile bug)" if rec.get("bug") else "")
        why = rec["bug"].replace("bdcompile bug: ", "").split(" (test_")[0] if rec.get("bug") else what
        return f"{head}: {why}"
    if rec.get("expect") == "uncached":
        return f"uncached, equal to eager: {rec['why']}"
    attrs = list(rec.get("blocks", {}))
    reuses = sum(run[a]["oracle"].count("r") for run in rec["runs"] for a in attrs)
    total = sum(len(run[a]["oracle"]) for run in rec["runs"] for a in attrs)
    b = rec.get("boundary", {})
    depth = "; ".join(f"boundary {b[a]} of {len(rec['blocks'][a])}" for a in attrs[:1] if a in b)
    out = (
        f"exact vs oracle ({reuses} of {total} calls reused; {depth})"
        if reuses
        else f"exact vs oracle, no reuse step ran ({depth})"
    )
    notes = []
    if rec.get("compile_kw"):
        notes.append("compiled with " + ", ".join(f"{k}={v}" for k, v in rec["compile_kw"].items()))
    r0 = rec["runs"][0]
    if r0["entries"] != r0["steps"]:
        notes.append(f"plan over {r0['entries']} scheduler entries, {r0['steps']} step{'s' * (r0['steps'] != 1)} ran")
    if any(g.get("eager_blocks") for g in rec.get("graphs", {}).values()):
        notes.append("graph-broken forward run eagerly by dynamo: blocks cached at their calls")
    elif any(g.get("pieces") for g in rec.get("graphs", {}).values()):
        notes.append("graph-broken forward: the piece holding the blocks is specialised")
    return out + ("; " + "; ".join(notes) if notes else "")


def transformer_class(pipeline_cls: str) -> str:
    """The transformer class a pipeline class declares (its ``__init__`` annotation)."""
    import diffusers

    try:
        ann = inspect.signature(getattr(diffusers, pipeline_cls).__init__).parameters["transformer"].annotation
    except Exception:  # noqa: BLE001
        return "?"
    return ann.__name__ if isinstance(ann, type) else str(ann).split(".")[-1].strip("'>")


def main(argv):
    path = Path(argv[0]) if argv else ROOT / "docs" / "pipelines_blockdance.json"
    data = json.loads(path.read_text())
    rows = ["| pipeline | case | transformer | calls per step x batch | CFG | result |", "|---|---|---|---|---|---|"]
    counts = {}
    for name, rec in sorted(data.items(), key=lambda kv: (kv[1]["pipeline"], kv[0])):
        res = result(rec)
        kind = res.split(" ")[0].split(",")[0].strip("*")
        counts[kind] = counts.get(kind, 0) + 1
        tname = " / ".join(rec.get("transformer", [])) or transformer_class(rec["pipeline"])
        rows.append(f"| {rec['pipeline']} | {name} | {tname} | {calls(rec)} | {style(rec)} | {res.replace('|', '/')} |")
    from pipelines import NOT_COVERED  # noqa: E402

    tested = {rec["pipeline"] for rec in data.values()}
    for cls_name, why in sorted(NOT_COVERED.items()):
        if cls_name in tested:
            continue
        rows.append(f"| {cls_name} | - | {transformer_class(cls_name)} | - | - | not covered: {why.strip()} |")
        counts["not covered"] = counts.get("not covered", 0) + 1
    print("\n".join(rows))
    print("\n" + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore")
    main(sys.argv[1:])
