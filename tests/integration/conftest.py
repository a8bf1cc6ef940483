"""pytest fixtures of the integration tests; the harness they use (Cluster,
Client, FakeSource, ...) is tests/wsis_harness.py, shared with bench/."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wsis_harness import Cluster  # noqa: E402


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


@pytest.fixture(scope="module")
def all_services(tmp_path_factory):
    """Every service running, shared by the tests of one module."""
    c = Cluster(tmp_path_factory.mktemp("all"))
    try:
        c.start_all()
        yield c
    finally:
        c.close()
