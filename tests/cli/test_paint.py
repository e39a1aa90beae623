"""`igan paint`, `igan eval paint` and `igan train spade|pix2pix`, in-process through cli.main."""

from __future__ import annotations

import numpy as np
import pytest
from cli_runner import assert_one_line_error, igan
from paint_models import save_spade, save_unet

from igan_app import imaging
from igan_app.engine.edges import edge_map
from igan_app.engine.paint import Painter
from igan_app.world.palette import save_labels
from igan_app.world.render import render
from igan_app.zoo.checkpoint import load_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("paint")
    image, labels = render(7, 64)
    save_labels(root / "labels.png", labels)
    imaging.write_image(root / "ids.png", labels)  # single channel: the ids themselves
    imaging.write_image(root / "scene.png", image)
    return {"root": root, "labels": labels, "image": image,
            "spade": save_spade(root / "spade"), "unet": save_unet(root / "unet"),
            "edges": save_unet(root / "edges", source="edges")}


def painter(folder) -> Painter:
    return Painter.from_checkpoint(load_checkpoint(folder))


def test_paint_a_label_map_with_seed_and_style(files):
    root = files["root"]
    code, out, _ = igan("paint", str(root / "labels.png"), "--model", str(files["spade"]),
                       "--seed", "4", "--out", str(root / "seed.png"))
    assert code == 0 and "64×64" in out
    expected = painter(files["spade"]).render(files["labels"], seed=4)
    assert np.array_equal(imaging.read_image(root / "seed.png"), expected)
    code, *_ = igan("paint", str(root / "ids.png"), "--ids", "--model", str(files["spade"]),
                   "--style", str(root / "scene.png"), "--size", "128", "--out",
                   str(root / "style.png"))
    styled = painter(files["spade"]).render(files["labels"], style=files["image"], size=128)
    assert code == 0 and np.array_equal(imaging.read_image(root / "style.png"), styled)


def test_paint_pix2pix_deterministic_and_edges_from_a_photo(files):
    root = files["root"]
    code, *_ = igan("paint", str(root / "labels.png"), "--model", str(files["unet"]),
                   "--deterministic", "--out", str(root / "fixed.png"))
    fixed = painter(files["unet"]).render(files["labels"], deterministic=True)
    assert code == 0 and np.array_equal(imaging.read_image(root / "fixed.png"), fixed)
    code, *_ = igan("paint", str(root / "scene.png"), "--edges-of", "--model",
                   str(files["edges"]), "--seed", "2", "--out", str(root / "edges.png"))
    drawn = painter(files["edges"]).render(edge_map(files["image"]), seed=2)
    assert code == 0 and np.array_equal(imaging.read_image(root / "edges.png"), drawn)


def test_paint_refuses_what_does_not_fit(files):
    root = files["root"]
    out = str(root / "x.png")
    refusals = [
        (["labels.png", "--model", files["unet"], "--style", root / "scene.png", "--out", out],
         ["no style"]),
        (["labels.png", "--model", files["spade"], "--edges-of", "--out", out], ["--edges-of"]),
        (["labels.png", "--ids", "--model", files["spade"], "--out", out], ["single-channel"]),
        (["scene.png", "--model", files["spade"], "--out", out],
         ["scene.png", "not a label color"]),
        (["labels.png", "--model", "landscape64", "--out", out], ["dcgan-manifold"]),
        (["labels.png", "--model", files["spade"], "--out", root / "x.gif"], ["x.gif"]),
    ]
    for (name, *args), needles in refusals:
        assert_one_line_error(*igan("paint", root / name, *args)[::2], *needles)
    assert not (root / "x.png").exists()


def test_eval_paint_writes_the_report_into_the_card(files, tmp_path, monkeypatch):
    monkeypatch.setenv("IGAN_CACHE_DIR", str(tmp_path / "cache"))
    model = save_spade(tmp_path / "m")
    code, out, err = igan("eval", "paint", "--model", str(model), "--n", "4", "--write")
    assert code == 0, err
    assert "real scenes (ceiling)" in out and "style of the true picture" in out
    card = (model / "card.md").read_text()
    assert "Paint quality" in card and "eval paint --model" in card
    values = load_checkpoint(model).config.meta["metrics"]["Paint quality"]["values"]
    assert 0 <= values["mIoU random styles"] <= 1


def test_train_pix2pix_edges_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("IGAN_CACHE_DIR", str(tmp_path / "cache"))
    code, _out, err = igan("train", "pix2pix", "--source", "edges", "--resolution", "64",
                         "--scenes", "4", "--steps", "1", "--batch", "2", "--ngf", "4",
                         "--ndf", "4", "--run", str(tmp_path / "run"), "--out",
                         str(tmp_path / "edges"))
    assert code == 0, err
    loaded = load_checkpoint(tmp_path / "edges", expected_kind="unet-generator")
    assert loaded.config.meta["input"] == "edges" and loaded.config.args["input_nc"] == 3
    assert "--source edges" in (tmp_path / "edges" / "card.md").read_text()


def test_train_spade_on_a_folder_of_pairs(tmp_path):
    from igan_app.world.export import export_scenes

    export_scenes(tmp_path / "pairs", 3, 64, workers=1)
    code, _out, err = igan("train", "spade", "--data", str(tmp_path / "pairs"), "--resolution",
                         "64", "--steps", "1", "--batch", "2", "--ngf", "2", "--hidden", "4",
                         "--z-dim", "4", "--ndf", "4", "--vgg-weight", "0", "--run",
                         str(tmp_path / "run"), "--out", str(tmp_path / "spade"))
    assert code == 0, err
    loaded = load_checkpoint(tmp_path / "spade", expected_kind="spade")
    assert "folder" in loaded.config.data and "3 images" in loaded.config.data
    assert loaded.config.meta["training"]["spade"]["steps"] == 1
