"""`igan demo`: every editing journey on the shipped assets, in-process."""

from __future__ import annotations

import shlex

import numpy as np
import pytest
from cli_runner import igan

from igan_app import imaging

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]


def test_demo_runs_every_journey_on_the_shipped_assets(tmp_path):
    from igan_app.cli.demo import assets_dir

    code, out, err = igan("demo", "--out", tmp_path, "--quick")
    assert code == 0, err
    assets = assets_dir()
    pairs = {"valley_sunset.png": assets / "demo" / "valley.png",
             "dune_overcast.jpg": assets / "photos" / "dune.jpg",
             "storm_clearing.jpg": assets / "photos" / "storm.jpg"}
    for result, source in pairs.items():
        edited, original = imaging.read_image(tmp_path / result), imaging.read_image(source)
        assert edited.shape == original.shape
        assert np.abs(edited.astype(int) - original).mean() > 0.5, result
    assert (tmp_path / "morph.gif").stat().st_size > 0
    index = (tmp_path / "index.html").read_text()
    for name in ("valley_sunset.png", "valley_sunset_candidates.png", "dune_compare.png",
                 "morph.gif"):
        assert f'src="{name}"' in index and (tmp_path / name).is_file()
    assert "demo finished" in out


@pytest.mark.parametrize("quick", [False, True])
def test_each_step_shows_the_command_that_asks_for_its_job(tmp_path, quick):
    from igan_app.cli import build_parser, demo
    from igan_app.cli.edit import EditJob, ProjectJob, edit_job, project_job
    from igan_app.cli.morph import MorphJob, morph_job

    jobs = {ProjectJob: project_job, EditJob: edit_job, MorphJob: morph_job}
    steps = demo.demo_steps(demo.assets_dir(), tmp_path / "out dir")
    assert {type(step.job) for step in steps} == set(jobs)
    for step in steps:
        job = demo.quick(step.job) if quick else step.job
        words = shlex.split(job.command())
        assert words[0] == "igan"  # a folder with a space stays one word:
        assert any(w.startswith(str(tmp_path / "out dir") + "/") for w in words), words
        assert jobs[type(job)](build_parser().parse_args(words[1:])) == job, words
    if quick:  # few steps everywhere: the quick demo stays quick
        assert all(demo.quick(s.job).projection.steps == 3 for s in steps)
