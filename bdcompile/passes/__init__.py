"""FX graph passes of bdcompile: pure functions from a traced graph to graphs or facts about it.

Analyses (facts): ``regions.py`` (block stacks), ``cut.py`` (values leaving the skipped blocks, with
its post-condition ``check_cut``), ``residual.py`` (residual bases). Graph passes (``GraphModule ->
GraphModule``, run in order by ``manager.run_passes`` with their ``requires`` / ``ensures``):
``specialize.py`` (full / reuse / residual / forecast variants), ``flatten.py``, ``squeeze.py`` and
``shapes.py`` (the export's clean-up). ``adaptive.py`` assembles the adaptive variants from them.
``pipelines.py`` holds the ordered lists.
"""

from .adaptive import AdaptiveGraphs, make_adaptive
from .cut import Cut, CutError, NothingToSkipError, check_cut, find_cut
from .flatten import flatten_exported
from .manager import Condition, Pass, PassConditionError, node_counts, run_passes
from .pipelines import EXPORT_PASSES
from .regions import Block, BlockRegions, NoBlockStackError, find_block_regions, is_block, normalize_module_path
from .residual import residual_bases
from .shapes import hoist_shape_arithmetic
from .specialize import (
    CacheGroup,
    copy_graph_module,
    cut_holds,
    forecast_pass,
    full_pass,
    make_forecast,
    make_full,
    make_prefix,
    make_residual,
    make_reuse,
    no_skipped_nodes,
    residual_pass,
    reuse_pass,
    skipped_nodes_left,
)
from .squeeze import drop_noop_squeezes

__all__ = [
    "AdaptiveGraphs",
    "CacheGroup",
    "make_adaptive",
    "make_prefix",
    "make_residual",
    "residual_bases",
    "Block",
    "BlockRegions",
    "Cut",
    "CutError",
    "NoBlockStackError",
    "NothingToSkipError",
    "check_cut",
    "copy_graph_module",
    "find_block_regions",
    "find_cut",
    "is_block",
    "make_forecast",
    "make_full",
    "make_reuse",
    "normalize_module_path",
    "skipped_nodes_left",
    "Condition",
    "Pass",
    "PassConditionError",
    "node_counts",
    "run_passes",
    "EXPORT_PASSES",
    "full_pass",
    "reuse_pass",
    "residual_pass",
    "forecast_pass",
    "cut_holds",
    "no_skipped_nodes",
    "flatten_exported",
    "drop_noop_squeezes",
    "hoist_shape_arithmetic",
]
