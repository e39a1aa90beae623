"""`--data FOLDER` is checked whole before training: every unreadable file, image without its
label map, label map without its image, and too few images, each one line of one error."""

from __future__ import annotations

import numpy as np
import pytest
from cli_runner import igan

from igan_app import imaging
from igan_app.training.data import folder_images
from igan_app.world.palette import save_labels


def pairs_with_problems(root):
    images, labels = root / "images", root / "labels"
    for i in range(3):
        imaging.write_image(images / f"{i}.png", np.full((24, 24, 3), 40 * i, np.uint8))
    (images / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    for stem in ("0", "1", "orphan"):  # 2 has no label map; orphan has no image
        save_labels(labels / f"{stem}.png", np.zeros((24, 24), np.uint8))
    return images, labels


def test_every_problem_of_a_folder_is_one_line_of_one_error(tmp_path):
    images, labels = pairs_with_problems(tmp_path)
    with pytest.raises(ValueError) as caught:
        folder_images(tmp_path, 16, with_labels=True, at_least=8)
    first, *lines = str(caught.value).splitlines()
    assert first == f"{tmp_path}: 5 problems with the training data:"
    assert sorted(line.strip().split(":")[0] for line in lines) == sorted([
        str(labels / "2.png"), str(labels / "broken.png"), str(labels / "orphan.png"),
        str(images / "broken.jpg"), str(images)])
    assert any("too few to train on (at least 8)" in line for line in lines)
    assert any("without its image" in line for line in lines)


def test_a_clean_folder_trains_and_images_alone_need_no_labels(tmp_path):
    images, _ = pairs_with_problems(tmp_path)
    (images / "broken.jpg").unlink()
    assert len(folder_images(tmp_path, 16)) == 3  # labels are only read when asked for
    with pytest.raises(ValueError, match="2.png: missing label map"):
        folder_images(tmp_path, 16, with_labels=True)


def test_the_command_refuses_a_folder_with_problems_before_training(tmp_path):
    pairs_with_problems(tmp_path)
    code, _out, err = igan("train", "manifold", "--data", tmp_path, "--resolution", "32",
                           "--batch", "8", "--run", tmp_path / "run", "--out", tmp_path / "m")
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"igan: error: {tmp_path}: 2 problems")  # images only: no labels
    assert "broken.jpg" in err and "too few to train on (at least 8)" in err
    assert not (tmp_path / "run").exists() and not (tmp_path / "m").exists()


def test_a_folder_holds_out_the_same_files_however_it_grows(tmp_path):
    from igan_app.training.data import ImageSet, hold_out

    for i in range(40):
        imaging.write_image(tmp_path / f"{i:02d}.png", np.full((8, 8, 3), i, np.uint8))
    train, held = hold_out(folder_images(tmp_path, 8), 0.25)
    assert len(train) + len(held) == 40 and 4 <= len(held) <= 18  # about a quarter (10)
    assert set(train.names).isdisjoint(held.names)
    assert all(int(held.images[k, 0, 0, 0]) == int(name[:2]) for k, name in
               enumerate(held.names))  # images and names stay together
    for i in range(40, 60):
        imaging.write_image(tmp_path / f"{i:02d}.png", np.full((8, 8, 3), i, np.uint8))
    _, grown = hold_out(folder_images(tmp_path, 8), 0.25)
    assert set(held.names) <= set(grown.names)  # earlier choices stay held out
    assert len(hold_out(folder_images(tmp_path, 8), 0.0)[1]) == 0
    with pytest.raises(ValueError, match="held-out seeds"):
        hold_out(ImageSet(np.zeros((2, 8, 8, 3), np.uint8), None, "world"), 0.1)
