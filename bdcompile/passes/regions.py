"""Block-region pass: find the stack(s) of transformer blocks in a traced graph.

Every node that dynamo traces carries ``node.meta["nn_module_stack"]``: the chain of modules that
owned the code that made it, outermost first, as ``{key: (path, module_class)}``.  A transformer
block is a child of an ``nn.ModuleList`` and therefore has a path ending in an integer index
(``transformer_blocks.0``, ``single_transformer_blocks.3``, ``blocks.11``).  This pass groups nodes
by the outermost such indexed module, groups those modules into stacks by their list name, and
numbers the blocks of all stacks together in execution order (Flux: the 19 double-stream blocks,
then the 38 single-stream ones, as blocks 0..56).  No per-model table is involved.

Which module lists are block stacks is decided from the graph alone (:func:`is_block` per member):

1. the members attend: they hold an attention op (``scaled_dot_product_attention``, ``softmax``,
   flash/flex attention); lists of projections, embedders, MLPs or conv res-blocks do not;
2. a stream passes through them: of the tensors a member hands on to later nodes, one has the rank
   and the last (feature) dimension of a tensor it reads (the hidden states flow through it; an
   attention pooler or an embedder that changes the width is not a block); this holds for every
   member that hands a tensor on (a member whose results go unused hands nothing on).

A *stack* is a top-level module list (not nested in a member of another list) whose members share
one class, pass a stream (2) and attend (1; at least one member, so that a stack of one class
whose configuration switches attention off in some members still counts).  Any number of members
counts, one included (minimal configs: one double-stream + one single-stream block).

Not part of the rule: whether the stream comes from the latent input (the graph does not say which
input is the latent without per-model names; text refiners and text blocks are stacks by this rule,
as they are blocks of the model) or whether it reaches the output (a stack whose results a config
leaves unused, Kandinsky 6's audio-text blocks without audio, is dead work that reuse steps may as
well skip).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch
import torch.fx as fx
from torch.fx.experimental.symbolic_shapes import statically_known_true

__all__ = ["Block", "BlockRegions", "NoBlockStackError", "find_block_regions", "is_block", "normalize_module_path"]

_DICT_MODULES = re.compile(r"\.__dict__\[['\"]_modules['\"]\]\[['\"]([^'\"]+)['\"]\]")
_SUBSCRIPT = re.compile(r"\[['\"]?([^'\"\]]+)['\"]?\]")


class NoBlockStackError(ValueError):
    """The traced graph holds no repeated stack of blocks that BlockDance could cut."""


def normalize_module_path(path: str) -> str:
    """``L['self'].__dict__['_modules']['transformer_blocks'].0.attn1`` -> ``transformer_blocks.0.attn1``."""
    path = _DICT_MODULES.sub(r".\1", path)
    path = _SUBSCRIPT.sub(r".\1", path)
    for prefix in ("L.self.", "L.self", "self.", "self"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
            break
    return path.strip(".")


@dataclass
class Block:
    """One member of a block stack: ``stack`` is the list's path, ``index`` its position in the list,
    ``order`` its position among all blocks of all stacks in execution order."""

    stack: str
    index: int
    order: int
    cls: str
    nodes: list = field(default_factory=list, repr=False)

    @property
    def name(self) -> str:
        return f"{self.stack}.{self.index}"


@dataclass
class BlockRegions:
    """The result of the pass: blocks in execution order and the node -> block map."""

    blocks: list[Block]
    node_block: dict  # fx.Node -> Block
    module_lists: dict  # every indexed module list seen: path -> number of members

    @property
    def stacks(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for b in self.blocks:
            out[b.stack] = out.get(b.stack, 0) + 1
        return out

    def __len__(self) -> int:
        return len(self.blocks)


def _indexed_entry(stack_meta) -> tuple[str, int, str] | None:
    """The outermost module in a node's stack that is a member of a list: (list path, index, class)."""
    for value in stack_meta.values():
        path, cls = value if isinstance(value, tuple) else (value, None)
        norm = normalize_module_path(str(path))
        parts = norm.split(".")
        for i, part in enumerate(parts):
            if part.isdigit() and i > 0:
                cls_name = getattr(cls, "__name__", str(cls))
                if i == len(parts) - 1:
                    return ".".join(parts[:i]), int(part), cls_name
                break  # a deeper path: its own entry for the indexed module comes first
    return None


_ATTENTION_WORDS = ("scaled_dot_product_attention", "softmax", "flash_attn", "attention")


