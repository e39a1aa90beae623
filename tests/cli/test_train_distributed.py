"""`torchrun --nproc_per_node 2 -m igan_app -- train manifold …` on this CPU (gloo): one model
folder that loads, written by rank 0, and a TensorBoard log of the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from igan_app import imaging
from igan_app.training.common import load_state
from igan_app.zoo.checkpoint import load_checkpoint
from igan_app.zoo.dcgan import Manifold

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_torchrun_trains_a_manifold_on_two_processes(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "photos").mkdir()
    for i in range(8):
        imaging.write_image(tmp_path / "photos" / f"{i}.png",
                            rng.integers(0, 256, (40, 48, 3), dtype=np.uint8))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node", "2", "-m", "igan_app", "--", "--device", "cpu", "train",
               "manifold", "--data", tmp_path / "photos", "--steps", "2", "--batch", "4",
               "--resolution", "32", "--width", "4", "--latent-dim", "8",
               "--run", tmp_path / "run", "--out", tmp_path / "model"]
    done = subprocess.run([str(c) for c in command], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("wrote ") == 1  # rank 0 alone writes the model
    loaded = load_checkpoint(tmp_path / "model", expected_kind="dcgan-manifold")
    assert isinstance(loaded.model, Manifold)
    assert torch.isfinite(loaded.model(torch.zeros(1, 8))).all()
    state = load_state(tmp_path / "run")
    assert state["step"] == 2 and state["processes"] == 2

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    log = EventAccumulator(str(tmp_path / "run" / "logs"))
    log.Reload()
    assert {"loss/d", "loss/g", "images_per_s", "lr/g", "lr/d"} <= set(log.Tags()["scalars"])
    assert log.Scalars("lr/g")[0].value == pytest.approx(2e-4)
    assert [e.step for e in log.Scalars("loss/d")] == [2]  # logged at the last step
    assert "samples" in log.Tags()["images"]
