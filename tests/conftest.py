import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))

# one torch thread per test process: the models under test are tiny, and more threads than free cores spin
# against the other worker or a busy machine (20-50x slower kernels seen on 2 cores)
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def fresh_dynamo():
    from bdcompile import backend

    torch._dynamo.reset()
    backend._WARNED.clear()  # warnings given once per process: each test sees its own
    yield
    torch._dynamo.reset()


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.slow`` tests run only with BDC_RUN_SLOW=1 (pyproject.toml declares the marker)."""
    if os.environ.get("BDC_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow; run with BDC_RUN_SLOW=1")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)
