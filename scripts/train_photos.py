"""Make the real-photo training corpus from Debian packages, apart from the evaluation set.

    python scripts/train_photos.py [--out ~/.cache/igan-studio/train-photos]
                                   [--eval-dir ~/.cache/igan-studio/photo-set]
                                   [--table docs/train_photos.md] [--sheet docs/train_photos.png]
                                   [--max-side 1280]

Downloads each package that PHOTOS names with `apt-get download` into OUT/debs (a package the
evaluation set's cache already holds is linked from there, not downloaded again), unpacks it with
`dpkg-deb -x` and writes the landscape photographs chosen in PHOTOS as OUT/NN-name.jpg, scaled so
that the longer side is at most --max-side pixels, with OUT/photos.csv and OUT/photos.md: file,
package, version, original path, author, licence and a note. Credits, containers and scaling are
scripts/photo_set.py's own functions, imported from it.

Kept apart from the evaluation set (scripts/photo_set.py): no (package, path) of its PHOTOS is
named here, and every photo is compared with every evaluation photo by a perceptual signature, a
16×16 grey thumbnail less its row means (see `signature`), against the evaluation photo, its
mirror image and slightly re-framed views of both; one closer than OVERLAP stops the script, and so
does a near-copy inside this corpus. The evaluation photos are read from
--eval-dir where photo_set.py wrote them, else made again from their packages.

`plasma-workspace-wallpapers` and every `lomiri-wallpapers*` package are reserved for independent
checks: this script refuses them, as photo_set.py does.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path

import numpy as np
import photo_set
from photo_set import MAX_SIDE, Photo
from PIL import Image, ImageEnhance, ImageOps

DEFAULT_OUT = Path.home() / ".cache" / "igan-studio" / "train-photos"
OVERLAP = 0.12  # distance (1 − cosine) of signatures under which two photos count as one
FRAMING_TRIM = 0.06

_SCRATCH = "usr/share/scratch/Media/Backgrounds"
_LEMON = "usr/share/lemonldap-ng/portal/htdocs/static/common/backgrounds"
_AUTUMN = "1280px-Autumn-clear-water-waterfall-landscape_-_Virginia_-_ForestWander.jpg"

# Searched (looked at on contact sheets, every image of at least 300 px on its shorter side) for
# packages the evaluation set does not use: the apt cache for wallpaper, background, theme and
# photo packages, and apt-file's contents of bookworm main for image files under wallpaper,
# background and theme folders or named for landscapes. Kept: the real photographs of outdoor
# landscapes below. Left out: renders (extremetuxracer-data's and other games' skyboxes,
# povray-examples), illustrations and abstract art (sddm-theme-maui, -elarun, -maya,
# ukui-greeter, terminology-data, lbreakouthd-data, propaganda-debian, gav-themes), space and
# telescope pictures (tuxtype's and mate-screensaver-common's, scribus-template's moons,
# scratch's moon surface), people, pets and rooms (most of kphotoalbum's demo, puzzle-jigsaw,
# goexif's samples, libelementary-data's other test images), close-ups and textures (scratch's
# flower bed, garden rock and tree; libelementary-data's rock, wood, plant), city, street and
# garden scenes (scratch's city, route 66, silos, village, driveway, pathway, bench views, second
# railway, playing field), tdiary-theme's banners (under 300 px, or faded to white by design),
# screenshots (fotoxx-common, marble-data, kphotoalbum's manual, imagemagick-6-doc) and
# jigzo-data (its puzzles are texture atlases of animals and objects).
# The evaluation set's packages were looked at again; of what that set left out, three are
# landscape photographs: tuxpaint's trees_above, and Enlightenment's Foggy-Trees and Peaks (left
# out there as too dark to judge; they are dark photographs of a foggy forest and of peaks at
# dusk).
PHOTOS: tuple[Photo, ...] = (
    Photo("sddm-theme-maldives", "usr/share/sddm/themes/maldives/background.jpg", "maldives-jetty",
          credit=("2008, Nevit Dilmen, http://commons.wikimedia.org/wiki/User:Nevit", "CC-BY-3.0"),
          evidence=(("Files: data/themes/maldives/background.jpg Copyright: 2008, Nevit Dilmen, "
                     "http://commons.wikimedia.org/wiki/User:Nevit License: CC-BY-3.0"),)),
    *(Photo("scribus-template", f"usr/share/scribus/templates/br2/{stem}.jpg", name,
            credit=("2004 Riku Leino <tsoots@gmail.com>", "public-domain"),
            evidence=("Copyright (c) 2004 Riku Leino <tsoots@gmail.com>:",
                      "Simple brochure with a nightly theme (br2)",
                      "have been placed into public domain by their author."),
            note="a brochure template's picture")
      for stem, name in (("nature", "canyon-alcove"), ("sunset", "sunset-skyline-water"))),
    *(Photo("kphotoalbum", f"usr/share/kphotoalbum/demo/{stem}.jpg", name,
            credit=("2003-2010, 2013-2014 Jesper K. Pedersen and KPhotoAlbum authors", "GPL-2+"),
            evidence=("Upstream Author: Jesper K. Pedersen <blackie@kde.org>",
                      "© 2003-2010, 2013-2014 Jesper K. Pedersen <blackie@kde.org>",
                      "either version 2 of the License, or (at your option) any later version."),
            note="the demo album")
      for stem, name in (("grand_canyon_3", "canyon-rim"), ("skagen", "grey-sea"),
                         ("skagen_2", "aerial-spit"), ("sunset", "sunset-treeline"))),
    *(Photo("scratch", f"{_SCRATCH}/{folder}/{stem}.jpg", name, note="Scratch 1.4 backdrop")
      for folder, stem, name in (
          ("Nature", "beach-malibu", "beach"), ("Nature", "canyon", "dry-ridge"),
          ("Nature", "forest", "birch-forest"), ("Nature", "grand-canyon", "canyon-pines"),
          ("Nature", "gravel-desert", "desert-clouds"), ("Nature", "hill", "volcanic-shore"),
          ("Nature", "lake", "pond-woods"), ("Nature", "water-and-rocks", "forest-stream"),
          ("Nature", "wave", "breaking-wave"), ("Outdoors", "hay_field", "hay-field"),
          ("Outdoors", "boardwalk", "sea-deck"), ("Outdoors", "train-tracks1", "valley-railway"))),
    *(Photo("liblemonldap-ng-portal-perl", f"{_LEMON}/{file}", name,
            credit=("Various artists", "CC-BY-NC-ND-3.0 or GFDL-1.3"),
            evidence=(("Files: lemonldap-ng-portal/site/htdocs/static/common/backgrounds/* "
                       "Copyright: Various artists License: CC-BY-NC-ND-3.0 or GFDL-1.3 "
                       "Comment: downloaded from https://commons.wikimedia.org"),),
            note="from Wikimedia Commons (the copyright file's comment); the file name is the "
                 "Commons title")
      for file, name in (("1280px-Anse_Source_d'Argent_2-La_Digue.jpg", "granite-beach-palms"),
                         (_AUTUMN, "autumn-cascade"),
                         ("1280px-BrockenSnowedTrees.jpg", "snowed-firs"),
                         ("1280px-Cedar_Breaks_National_Monument_partially.jpg", "hoodoos"),
                         ("1280px-Parry_Peak_from_Winter_Park.jpg", "snowy-peak"),
                         ("Aletschgletscher_mit_Pinus_cembra1.jpg", "aletsch-glacier"))),
    *(Photo("libelementary-data", f"usr/share/elementary/images/sky_0{n}.jpg", f"sky-{n}",
            note="an EFL test image")
      for n in (1, 2, 3, 4)),
    Photo("tuxpaint-data", "usr/share/tuxpaint/templates/trees_above.jpg", "canopy",
          note="not in the evaluation set, which has redwoods_above.jpg"),
    *(Photo("enlightenment-data", f"usr/share/enlightenment/data/backgrounds/{stem}.edj", name,
            note="not in the evaluation set (left out there as too dark to judge)")
      for stem, name in (("Foggy-Trees", "foggy-forest"), ("Peaks", "dark-peaks"))),
)


def signature(image: Image.Image) -> np.ndarray:
    """A photo's 16×16 grey thumbnail (box filter) with each row's mean taken away, as a unit
    vector of 256 values. Without the row means, the sky-over-land layout that every landscape
    shares would make distinct photos look alike."""
    thumb = np.asarray(image.convert("L").resize((16, 16), Image.Resampling.BOX), np.float64)
    thumb = (thumb - thumb.mean(axis=1, keepdims=True)).ravel()
    return thumb / max(float(np.linalg.norm(thumb)), 1e-9)


def framings(image: Image.Image, trim: float = FRAMING_TRIM) -> list[np.ndarray]:
    """Signatures of a photo, of its mirror image, and of both with `trim` of the frame cut from
    one side, from top or bottom, or all round: a copy re-framed by a few percent or flipped
    still matches one of them."""
    signatures = []
    for view in (image, ImageOps.mirror(image)):
        w, h = view.size
        dx, dy = round(w * trim), round(h * trim)
        for box in ((0, 0, w, h), (dx, 0, w, h), (0, 0, w - dx, h), (0, dy, w, h),
                    (0, 0, w, h - dy), (dx, dy, w - dx, h - dy)):
            signatures.append(signature(view.crop(box)))
    return signatures


def nearest(code: np.ndarray, others: dict[str, list[np.ndarray]]) -> tuple[str, float]:
    """The closest of `others` (any of each one's signatures) and its distance, 1 − cosine."""
    best = min(((min(1.0 - float(code @ s) for s in signatures), name)
                for name, signatures in others.items()), default=(2.0, ""))
    return best[1], round(best[0], 3)


def evaluation_photos(eval_dir: Path, out: Path) -> dict[str, Image.Image]:
    """{evaluation file name: photo} for every photo of photo_set's PHOTOS: read from eval_dir
    where photo_set.py wrote it, else made from its package."""
    photos = {}
    for number, photo in enumerate(photo_set.PHOTOS, start=1):
        name = f"{number:02d}-{photo.name}.jpg"
        if (eval_dir / name).is_file():
            with Image.open(eval_dir / name) as im:
                photos[name] = im.convert("RGB")
        else:
            root, _ = photo_set.fetch(photo.package, out)
            photos[name] = photo_set.load_photo(root, photo)[0]
    return photos


def near_copies(image: Image.Image) -> list[Image.Image]:
    """What a copy of a photo in another package may have been through: a smaller size, harder
    JPEG compression, a brighter or flatter grade, a re-framing (4% all round, 8% off one
    side)."""
    w, h = image.size
    encoded = io.BytesIO()
    image.save(encoded, "JPEG", quality=50)
    return [image.resize((max(1, w // 3), max(1, h // 3)), Image.Resampling.BILINEAR),
            Image.open(encoded).convert("RGB"), ImageEnhance.Brightness(image).enhance(1.2),
            ImageEnhance.Contrast(image).enhance(0.8),
            image.crop((round(w * 0.04), round(h * 0.04), round(w * 0.96), round(h * 0.96))),
            image.crop((round(w * 0.08), 0, w, h))]


def copy_bound(photos: dict[str, Image.Image], references: dict[str, list[np.ndarray]]) -> float:
    """The largest distance between an evaluation photo's near_copies() and its own references:
    the check is only worth its name while this stays under OVERLAP."""
    return max(nearest(signature(copy), {name: references[name]})[1]
               for name, image in photos.items() for copy in near_copies(image))


def check_apart(photos: tuple[Photo, ...] = PHOTOS,
                evaluation: tuple[Photo, ...] = photo_set.PHOTOS) -> None:
    """ValueError where a photo here is one the evaluation set names (same file) or a name
    repeats."""
    named = {(p.package, p.path, p.member) for p in evaluation}
    shared = [p.name for p in photos if (p.package, p.path, p.member) in named]
    if shared:
        raise ValueError(f"in the evaluation set too: {shared}")
    names = [p.name for p in photos]
    if len(set(names)) != len(names):
        raise ValueError(f"names repeat: {sorted(n for n in set(names) if names.count(n) > 1)}")


def link_cached_debs(packages: list[str], out: Path, cache: Path) -> None:
    """Hard-link (or copy) into OUT/debs the .deb files the evaluation set's cache already has,
    so fetch() finds them instead of downloading them again."""
    debs = out / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    for package in packages:
        if list(debs.glob(f"{package}_*.deb")):
            continue
        for deb in sorted((cache / "debs").glob(f"{package}_*.deb"))[-1:]:
            try:
                (debs / deb.name).hardlink_to(deb)
            except OSError:  # another file system
                (debs / deb.name).write_bytes(deb.read_bytes())


def _table_line(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def write_table(rows: list[dict], path: Path, max_side: int, bound: float) -> None:
    counts = {}
    for r in rows:
        counts[r["package"]] = counts.get(r["package"], 0) + 1
    used = ", ".join(f"{package} ({n})" for package, n in counts.items())
    lines = [
        "# Real-photo training corpus",
        "",
        "Made by `python scripts/train_photos.py --table docs/train_photos.md --sheet",
        "docs/train_photos.png` from Debian bookworm packages into",
        "`~/.cache/igan-studio/train-photos` (photos not committed):",
        f"{len(rows)} landscape photographs, scaled to at most {max_side} px on the longer side,",
        f"from {used}.",
        "Training reads them as random square crops at several scales",
        "(`igan_app.training.photo_crops.photo_crops`).",
        "",
        "Kept apart from the evaluation set (bench/photo_set.md): no file of that set is named",
        "here, and every photo was compared with every evaluation photo, its mirror image and",
        "views of both with 6% of the frame cut away, by a signature: the 16×16 grey thumbnail",
        "less its row means, as a unit vector. The script refuses a photo whose distance",
        f"(1 − cosine) to any of them is under {OVERLAP}. Copies of the evaluation photos made",
        "smaller, harder compressed, brighter, flatter or re-framed by 4-8% measure at most",
        f"{bound} (the script checks this bound on every run); the nearest column gives each",
        "photo's closest evaluation photo and its distance.",
        "Three photos come from packages the evaluation set also uses, but that it left out:",
        "tuxpaint's trees_above and Enlightenment's Foggy-Trees and Peaks.",
        "",
        "Author and licence as the package's `/usr/share/doc/PKG/copyright` gives them for the",
        "file: the matching DEP-5 stanza, or, where the file is not DEP-5 (scribus-template,",
        "kphotoalbum) or its stanza names the upstream path (sddm-theme-maldives,",
        "liblemonldap-ng-portal-perl), the credit the script quotes from it.",
        "The lemonldap photos are licensed CC-BY-NC-ND-3.0 or GFDL-1.3, a choice of the two: the",
        "card of a model trained on them should say which it takes.",
        "What was searched and left out: the comments at PHOTOS in the script.",
        "plasma-workspace-wallpapers and lomiri-wallpapers* are reserved for independent checks.",
        "",
    ]
    header = ["file", "package", "version", "original path", "author", "licence", "nearest", "note"]
    body = [[r["file"], r["package"], r["version"], "/" + r["path"],
             photo_set.short_author(r["author"]), r["licence"], f"{r['nearest']} ({r['distance']})",
             r["note"]] for r in rows]
    lines += [_table_line(cells) for cells in [header, ["---"] * len(header), *body]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cache folder for the corpus")
    parser.add_argument("--eval-dir", type=Path, default=photo_set.DEFAULT_OUT,
                        help="where photo_set.py wrote the evaluation set (made again if absent)")
    parser.add_argument("--table", type=Path, help="also write the markdown table here")
    parser.add_argument("--sheet", type=Path, help="also write a contact sheet (PNG) here")
    parser.add_argument("--max-side", type=int, default=MAX_SIDE, help="longer side, pixels")
    args = parser.parse_args()
    start = time.perf_counter()
    out, eval_dir = args.out.expanduser(), args.eval_dir.expanduser()
    check_apart()
    needed = photo_set.packages(PHOTOS)  # refuses reserved packages before any download
    link_cached_debs(needed + photo_set.packages(), out, eval_dir)
    evaluation_set = evaluation_photos(eval_dir, out)
    evaluation = {name: framings(image) for name, image in evaluation_set.items()}
    bound = copy_bound(evaluation_set, evaluation)
    if bound >= OVERLAP:
        raise ValueError(f"a near-copy of an evaluation photo measures {bound}: the overlap "
                         f"check at {OVERLAP} would miss it")
    unpacked = {}
    for package in needed:
        root, version = photo_set.fetch(package, out)
        copyright_file = root / "usr" / "share" / "doc" / package / "copyright"
        unpacked[package] = (root, version, copyright_file.read_text("utf-8"))
    rows, written, corpus = [], [], {}
    for number, photo in enumerate(PHOTOS, start=1):
        root, version, copyright_text = unpacked[photo.package]
        author, licence = photo_set.photo_credit(photo, copyright_text)
        image, note = photo_set.load_photo(root, photo)
        code = signature(image)
        closest, distance = nearest(code, evaluation)
        if distance < OVERLAP:
            raise ValueError(f"{photo.name} looks like evaluation photo {closest} "
                             f"(distance {distance}): not used for training")
        twin, apart = nearest(code, corpus)
        if apart < OVERLAP:
            raise ValueError(f"{photo.name} looks like {twin} of this corpus (distance {apart})")
        size = photo_set.scaled_size(*image.size, max_side=args.max_side)
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        file = out / f"{number:02d}-{photo.name}.jpg"
        image.save(file, quality=92)
        written.append(file)
        corpus[file.name] = framings(image)
        rows.append({"file": file.name, "package": photo.package, "version": version,
                     "path": photo.path, "width": size[0], "height": size[1], "author": author,
                     "licence": licence, "nearest": closest, "distance": distance, "note": note})
    with open(out / "photos.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_table(rows, out / "photos.md", args.max_side, bound)
    if args.table:
        write_table(rows, args.table, args.max_side, bound)
    if args.sheet:
        photo_set.contact_sheet(written, args.sheet, cell=160)
    total = sum(f.stat().st_size for f in written)
    closest = min(rows, key=lambda r: r["distance"])
    print(f"{len(written)} photos from {len(unpacked)} packages in {out}: {total / 1e6:.1f} MB, "
          f"nearest evaluation photo at {closest['distance']} ({closest['file']} ~ "
          f"{closest['nearest']}), copies of evaluation photos at most {bound}, "
          f"{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
