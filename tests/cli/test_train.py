"""`igan train …` and `igan eval …`, in-process through cli.main, on tiny models and data sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from cli_runner import assert_one_line_error, igan

from igan_app import cli, imaging
from igan_app.zoo import vgg
from igan_app.zoo.checkpoint import load_checkpoint

pytestmark = pytest.mark.slow  # trains every model for a few steps

TINY = ["--scenes", "8", "--steps", "2", "--resolution", "32"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A folder, a private scene cache, no ImageNet file, one torch thread (tiny networks)."""
    root = tmp_path_factory.mktemp("cli-train")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IGAN_CACHE_DIR", str(root / "cache"))
        mp.setenv("IGAN_MODELS_DIR", str(root / "models"))
        mp.setattr(vgg, "imagenet_cache_path", lambda: root / "no-imagenet.pth")
        yield root
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def trained(workspace):
    """A manifold M, a segmenter S and feature weights F, each trained for two steps."""
    root = workspace
    results = {
        "M": igan("train", "manifold", *TINY, "--batch", "4", "--width", "4", "--latent-dim", "8",
                  "--run", str(root / "R"), "--out", str(root / "M")),
        "S": igan("train", "segmenter", *TINY, "--batch", "4", "--width", "4", "--eval-n", "8",
                  "--run", str(root / "R2"), "--out", str(root / "S")),
        "F": igan("train", "features", *TINY, "--batch", "2", "--eval-n", "8",
                  "--run", str(root / "R3"), "--out", str(root / "F")),
    }
    return root, results


def test_train_manifold(trained):
    root, results = trained
    code, out, err = results["M"]
    assert code == 0, err
    assert f"wrote {root / 'M'}" in out
    loaded = load_checkpoint(root / "M", expected_kind="dcgan-manifold")
    assert loaded.config.args["width"] == 4 and loaded.config.args["latent_dim"] == 8
    assert loaded.config.resolution == (32, 32)
    assert loaded.config.data.startswith("world: 8 training scenes")
    training = loaded.config.meta["training"]["manifold"]
    assert training["steps"] == 2 and training["batch"] == 4
    assert training["command"].startswith("igan --device cpu train manifold --scenes 8")
    assert training["command"] in (root / "M" / "card.md").read_text(encoding="utf-8")
    assert (root / "R" / "state.pt").is_file()
    assert (root / "R" / "samples" / "0000002.png").is_file()  # the last step always samples


def test_train_segmenter_measures_its_iou(trained):
    root, results = trained
    code, out, err = results["S"]
    assert code == 0, err
    assert "Segmenter IoU on 8 held-out world scenes at 32px" in out
    assert "| **mean** |" in out
    loaded = load_checkpoint(root / "S", expected_kind="world-segmenter")
    assert loaded.config.args == {"num_labels": 9, "width": 4}
    entry = loaded.config.meta["metrics"]["mIoU on held-out world scenes"]
    assert entry["command"] == f"igan eval segmenter --model {root / 'S'} --n 8"
    assert entry["settings"]["n"] == 8
    card = (root / "S" / "card.md").read_text(encoding="utf-8")
    assert entry["table"] in card and entry["table"] in out


def test_train_features(trained):
    root, results = trained
    code, _out, err = results["F"]
    assert code == 0, err
    loaded = load_checkpoint(root / "F", expected_kind="vgg16-features")
    assert loaded.model.last == "relu4_3"
    assert loaded.config.meta["training"]["features"]["batch"] == 2
    # The training head's IoU is measured on the held-out scenes and shown in the card.
    (entry,) = loaded.config.meta["metrics"].values()
    assert entry["settings"]["n"] == 8 and 0 <= entry["values"]["mIoU"] <= 1
    assert entry["table"] in (root / "F" / "card.md").read_text(encoding="utf-8")


def test_eval_segmenter_repeats_the_training_measure(trained):
    root, _results = trained
    code, out, err = igan("eval", "segmenter", "--model", str(root / "S"), "--n", "8")
    assert code == 0, err
    # The same network on the same held-out scenes: the table printed after training.
    table = load_checkpoint(root / "S").config.meta["metrics"][
        "mIoU on held-out world scenes"]["table"]
    assert table in out
    for label in ("sky", "grass", "tree", "**mean**"):
        assert f"| {label} |" in out


