"""Attack 6: a relative destination, and writing through symlinks.

On main before this suite, the signed destination was `file:mgdc_data`, resolved against the
working directory at run time: running from another folder, or through a symlinked `mgdc_data`
or `_staging`, wrote elsewhere and every check passed. Now the registration pins the absolute,
real path, and every folder a write touches must really lie inside it.
"""

from __future__ import annotations

import os
from pathlib import Path

from mgdc_pipelines.spec import load_spec
from mgdc_pipelines_tests.security.attacker import copy, deployment, partition_folder


def _relative_sink(raw: dict) -> None:
    raw["sink"]["path"] = "./mgdc_data"


def test_running_from_another_folder_writes_where_the_registration_says(small_spec_factory, tmp_path, monkeypatch):
    app = small_spec_factory(_relative_sink)  # approved: the signature holds <spec folder>/mgdc_data
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    reloaded = load_spec(app.spec_path)
    with deployment() as instance:
        assert copy(reloaded, "User_v1", instance).success
    assert (Path(app.spec_path).parent / "mgdc_data").is_dir()
    assert not (elsewhere / "mgdc_data").exists()


def test_a_symlinked_sink_folder_planted_after_approval_is_refused_before_any_io(small_spec_factory, tmp_path):
    app = small_spec_factory(_relative_sink)
    target = tmp_path / "exfiltrated"
    target.mkdir()
    sink_root = Path(app.spec_path).parent / "mgdc_data"
    sink_root.symlink_to(target)
    with deployment() as instance:
        outcome = copy(load_spec(app.spec_path), "User_v1", instance)
    assert not outcome.success
    assert "consent check 'destination' refused" in outcome.failure
    assert list(target.iterdir()) == []


def test_a_symlinked_staging_folder_is_refused_before_any_io(small_spec_factory, tmp_path):
    app = small_spec_factory()
    target = tmp_path / "exfiltrated"
    target.mkdir()
    root = app.sink.resolved_path()
    root.mkdir(parents=True)
    (root / "_staging").symlink_to(target)
    with deployment() as instance:
        outcome = copy(app, "User_v1", instance)
    assert not outcome.success
    assert "consent check 'destination' refused" in outcome.failure and "_staging" in outcome.failure
    assert list(target.iterdir()) == []
    assert not partition_folder(app, "User_v1").exists()


def test_the_signed_destination_is_absolute_and_real(small_spec_factory):
    app = small_spec_factory(_relative_sink)
    from mgdc_pipelines.consent.store import ConsentStore

    signed = ConsentStore.of(app).authorization().registration.destination
    assert signed == f"file:{os.path.realpath(Path(app.spec_path).parent / 'mgdc_data')}"
