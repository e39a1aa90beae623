"""Training loops (manifold, segmenter, features, encoder), model cards and the training data."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from igan_app import imaging
from igan_app.training import cards, data
from igan_app.training.common import STATE_FILE
from igan_app.training.data import ImageSet, folder_images, world_scenes
from igan_app.training.encoder import EncoderConfig, EncoderTraining
from igan_app.training.manifold import ManifoldConfig, ManifoldTraining
from igan_app.training.segmentation import SegmentationConfig, SegmentationTraining
from igan_app.world.dataset import HELD_OUT_SEED
from igan_app.world.palette import colorize, load_labels, save_labels
from igan_app.world.render import render
from igan_app.zoo.checkpoint import load_checkpoint
from igan_app.zoo.dcgan import Manifold
from igan_app.zoo.segmenter import Segmenter
from igan_app.zoo.vgg import FeatureNetwork, VGG16Features

CPU = torch.device("cpu")


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]


TINY = ManifoldConfig(resolution=32, latent_dim=8, width=4, batch=4, steps=2, sample_every=1,
                      checkpoint_every=1)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("IGAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "world"


def _random_images(n: int = 8, size: int = 32, seed: int = 0) -> ImageSet:
    rng = np.random.default_rng(seed)
    return ImageSet(rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8), None,
                    f"random: {n} images")


def _train(config: ManifoldConfig, run_dir: Path, images: ImageSet | None = None,
           **kwargs) -> tuple[ManifoldTraining, list]:
    run = ManifoldTraining(config, images or _random_images(), CPU, run_dir, **kwargs)
    return run, list(run.steps())


def _same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# --- manifold ---------------------------------------------------------------------------------

def test_manifold_steps_write_samples_and_state(tmp_path):
    run, results = _train(TINY, tmp_path / "run")
    assert [r.step for r in results] == [1, 2]
    assert all(r.total == 2 for r in results)
    for r in results:
        assert set(r.losses) == {"d", "g"}
        assert all(math.isfinite(v) for v in r.losses.values())
        assert r.images_per_s > 0
        assert r.sample_grid is not None and r.sample_grid.is_file()
        assert r.checkpoint == tmp_path / "run" / STATE_FILE
    grid = imaging.read_image(results[-1].sample_grid)
    assert grid.shape == (8 * 32 + 7 * 2, 8 * 32 + 7 * 2, 3)  # 64 fixed latents, 8 per row
    assert sorted(p.name for p in (tmp_path / "run" / "samples").iterdir()) == [
        "0000001.png", "0000002.png"]
    assert run.step == 2


def test_manifold_refuses_data_of_another_size(tmp_path):
    with pytest.raises(ValueError, match="64px"):
        ManifoldTraining(TINY, _random_images(size=64), CPU, tmp_path)


def test_manifold_runs_are_seeded(tmp_path):
    a, _ = _train(TINY, tmp_path / "a")
    b, _ = _train(TINY, tmp_path / "b")
    c, _ = _train(dataclasses.replace(TINY, seed=1), tmp_path / "c")
    assert _same_weights(a.g, b.g) and _same_weights(a.d, b.d)
    assert not _same_weights(a.g, c.g)
    # ...and training changed the weights at all.
    torch.manual_seed(0)
    assert not _same_weights(a.g, Manifold(**TINY.network_args()).generator)


def test_manifold_resume_continues_where_it_stopped(tmp_path):
    first, _ = _train(TINY, tmp_path / "run")
    longer = dataclasses.replace(TINY, steps=3)
    resumed = ManifoldTraining(longer, _random_images(), CPU, tmp_path / "run", resume=True)
    assert resumed.step == 2
    assert _same_weights(resumed.g, first.g) and _same_weights(resumed.d, first.d)
    torch.testing.assert_close(resumed.fixed_z, first.fixed_z, rtol=0, atol=0)
    results = list(resumed.steps())
    assert [r.step for r in results] == [3]
    assert not _same_weights(resumed.g, first.g)
    # A fresh (non-resumed) run in the same folder starts over and forgets the old samples.
    fresh = ManifoldTraining(longer, _random_images(), CPU, tmp_path / "run")
    assert fresh.step == 0
    assert not (tmp_path / "run" / STATE_FILE).exists()
    assert not (tmp_path / "run" / "samples").exists()


def test_manifold_resume_with_other_settings_raises(tmp_path):
    _train(TINY, tmp_path / "run")
    with pytest.raises(ValueError, match="different settings"):
        ManifoldTraining(dataclasses.replace(TINY, width=8), _random_images(), CPU,
                         tmp_path / "run", resume=True)


def test_manifold_resume_without_state_starts_at_zero(tmp_path):
    run = ManifoldTraining(TINY, _random_images(), CPU, tmp_path / "empty", resume=True)
    assert run.step == 0


def test_manifold_export_loads_back(tmp_path):
    run, _ = _train(TINY, tmp_path / "run")
    command = "igan train manifold --steps 2 --width 4"
    folder = run.export(tmp_path / "model", command=command, hardware="test CPU")
    loaded = load_checkpoint(folder, expected_kind="dcgan-manifold")
    assert isinstance(loaded.model, Manifold)
    assert loaded.config.args == TINY.network_args()
    assert loaded.config.resolution == (32, 32)
    assert loaded.config.data == "random: 8 images"
    assert loaded.config.meta["encoder_trained"] is False
    training = loaded.config.meta["training"]["manifold"]
    assert training["command"] == command and training["steps"] == 2
    # What is shipped is the averaged generator, not the raw one.
    assert _same_weights(loaded.model.generator, run.ema.module)
    assert not _same_weights(loaded.model.generator, Manifold(**TINY.network_args()).generator)
    card = (folder / "card.md").read_text(encoding="utf-8")
    assert command in card and "test CPU" in card
    assert "encoder is untrained" in card


# --- segmenter and features -------------------------------------------------------------------

def _scenes(cache) -> ImageSet:
    return world_scenes(8, 32)


@pytest.mark.parametrize("task, kind, batch", [("segmenter", "world-segmenter", 4),
                                               ("features", "vgg16-features", 2)])
def test_segmentation_trains_and_exports(tmp_path, cache, task, kind, batch):
    config = SegmentationConfig(task=task, resolution=32, width=4, batch=batch, steps=2,
                                checkpoint_every=1, sample_every=2)
    scenes = _scenes(cache)
    run = SegmentationTraining(config, scenes, CPU, tmp_path / "run")
    results = list(run.steps())
    assert [r.step for r in results] == [1, 2]
    assert results[0].sample_grid is None
    # Scene, prediction and truth side by side; the truth column is the label map's colors.
    grid = imaging.read_image(results[1].sample_grid)
    truth = grid[0:32, 2 * 34:2 * 34 + 32]
    assert np.array_equal(truth, colorize(scenes.labels[0]))
    for r in results:
        assert math.isfinite(r.losses["ce"]) and 0 <= r.losses["acc"] <= 1
        assert r.checkpoint == tmp_path / "run" / STATE_FILE
    folder = run.export(tmp_path / "model", command=f"igan train {task}", hardware="test",
                        metrics={"m": {"command": "c", "table": "| a |\n|---|\n| 1 |"}})
    loaded = load_checkpoint(folder, expected_kind=kind)
    shipped = run.shipped_network()
    assert type(loaded.model) is type(shipped)
    assert _same_weights(loaded.model, shipped)
    assert loaded.config.meta["training"][task]["steps"] == 2
    card = (folder / "card.md").read_text(encoding="utf-8")
    assert f"igan train {task}" in card and "| 1 |" in card
    if task == "segmenter":
        assert isinstance(loaded.model, Segmenter) and loaded.config.args["width"] == 4
    else:
        assert isinstance(loaded.model, VGG16Features) and loaded.model.last == "relu4_3"


def test_segmenter_lowers_its_loss(tmp_path, cache):
    # The whole set in every batch, so that the losses of different steps compare.
    config = SegmentationConfig(task="segmenter", resolution=32, width=4, batch=8, steps=20,
                                lr=1e-2, checkpoint_every=100)
    run = SegmentationTraining(config, _scenes(cache), CPU, tmp_path / "run")
    losses = [r.losses["ce"] for r in run.steps()]
    assert len(losses) == 20
    assert max(losses[-3:]) < losses[0]


def test_segmentation_refuses_unlabelled_data_and_unknown_tasks(tmp_path):
    with pytest.raises(ValueError, match="label"):
        SegmentationTraining(SegmentationConfig(resolution=32, width=4), _random_images(), CPU,
                             tmp_path)
    labelled = ImageSet(np.zeros((2, 32, 32, 3), np.uint8), np.zeros((2, 32, 32), np.uint8), "z")
    with pytest.raises(ValueError, match="unknown task"):
        SegmentationTraining(SegmentationConfig(task="nope"), labelled, CPU, tmp_path)


def test_segmentation_resume_of_another_task_raises(tmp_path, cache):
    config = SegmentationConfig(task="segmenter", resolution=32, width=4, batch=4, steps=1)
    list(SegmentationTraining(config, _scenes(cache), CPU, tmp_path / "run").steps())
    resumed = SegmentationTraining(dataclasses.replace(config, steps=2), _scenes(cache), CPU,
                                   tmp_path / "run", resume=True)
    assert resumed.step == 1
    with pytest.raises(ValueError, match="different settings"):
        SegmentationTraining(dataclasses.replace(config, width=8), _scenes(cache), CPU,
                             tmp_path / "run", resume=True)


# --- encoder ----------------------------------------------------------------------------------

def test_encoder_trains_and_marks_the_manifold(tmp_path):
    run, _ = _train(dataclasses.replace(TINY, steps=1), tmp_path / "gan")
    folder = run.export(tmp_path / "manifold", command="igan train manifold", hardware="test")
    manifold = load_checkpoint(folder, expected_kind="dcgan-manifold")
    generator_before = {k: v.clone() for k, v in manifold.model.generator.state_dict().items()}
    torch.manual_seed(0)
    features = FeatureNetwork(VGG16Features("relu3_3").eval().requires_grad_(False), "world",
                              Path("test-vgg"))
    config = EncoderConfig(batch=4, steps=2, sample_every=1, checkpoint_every=1)
    training = EncoderTraining(config, manifold, features, _random_images(), CPU,
                               tmp_path / "enc")
    results = list(training.steps())
    assert [r.step for r in results] == [1, 2]
    for r in results:
        assert set(r.losses) == {"fake", "real", "feat", "z"}
        assert all(math.isfinite(v) and v >= 0 for v in r.losses.values())
        assert r.sample_grid is not None and r.sample_grid.is_file()
    # The generator is frozen; only the encoder learns.
    for key, value in manifold.model.generator.state_dict().items():
        assert torch.equal(value, generator_before[key]), key
    command = "igan train encoder --manifold m"
    written = training.export(folder, command=command, hardware="test")
    reloaded = load_checkpoint(written, expected_kind="dcgan-manifold")
    meta = reloaded.config.meta
    assert meta["encoder_trained"] is True
    assert set(meta["training"]) == {"manifold", "encoder"}
    assert meta["training"]["encoder"]["command"] == command
    assert meta["feature_weights"] == features.describe()
    assert _same_weights(reloaded.model.encoder, training.e)
    card = (written / "card.md").read_text(encoding="utf-8")
    assert "The encoder is trained" in card and command in card
    assert "igan train manifold" in card  # the generator's history is kept


def test_encoder_feature_term_covers_only_the_feature_batch(tmp_path):
    # With feature_batch=2 the feature term is measured on one generated and one real image;
    # a feature network that records its inputs sees batches of 2.
    run, _ = _train(dataclasses.replace(TINY, steps=1), tmp_path / "gan")
    manifold = load_checkpoint(run.export(tmp_path / "m", command="c", hardware="t"))
    seen = []

    class Recording(VGG16Features):
        def forward(self, image, taps=None):
            seen.append(image.shape[0])
            return super().forward(image, taps)

    features = FeatureNetwork(Recording("relu3_3").eval().requires_grad_(False), "world",
                              Path("test-vgg"))
    config = EncoderConfig(batch=6, steps=1, feature_batch=2, checkpoint_every=5, sample_every=5)
    list(EncoderTraining(config, manifold, features, _random_images(), CPU,
                         tmp_path / "enc").steps())
    assert seen == [2, 2]  # the reconstructions, then the targets


def test_encoder_refuses_data_of_another_size(tmp_path):
    model = Manifold(**TINY.network_args())
    folder = tmp_path / "m"
    from igan_app.zoo.checkpoint import save_checkpoint

    save_checkpoint(folder, model, kind="dcgan-manifold", args=TINY.network_args(),
                    resolution=32, data="x", card="")
    features = FeatureNetwork(VGG16Features("relu1_2"), "world", Path("v"))
    with pytest.raises(ValueError, match="64px"):
        EncoderTraining(EncoderConfig(), load_checkpoint(folder), features,
                        _random_images(size=64), CPU, tmp_path / "run")


# --- cards ------------------------------------------------------------------------------------

def test_record_metrics_updates_meta_and_card(tmp_path):
    model = Segmenter(width=4)
    from igan_app.zoo.checkpoint import save_checkpoint

    meta = {"summary": "A test segmenter.", "metrics": {"old": {"command": "igan old",
                                                                "table": "| x |\n|---|\n| 7 |"}}}
    folder = save_checkpoint(tmp_path / "seg", model, kind="world-segmenter",
                             args={"width": 4}, resolution=32, data="d", card="stale", meta=meta)
    table = "| label | IoU |\n|---|---|\n| sky | 0.123 |"
    cards.record_metrics(folder, {"mIoU": {"command": "igan eval segmenter --model seg",
                                           "table": table, "note": "a note"}})
    loaded = load_checkpoint(folder, expected_kind="world-segmenter")
    assert set(loaded.config.meta["metrics"]) == {"old", "mIoU"}
    assert loaded.config.meta["metrics"]["mIoU"]["table"] == table
    assert _same_weights(loaded.model, model)
    card = (folder / "card.md").read_text(encoding="utf-8")
    assert card != "stale"
    assert table in card and "a note" in card and "igan eval segmenter --model seg" in card
    assert "| 7 |" in card and "A test segmenter." in card


def test_card_without_metrics_says_so():
    card = cards.render_card("x", "world-segmenter", "S.", {"width": 4}, {})
    assert "Not measured yet" in card and "`world-segmenter`" in card


# --- data: folders ----------------------------------------------------------------------------

def _solid(h: int, w: int, color) -> np.ndarray:
    image = np.empty((h, w, 3), np.uint8)
    image[:] = color
    return image


def test_folder_images_crops_and_resizes(tmp_path):
    wide = _solid(64, 96, (0, 0, 255))
    wide[:, 16:80] = (0, 200, 0)  # the center square; the sides are cropped away
    imaging.write_image(tmp_path / "a.png", wide)
    imaging.write_image(tmp_path / "b.png", _solid(20, 20, (200, 10, 10)))
    tall = _solid(90, 40, (255, 255, 0))
    tall[25:65] = (9, 99, 199)
    imaging.write_image(tmp_path / "c.png", tall)
    (tmp_path / "notes.txt").write_text("not an image")
    result = folder_images(tmp_path, 32)
    assert result.images.shape == (3, 32, 32, 3) and result.images.dtype == np.uint8
    assert result.labels is None
    assert (result.images[0] == (0, 200, 0)).all()
    assert (np.abs(result.images[1].astype(int) - (200, 10, 10)) <= 1).all()
    assert (result.images[2] == (9, 99, 199)).all()
    assert "3 images" in result.description and len(result) == 3


def test_folder_images_with_labels(tmp_path):
    images, labels = tmp_path / "images", tmp_path / "labels"
    for i in range(2):
        imaging.write_image(images / f"{i:03d}.png", _solid(64, 64, (10 * i, 0, 0)))
        label = np.zeros((64, 64), np.uint8)
        label[32:] = 7 + i  # grass, tree
        save_labels(labels / f"{i:03d}.png", label)
    result = folder_images(tmp_path, 32, with_labels=True)
    assert result.labels.shape == (2, 32, 32)
    for i in range(2):
        assert (result.labels[i, :16] == 0).all() and (result.labels[i, 16:] == 7 + i).all()
    (labels / "001.png").unlink()
    with pytest.raises(ValueError, match="001.png: missing label map"):
        folder_images(tmp_path, 32, with_labels=True)
    assert len(folder_images(tmp_path, 32)) == 2  # labels are only needed when asked for


def test_folder_images_refuses_empty_and_missing_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(ValueError, match="no images"):
        folder_images(tmp_path / "empty", 32)
    with pytest.raises(FileNotFoundError):
        folder_images(tmp_path / "missing", 32)


# --- data: world scenes -----------------------------------------------------------------------

def test_world_scenes_render_and_cache(cache, monkeypatch):
    first = world_scenes(3, 32, first_seed=5)
    assert first.images.shape == (3, 32, 32, 3) and first.labels.shape == (3, 32, 32)
    for i in range(3):
        image, labels = render(5 + i, 32)
        np.testing.assert_array_equal(first.images[i], image)
        np.testing.assert_array_equal(first.labels[i], labels)
    files = list(cache.glob("*.npz"))
    assert len(files) == 1 and files[0].name.endswith("-32-5-3.npz")

    def no_rendering(job):
        raise AssertionError(f"rendered {job} although it is cached")

    monkeypatch.setattr(data, "_render_one", no_rendering)
    second = world_scenes(3, 32, first_seed=5)
    np.testing.assert_array_equal(second.images, first.images)
    np.testing.assert_array_equal(second.labels, first.labels)
    assert second.description == first.description and "training" in first.description
    with pytest.raises(AssertionError, match="rendered"):
        world_scenes(2, 32, first_seed=5)  # another range is another file


def test_world_scenes_replace_a_damaged_cache(cache):
    first = world_scenes(2, 32, first_seed=1)
    (path,) = cache.glob("*.npz")
    path.write_bytes(b"damaged")
    again = world_scenes(2, 32, first_seed=1)
    np.testing.assert_array_equal(again.images, first.images)
    with np.load(path) as stored:
        np.testing.assert_array_equal(stored["labels"], first.labels)


def test_world_scenes_without_cache_write_nothing(cache):
    world_scenes(1, 32, cache=False)
    assert not cache.exists() or not list(cache.iterdir())


def test_world_scenes_refuse_bad_ranges(cache):
    with pytest.raises(ValueError, match="held-out"):
        world_scenes(10, 32, first_seed=HELD_OUT_SEED - 5)
    with pytest.raises(ValueError, match="held-out"):
        world_scenes(2, 32, first_seed=HELD_OUT_SEED - 1, cache=False)  # the last seed is held out
    assert len(world_scenes(1, 32, first_seed=HELD_OUT_SEED - 1, cache=False)) == 1
    with pytest.raises(ValueError, match="positive"):
        world_scenes(0, 32)
    held_out = world_scenes(1, 32, first_seed=HELD_OUT_SEED)
    assert "held-out" in held_out.description
    np.testing.assert_array_equal(held_out.labels[0], render(HELD_OUT_SEED, 32)[1])
    assert not cache.exists() or len(list(cache.glob("*.npz"))) == 1


def test_saved_labels_read_back(tmp_path):
    # The label files the folder reader relies on round-trip through the palette PNG.
    label = np.arange(9, dtype=np.uint8).repeat(4).reshape(6, 6)
    save_labels(tmp_path / "l.png", label)
    np.testing.assert_array_equal(load_labels(tmp_path / "l.png"), label)
