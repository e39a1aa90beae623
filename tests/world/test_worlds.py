"""The two worlds: the classic one stays the scenes the shipped models were trained on, byte for
byte; the broad one is deterministic and refuses nothing the classic one accepts."""

import hashlib

import numpy as np
import pytest

from igan_app.world.render import WORLDS, render

# sha256 over these scenes' image and label bytes, as rendered by the classic world when the
# broad world was added (commit fd1d5bd): the shipped models' training data must not drift.
CLASSIC_SEEDS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 123456, 1_000_000_000)
CLASSIC_DIGEST = "28918caaf0b34a42193fe631370c1d09ce433b730cb61693fc5696983310ce2f"


def test_classic_world_renders_the_same_bytes_as_before_the_broad_world():
    digest = hashlib.sha256()
    for seed in CLASSIC_SEEDS:
        for size in (64, (48, 80)):
            image, labels = render(seed, size)
            digest.update(image.tobytes())
            digest.update(labels.tobytes())
    assert digest.hexdigest() == CLASSIC_DIGEST


@pytest.mark.parametrize("world", WORLDS)
def test_each_world_is_deterministic(world):
    a, la = render(7, (48, 80), world)
    b, lb = render(7, (48, 80), world)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert a.shape == (48, 80, 3) and la.shape == (48, 80)


def test_unknown_world_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="classic, broad"):
        render(0, 64, "moon")


def test_training_data_and_the_command_line_take_the_world(tmp_path, monkeypatch):
    from cli_runner import igan

    from igan_app import imaging
    from igan_app.training.data import world_scenes

    monkeypatch.setenv("IGAN_CACHE_DIR", str(tmp_path / "cache"))
    classic = world_scenes(3, 32, first_seed=5)
    broad = world_scenes(3, 32, first_seed=5, world="broad")
    assert np.array_equal(broad.images[0], render(5, 32, "broad")[0])
    assert not np.array_equal(classic.images, broad.images)
    assert broad.description.startswith("broad world: 3 training scenes")
    assert classic.description.startswith("world: 3 training scenes")  # as the shipped cards say
    code, _out, err = igan("world", "sample", "--n", "1", "--size", "32", "--seed", "5",
                           "--world", "broad", "--out", tmp_path / "grid.png")
    assert code == 0, err
    assert np.array_equal(imaging.read_image(tmp_path / "grid.png"), broad.images[0])
