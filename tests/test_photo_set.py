"""scripts/photo_set.py without the network: reserved packages, DEP-5 credits, the scaling rule."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "photo_set.py"
spec = importlib.util.spec_from_file_location("photo_set", SCRIPT)
photo_set = importlib.util.module_from_spec(spec)
sys.modules["photo_set"] = photo_set  # dataclasses look their module up there
spec.loader.exec_module(photo_set)

SAMPLE = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: MATE Backgrounds
Source: https://git.mate-desktop.org/mate-backgrounds/

Files: *
Copyright: 2011-2020 MATE developers
License: GPL-2+

Files: nature/Dune.jpg
Copyright: 2007, Marco Cogoni <cogoni@gmail.com>
           2008, Hylke Bons <hylkebons@gmail.com>
License: GPL-2+
Comment: Copyright holders are found in AUTHORS file.

Files: graphics/*
       wallpapers/sky-*.png
Copyright: 2012-2013, Giacomo Barazzetti
License: CC-BY-SA-3.0
 THE WORK IS PROVIDED UNDER THE TERMS OF THIS LICENSE.
 .
 More licence text.

License: GPL-2+
 This package is free software.
"""


@pytest.mark.parametrize("package", ["plasma-workspace-wallpapers", "lomiri-wallpapers",
                                     "lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04"])
def test_reserved_packages_are_refused(package, tmp_path):
    assert photo_set.is_reserved(package)
    with pytest.raises(ValueError, match="reserved"):
        photo_set.check_package(package)
    with pytest.raises(ValueError, match="reserved"):
        photo_set.fetch(package, tmp_path)  # refused before any download
    assert not (tmp_path / "debs").exists()
    with pytest.raises(ValueError, match="reserved"):
        photo_set.packages((photo_set.Photo(package, "usr/share/x.jpg", "x"),))


def test_the_package_list_keeps_the_reserved_packages_out():
    used = photo_set.packages()
    assert used, "the set names its packages"
    assert not any(p == "plasma-workspace-wallpapers" or p.startswith("lomiri-wallpapers")
                   for p in used)
    assert "mate-backgrounds" in used and not photo_set.is_reserved("mate-backgrounds")


def test_the_allowlist_is_explicit_and_unique():
    paths = [(p.package, p.path) for p in photo_set.PHOTOS]
    names = [p.name for p in photo_set.PHOTOS]
    assert len(set(paths)) == len(paths) and len(set(names)) == len(names)
    assert all(p.path.startswith("usr/share/") for p in photo_set.PHOTOS)


def test_dep5_stanzas_are_parsed():
    stanzas = photo_set.parse_dep5(SAMPLE)
    assert [s.patterns for s in stanzas] == [("*",), ("nature/Dune.jpg",),
                                             ("graphics/*", "wallpapers/sky-*.png")]
    assert stanzas[1].copyright == ("2007, Marco Cogoni <cogoni@gmail.com>; "
                                    "2008, Hylke Bons <hylkebons@gmail.com>")
    assert stanzas[2].licence == "CC-BY-SA-3.0"  # the short name, not the licence text


def test_the_last_matching_stanza_gives_the_credit():
    stanzas = photo_set.parse_dep5(SAMPLE)
    author, licence = photo_set.credit(stanzas, "usr/share/backgrounds/mate/nature/Dune.jpg")
    assert author.startswith("2007, Marco Cogoni") and licence == "GPL-2+"
    assert photo_set.credit(stanzas, "usr/share/backgrounds/mate/nature/Storm.jpg") == (
        "2011-2020 MATE developers", "GPL-2+")
    assert photo_set.credit(stanzas, "usr/share/lxqt/wallpapers/sky-blue.png") == (
        "2012-2013, Giacomo Barazzetti", "CC-BY-SA-3.0")
    assert photo_set.credit([], "a/b.jpg") == ("unknown", "unknown")


def test_patterns_match_whole_path_tails_only():
    assert photo_set.pattern_matches("nature/Dune.jpg", "usr/share/backgrounds/mate/nature/Dune.jpg")
    assert not photo_set.pattern_matches("nature/Dune.jpg", "usr/share/mate/nature/BigDune.jpg")
    assert photo_set.pattern_matches("*", "usr/share/x.jpg")


@pytest.mark.parametrize("size, expected", [
    ((3000, 1993), (1280, 850)),   # landscape: the longer side becomes 1280
    ((1536, 2048), (960, 1280)),   # portrait
    ((1280, 720), (1280, 720)),    # already within the limit
    ((604, 453), (604, 453)),      # never enlarged
    ((1920, 1920), (1280, 1280)),
])
def test_scaling_rule(size, expected):
    assert photo_set.scaled_size(*size) == expected
    assert max(photo_set.scaled_size(*size, max_side=640)) <= 640
