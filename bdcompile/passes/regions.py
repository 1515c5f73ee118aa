"""Block-region pass: find the stack(s) of transformer blocks in a traced graph.

Every node that dynamo traces carries ``node.meta["nn_module_stack"]``: the chain of modules that
owned the code that made it, outermost first, as ``{key: (path, module_class)}``.  A transformer
block is a child of an ``nn.ModuleList`` and therefore has a path ending in an integer index
(``transformer_blocks.0``, ``single_transformer_blocks.3``, ``blocks.11``).  This pass groups nodes
by the outermost such indexed module, groups those modules into stacks by their list name, and
numbers the blocks of all stacks together in execution order (Flux: the 19 double-stream blocks,
then the 38 single-stream ones, as blocks 0..56).  No per-model table is involved.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch.fx as fx

__all__ = ["Block", "BlockRegions", "NoBlockStackError", "find_block_regions", "normalize_module_path"]

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
            path = path[len(prefix):]
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


def find_block_regions(gm: fx.GraphModule, stacks: list[str] | None = None, min_blocks: int = 2) -> BlockRegions:
    """Map every node that belongs to a block of a block stack to that block.

    ``stacks``: list paths to use (e.g. ``["transformer_blocks"]``); by default every top-level module
    list with at least ``min_blocks`` members whose members share one class and hold an attention op
    (any such list if none holds one).  Raises
    :class:`NoBlockStackError` naming the module lists it saw when none qualifies.
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

    def qualifies(name: str, bs: list[Block]) -> bool:
        if stacks is not None:
            return name in stacks
        top_level = not any(name.startswith(other + ".") and other in lists for other in lists if other != name)
        return top_level and len(bs) >= min_blocks and len({b.cls for b in bs}) == 1

    candidates = {name for name, bs in lists.items() if qualifies(name, bs)}
    # transformer blocks attend: prefer the lists whose members hold an attention-like op (this drops
    # lists of projections, embedders, conv res-blocks); keep every candidate if none does
    attending = {name for name in candidates if any(_is_attention(n) for b in lists[name] for n in b.nodes)}
    chosen = candidates if stacks is not None or not attending else attending
    if stacks is not None and set(stacks) - chosen:
        raise NoBlockStackError(
            f"blockdance: stacks {sorted(set(stacks) - chosen)} were asked for but not found in the traced graph; "
            f"module lists seen: {module_lists or 'none'}"
        )
    if not chosen:
        raise NoBlockStackError(
            "blockdance: no stack of transformer blocks found in the traced graph (need an nn.ModuleList of "
            f">= {min_blocks} blocks of one class, called from forward); module lists seen: "
            f"{module_lists or 'none'}. Pass options={{'stacks': [...]}} to name the block lists, or "
            "options={'fallback': True} to run the plain inner backend."
        )
    ordered = sorted((members[k] for k in members if k[0] in chosen), key=lambda b: first_seen[(b.stack, b.index)])
    for order, block in enumerate(ordered):
        block.order = order
    node_block = {n: members[k] for n, k in node_key.items() if k[0] in chosen}
    return BlockRegions(blocks=ordered, node_block=node_block, module_lists=module_lists)
