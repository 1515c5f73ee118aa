"""What a cache value or a compiled callable was made for: the signature of the inputs it saw.

A reuse step may only read cut values made for inputs of the same shapes, dtypes and devices (and the
same values of plain int/float/bool arguments); a compiled callable of a dynamic graph is chosen by the
same signature. Used by the dispatcher's cache key, the exported runners' cache key and
:class:`bdcompile.inner.LazyVariant`.
"""

from __future__ import annotations

import torch


def signature(args) -> tuple:
    """Shapes, dtypes and devices of tensor arguments and values of int arguments."""
    return tuple(
        (tuple(a.shape), a.dtype, a.device)
        if isinstance(a, torch.Tensor)
        else a
        if isinstance(a, (int, float, bool))
        else type(a)
        for a in args
    )
