"""scripts/photo_set.py without the network: reserved packages, credits (DEP-5 and quoted), the
scaling rule, reading photos out of .edj and .rcc containers."""

import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

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
    paths = [(p.package, p.path, p.member) for p in photo_set.PHOTOS]  # a bundle holds many
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


FIRST_FOURTEEN = ["valendas", "after-the-rain", "beam", "cloud", "fog", "hills", "dune", "storm",
                  "cliff", "ocean-waves", "sheep-field", "sun-clouds", "trees-dusk", "redwoods"]


def test_the_first_fourteen_keep_their_numbers_and_the_set_reaches_thirty():
    names = [p.name for p in photo_set.PHOTOS]
    assert names[:14] == FIRST_FOURTEEN  # NN- file numbers are referred to elsewhere
    assert len(names) >= 30


def test_every_photo_from_a_non_dep5_file_names_its_credit_and_evidence():
    for photo in photo_set.PHOTOS:
        if photo.credit is not None:
            assert all(photo.credit) and photo.evidence, photo.name
        if photo.member:
            assert photo.path.endswith(".rcc"), photo.name


NOT_DEP5 = """\
This package was debianized by someone.

Copyright: 2001-2003 Tux4Kids  http://www.tux4kids.org/

Tux Typing is licensed under the GNU Public License
version 2.
"""


def test_a_credit_must_be_quoted_from_a_copyright_file_that_is_not_dep5():
    photo = photo_set.Photo("tuxtype-data", "usr/share/tuxtype/images/kcas0.jpg", "iceberg",
                            credit=("2001-2003 Tux4Kids", "GPL-2"),
                            evidence=("Copyright: 2001-2003 Tux4Kids",
                                      "licensed under the GNU Public License version 2"))
    # line breaks and runs of spaces in the file do not matter
    assert photo_set.photo_credit(photo, NOT_DEP5) == ("2001-2003 Tux4Kids", "GPL-2")
    with pytest.raises(ValueError, match="not in the copyright file"):
        photo_set.photo_credit(photo, NOT_DEP5.replace("version 2", "version 3"))
    bare = photo_set.Photo("tuxtype-data", "usr/share/tuxtype/images/kcas0.jpg", "iceberg")
    assert photo_set.photo_credit(bare, NOT_DEP5) == ("unknown", "unknown")  # no stanza matches
    with pytest.raises(ValueError, match="name the credit"):
        photo_set.quoted_credit(bare, NOT_DEP5)


def test_a_bundle_member_is_credited_by_its_own_upstream_path():
    text = SAMPLE + "\nFiles: src/activities/explore_monuments/*\nCopyright: Monument team\n" \
                    "License: CC0-1.0\n"
    photo = photo_set.Photo("gcompris-qt-data", "usr/share/gcompris-qt/rcc/explore_monuments.rcc",
                            "canyon", member="gcompris/src/activities/explore_monuments/"
                                             "resource/usa/canyondeChelly.webp")
    assert photo_set.photo_credit(photo, text) == ("Monument team", "CC0-1.0")


def _jpeg(size, colour):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def test_the_largest_embedded_jpeg_is_read_from_an_edj(tmp_path):
    # an .edj keeps one JPEG per screen size between other Eet records; a stray marker must not
    # stop the search
    data = (b"\x1e\xe7\x0f\x42" + bytes(100) + _jpeg((32, 24), (10, 200, 10)) + bytes(50)
            + b"\xff\xd8\xff\x00junk" + _jpeg((64, 48), (200, 30, 30)) + _jpeg((16, 16), (0, 0, 0)))
    edj = tmp_path / "usr/share/enlightenment/data/backgrounds/Test.edj"
    edj.parent.mkdir(parents=True)
    edj.write_bytes(data)
    image, note = photo_set.load_photo(
        tmp_path, photo_set.Photo("enlightenment-data", str(edj.relative_to(tmp_path)), "test"))
    assert image.size == (64, 48) and image.mode == "RGB" and note == ""
    r, g, b = image.getpixel((32, 24))
    assert r > 150 and g < 80 and b < 80
    with pytest.raises(ValueError, match="no JPEG"):
        photo_set.largest_jpeg(bytes(1000))


README = """\
Copyright: Someone, 2018
License: CC-BY-SA 4.0
Files:
key.svg
usa/usa.svg

Copyright: Nikater
License: Public Domain
Source: https://commons.wikimedia.org/wiki/File:Canyon_de_chelly09.jpg
Files:
usa/canyondeChelly.webp
"""


def test_the_gcompris_readme_block_that_lists_the_file_is_the_note():
    assert photo_set.readme_credit(README, "usa/canyondeChelly.webp") == (
        "Copyright: Nikater; License: Public Domain; "
        "Source: https://commons.wikimedia.org/wiki/File:Canyon_de_chelly09.jpg")
    assert photo_set.readme_credit(README, "usa/usa.svg").startswith("Copyright: Someone")
    assert photo_set.readme_credit(README, "usa/other.webp") == ""


def test_a_photo_is_read_from_a_qt_resource_bundle(tmp_path):
    rcc_tool = shutil.which("pyside6-rcc")
    if rcc_tool is None:
        pytest.skip("pyside6-rcc is not installed")
    resource = tmp_path / "src" / "gcompris/src/activities/x/resource"
    (resource / "usa").mkdir(parents=True)
    Image.new("RGB", (48, 32), (20, 40, 220)).save(resource / "usa/canyondeChelly.webp",
                                                   lossless=True)
    (resource / "README").write_text(README, encoding="utf-8")
    members = ["gcompris/src/activities/x/resource/usa/canyondeChelly.webp",
               "gcompris/src/activities/x/resource/README"]
    qrc = tmp_path / "src" / "x.qrc"
    qrc.write_text("<RCC><qresource prefix=\"/\">" + "".join(f"<file>{m}</file>" for m in members)
                   + "</qresource></RCC>", encoding="utf-8")
    bundle = tmp_path / "usr/share/gcompris-qt/rcc/x.rcc"
    bundle.parent.mkdir(parents=True)
    subprocess.run([rcc_tool, "--binary", str(qrc), "-o", str(bundle)], check=True,
                   cwd=qrc.parent)
    photo = photo_set.Photo("gcompris-qt-data", "usr/share/gcompris-qt/rcc/x.rcc", "canyon",
                            member=members[0])
    image, note = photo_set.load_photo(tmp_path, photo)
    assert image.size == (48, 32) and image.getpixel((5, 5)) == (20, 40, 220)
    assert note == ("upstream README: Copyright: Nikater; License: Public Domain; "
                    "Source: https://commons.wikimedia.org/wiki/File:Canyon_de_chelly09.jpg")
    with pytest.raises(FileNotFoundError):
        photo_set.load_photo(tmp_path, photo_set.Photo(photo.package, photo.path, "missing",
                                                       member="gcompris/none.webp"))


def test_long_holder_lists_are_cut_in_the_table_only():
    assert photo_set.short_author("a; b") == "a; b"
    assert photo_set.short_author("a; b; c; d") == "a; b; and 2 more (see copyright)"
