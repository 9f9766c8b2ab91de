"""pytest-benchmark suites (not part of the default test run: `pytest benchmarks`)."""

import os
from pathlib import Path

import pytest

import mfrec


@pytest.fixture(scope="session")
def ml100k_split():
    home = Path(os.environ.get("MFREC_DATA") or Path.home() / ".cache" / "mfrec")
    if (home / "ml-100k" / "u.data").is_file():
        data = mfrec.datasets.load_movielens("100k", download=False)
    else:
        data = mfrec.datasets.synthetic(943, 1682, 100_000, random_state=0)
    return mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)


@pytest.fixture(scope="session")
def synthetic_1m():
    data = mfrec.datasets.synthetic(20_000, 5_000, 1_000_000, random_state=0)
    return mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)
