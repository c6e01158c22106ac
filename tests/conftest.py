"""Shared fixtures: one Prefect test server per session, and the small fixture warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from support import SMALL_DELIVERY, Run, run_nightly


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server for the whole session (starting one costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def small_run(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The nightly flow run once on the hand-made fixture delivery."""
    root = tmp_path_factory.mktemp("small")
    source = root / "drop"
    shutil.copytree(SMALL_DELIVERY, source)
    return run_nightly(root, source)
