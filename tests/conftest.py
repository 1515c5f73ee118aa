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
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()
