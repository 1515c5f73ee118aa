"""FX graph passes of bdcompile: pure functions from a traced graph to graphs or facts about it."""
from .cut import Cut, CutError, NothingToSkipError, check_cut, find_cut
from .regions import Block, BlockRegions, NoBlockStackError, find_block_regions, is_block, normalize_module_path
from .adaptive import AdaptiveGraphs, make_adaptive
from .residual import residual_bases
from .specialize import (CacheGroup, copy_graph_module, make_forecast, make_full, make_prefix, make_residual,
                         make_reuse, skipped_nodes_left)

__all__ = [
    "AdaptiveGraphs", "CacheGroup", "make_adaptive", "make_prefix", "make_residual", "residual_bases",
    "Block", "BlockRegions", "Cut", "CutError", "NoBlockStackError", "NothingToSkipError", "check_cut",
    "copy_graph_module", "find_block_regions", "find_cut", "is_block", "make_forecast", "make_full", "make_reuse",
    "normalize_module_path", "skipped_nodes_left",
]
