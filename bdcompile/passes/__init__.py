"""FX graph passes of bdcompile: pure functions from a traced graph to graphs or facts about it."""
from .cut import Cut, CutError, NothingToSkipError, check_cut, find_cut
from .regions import Block, BlockRegions, NoBlockStackError, find_block_regions, is_block, normalize_module_path
from .specialize import copy_graph_module, make_forecast, make_full, make_reuse, skipped_nodes_left

__all__ = [
    "Block", "BlockRegions", "Cut", "CutError", "NoBlockStackError", "NothingToSkipError", "check_cut",
    "copy_graph_module", "find_block_regions", "find_cut", "is_block", "make_forecast", "make_full", "make_reuse",
    "normalize_module_path", "skipped_nodes_left",
]