def test_eval_fid_prints_the_references_and_records_them(trained):
    root, _ = trained
    code, out, err = igan("eval", "fid", "--model", str(root / "M"), "--segmenter",
                          str(root / "S"), "--n", "16", "--write")
    assert code == 0, err
    assert "FID-L (16 samples vs 16 held-out world scenes, 32px)" in out
    for row in ("| floor |", "| blurred σ=2 |", "| model |"):
        assert row in out
    entry = load_checkpoint(root / "M").config.meta["metrics"]["FID-L"]
    assert entry["values"]["floor"] > 0
    assert entry["command"].startswith("igan --device cpu eval fid")
    assert entry["settings"]["segmenter"] == str(root / "S")
    assert entry["table"] in (root / "M" / "card.md").read_text(encoding="utf-8")
    code, out, err = igan("eval", "fid", "--model", str(root / "M"), "--segmenter",
                          str(root / "S"), "--n", "16", "--world", "broad", "--write")
    assert code == 0, err
    assert "FID-L (16 samples vs 16 held-out broad world scenes, 32px)" in out
    metrics = load_checkpoint(root / "M").config.meta["metrics"]
    assert metrics["FID-L (broad world)"]["settings"]["world"] == "broad"
    assert metrics["FID-L"]["values"]["floor"] != metrics["FID-L (broad world)"]["values"]["floor"]


def test_train_encoder_with_world_features(trained):
    root, results = trained
    assert results["F"][0] == 0
    code, out, err = igan("train", "encoder", "--scenes", "8", "--steps", "2", "--batch", "4",
                          "--manifold", str(root / "M"), "--features", str(root / "F"),
                          "--run", str(root / "R4"))
    assert code == 0, err
    assert f"feature network: VGG16 world weights ({root / 'F'})" in out
    meta = load_checkpoint(root / "M", expected_kind="dcgan-manifold").config.meta
    assert meta["encoder_trained"] is True
    assert meta["training"]["encoder"]["steps"] == 2
    assert "manifold" in meta["training"]
    assert "The encoder is trained" in (root / "M" / "card.md").read_text(encoding="utf-8")


def test_eval_features_ranks_and_records_in_the_world_model(trained):
    root, results = trained
    assert results["F"][0] == 0
    code, out, err = igan("eval", "features", "--features", str(root / "F"), "--n", "4",
                          "--write")
    assert code == 0, err
    assert "| shifted 1 px |" in out and "| another scene |" in out
    entry = load_checkpoint(root / "F").config.meta["metrics"]["Feature distance ranking"]
    assert entry["settings"]["n"] == 4
    assert entry["values"]["distance shifted 1 px"] < entry["values"]["distance another scene"]
    assert entry["table"] in (root / "F" / "card.md").read_text(encoding="utf-8")


def test_eval_features_will_not_write_into_imagenet_weights(trained, tmp_path):
    import torch

    from igan_app.zoo.vgg import VGG16Features

    path = tmp_path / "vgg16-397923af.pth"
    torch.save(VGG16Features("relu4_3").state_dict(), path)
    code, _out, err = igan("eval", "features", "--vgg-weights", str(path), "--n", "2", "--write")
    assert code == 2
    assert_one_line_error(code, err, "ImageNet")