def _is_attention(node: fx.Node) -> bool:
    if node.op not in ("call_function", "call_method"):
        return False
    name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
    return any(w in name for w in _ATTENTION_WORDS)


def _tensor(node: fx.Node):
    v = node.meta.get("example_value", node.meta.get("val"))
    return v if isinstance(v, torch.Tensor) else None


def _same_width(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.dim() == b.dim() and a.dim() > 0 and statically_known_true(a.shape[-1] == b.shape[-1])


def is_block(nodes: list) -> dict:
    """The tests of the module docstring for one list member (its nodes): ``attends``, ``hands_on``
    (a tensor it makes is read after it) and ``stream`` (one tensor it hands on has the rank and
    width of a tensor it reads)."""
    inside = set(nodes)
    reads = [t for n in nodes for a in n.all_input_nodes if a not in inside and (t := _tensor(a)) is not None]
    handed = [t for n in nodes if any(u not in inside for u in n.users) and (t := _tensor(n)) is not None]
    return {
        "attends": any(_is_attention(n) for n in nodes),
        "hands_on": bool(handed),
        "stream": any(_same_width(o, i) for o in handed for i in reads),
    }


def find_block_regions(gm: fx.GraphModule, stacks: list[str] | None = None, min_blocks: int = 1) -> BlockRegions:
    """Map every node that belongs to a block of a block stack to that block.

    ``stacks``: list paths to use (e.g. ``["transformer_blocks"]``, taken as they are); by default
    every top-level module list with at least ``min_blocks`` members that is a stack by the rule of
    the module docstring.  Raises :class:`NoBlockStackError` naming the module lists it saw (and why
    each is not a stack) when none qualifies.
    """
    members: dict[tuple[str, int], Block] = {}
    node_key: dict[fx.Node, tuple[str, int]] = {}
    first_seen: dict[tuple[str, int], int] = {}
    for pos, node in enumerate(gm.graph.nodes):
        meta = node.meta.get("nn_module_stack")
        if not meta or node.op in ("placeholder", "output", "get_attr"):
            continue
        entry = _indexed_entry(meta)
        if entry is None:
            continue
        stack, index, cls = entry
        key = (stack, index)
        if key not in members:
            members[key] = Block(stack=stack, index=index, order=-1, cls=cls)
            first_seen[key] = pos
        members[key].nodes.append(node)
        node_key[node] = key

    lists: dict[str, list[Block]] = {}
    for (stack, _), block in members.items():
        lists.setdefault(stack, []).append(block)
    module_lists = {name: len(bs) for name, bs in lists.items()}

    def why_not(name: str, bs: list[Block]) -> str | None:
        """None if the list is a block stack, else the first reason it is not."""
        if any(name.startswith(other + ".") for other in lists if other != name):
            return "nested in another list"
        if len(bs) < min_blocks:
            return f"fewer than {min_blocks} members"
        if len({b.cls for b in bs}) != 1:
            return "members of several classes"
        tests = [is_block(b.nodes) for b in bs]
        if not all(t["stream"] for t in tests if t["hands_on"]):
            return "no stream passes through (a tensor it hands on changes width)"
        if not any(t["attends"] for t in tests):
            return "no attention"
        return None

    if stacks is not None:
        chosen = {name for name in lists if name in stacks}
        if set(stacks) - chosen:
            raise NoBlockStackError(
                f"blockdance: stacks {sorted(set(stacks) - chosen)} were asked for but not found in the traced graph; "
                f"module lists seen: {module_lists or 'none'}"
            )
    else:
        reasons = {name: why_not(name, bs) for name, bs in lists.items()}
        chosen = {name for name, r in reasons.items() if r is None}
        if not chosen:
            seen = "; ".join(f"{name!r} ({module_lists[name]}): {r}" for name, r in reasons.items()) or "none"
            raise NoBlockStackError(
                "blockdance: no stack of transformer blocks found in the traced graph (a stack is a module list whose "
                "members attend and pass the hidden states through); module lists seen: "
                f"{module_lists or 'none'} -- {seen}. Pass options={{'stacks': [...]}} to name the block lists, or "
                "options={'fallback': True} to run the plain inner backend."
            )
    ordered = sorted((members[k] for k in members if k[0] in chosen), key=lambda b: first_seen[(b.stack, b.index)])
    for order, block in enumerate(ordered):
        block.order = order
    node_block = {n: members[k] for n, k in node_key.items() if k[0] in chosen}
    return BlockRegions(blocks=ordered, node_block=node_block, module_lists=module_lists)
