"""Shared fixtures: one moto server per test session, reset before each test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.moto_root import RootModel
from tests.support.server import MotoServer


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> Iterator[MotoServer]:
    """The moto server, reset: no state, no faults, no policy enforcement."""
    moto_server.reset()
    yield moto_server
    moto_server.reset()


@pytest.fixture
def root(moto: MotoServer) -> RootModel:
    """The root user model of the (reset) moto server."""
    return moto.model


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path