def test_train_manifold_on_a_folder(workspace):
    root = workspace
    photos = root / "photos"
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate([(40, 40), (50, 70), (64, 48), (33, 33)]):
        imaging.write_image(photos / f"{i}.png", rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    code, _out, err = igan("train", "manifold", "--data", str(photos), "--steps", "1",
                           "--batch", "2", "--resolution", "32", "--width", "4",
                           "--run", str(root / "R5"), "--out", str(root / "M5"))
    assert code == 0, err
    config = load_checkpoint(root / "M5").config
    assert config.data == f"folder {photos}: 4 images at 32px"
    assert config.meta["training"]["manifold"]["steps"] == 1


def test_train_manifold_on_the_broad_world_with_photo_crops(workspace):
    root = workspace
    photos = root / "crop-photos"
    rng = np.random.default_rng(1)
    for i in range(2):
        imaging.write_image(photos / f"{i}.jpg", rng.integers(0, 256, (60, 90, 3), dtype=np.uint8))
    code, _out, err = igan("train", "manifold", "--world", "broad", "--scenes", "6",
                           "--photos", str(photos), "--photo-crops", "3", "--steps", "1",
                           "--batch", "2", "--resolution", "32", "--width", "4",
                           "--run", str(root / "R-photos"), "--out", str(root / "M-photos"))
    assert code == 0, err
    assert load_checkpoint(root / "M-photos").config.data == (
        f"broad world: 6 training scenes (seeds 0..5) at 32px and photos: 3 crops of 2 photos "
        f"in {photos} at 32px")


def test_resume_with_other_settings_is_an_error(trained):
    root, _ = trained
    code, _out, err = igan("train", "manifold", *TINY, "--batch", "4", "--width", "8",
                           "--latent-dim", "8", "--run", str(root / "R"), "--resume",
                           "--out", str(root / "M6"))
    assert code == 2
    assert_one_line_error(code, err, str(root / "R"), "different settings")
    assert not (root / "M6").exists()


def _bad_inputs(root: Path) -> list[tuple[list[str], str]]:
    (root / "empty").mkdir(exist_ok=True)
    return [
        (["train", "manifold", "--data", str(root / "empty"), "--resolution", "32",
          "--out", str(root / "X")], "no images"),
        (["train", "segmenter", "--data", str(root / "missing"), "--resolution", "32",
          "--out", str(root / "X")], "missing"),
        (["train", "encoder", "--manifold", str(root / "S"), "--scenes", "8",
          "--run", str(root / "RX")],
         "expected one of dcgan-manifold, style-manifold"),
        (["train", "encoder", "--manifold", str(root / "M"), "--features", str(root / "S"),
          "--scenes", "8", "--steps", "1", "--run", str(root / "RX")],
         "expected vgg16-features"),
        (["eval", "segmenter", "--model", str(root / "M"), "--n", "8"],
         "expected world-segmenter"),
        (["eval", "fid", "--model", str(root / "S"), "--segmenter", str(root / "S")],
         "expected one of dcgan-manifold, style-manifold"),
        (["eval", "fid", "--model", str(root / "M"), "--segmenter", str(root / "M")],
         "expected world-segmenter"),
    ]


def test_bad_inputs_are_one_line_errors(trained):
    root, _ = trained
    for args, needle in _bad_inputs(root):
        code, _out, err = igan(*args)
        assert code == 2, (args, err)
        assert_one_line_error(code, err, needle)
    assert not (root / "X").exists()


def test_bad_arguments_are_refused_by_the_parser(capsys, tmp_path):
    for args in (["train", "manifold", "--resolution", "48", "--out", str(tmp_path)],
                 ["train", "segmenter", "--eval-n", "0", "--out", str(tmp_path)],
                 ["train", "manifold", "--steps", "2"]):
        with pytest.raises(SystemExit) as info:
            cli.main(args)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("igan")


def test_segmenter_training_measures_1000_scenes_by_default():
    args = cli.build_parser().parse_args(["train", "segmenter", "--out", "S"])
    assert args.eval_n == 1000


@pytest.mark.parametrize("generator", ["style", "transformer"])
def test_train_style_manifold_then_its_encoder(workspace, generator):
    from igan_app.zoo.registry import MANIFOLD_KINDS

    root = workspace
    model = root / f"style-{generator}"
    code, _out, err = igan("train", "style-manifold", *TINY, "--generator", generator,
                           "--batch", "4", "--width", "4", "--max-width", "16",
                           "--run", str(root / f"RS-{generator}"), "--out", str(model))
    assert code == 0, err
    loaded = load_checkpoint(model, expected_kind=MANIFOLD_KINDS)
    assert loaded.config.kind == "style-manifold"
    assert loaded.config.args["generator"] == generator
    z = loaded.model.sample_latent(2, torch.Generator().manual_seed(0))
    assert loaded.model.generator(z).shape == (2, 3, 32, 32)
    code, _out, err = igan("train", "encoder", "--manifold", str(model), "--scenes", "8",
                           "--steps", "1", "--batch", "4", "--feature-batch", "2",
                           "--run", str(root / f"RE-{generator}"))
    assert code == 0, err
    config = load_checkpoint(model).config
    assert config.meta["encoder_trained"] and "encoder" in config.meta["training"]
    card = (model / "card.md").read_text(encoding="utf-8")
    assert "The encoder is trained" in card or "encoder is trained" in card
