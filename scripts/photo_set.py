"""Make the real-photo evaluation set from Debian packages that ship landscape photographs.

    python scripts/photo_set.py [--out ~/.cache/igan-studio/photo-set] [--table bench/photo_set.md]
                                [--sheet docs/photo_set.png] [--max-side 1280]

Downloads each package that PHOTOS names with `apt-get download` into OUT/debs, unpacks it with
`dpkg-deb -x` into OUT/unpacked, and writes the landscape photographs chosen in PHOTOS (chosen by
looking at every candidate image; see the comments there) as OUT/NN-name.jpg, scaled so that the
longer side is at most --max-side pixels (never enlarged), with OUT/photos.csv and OUT/photos.md:
file, package, package version, original path, author, licence and a provenance note. Author and
licence come from the package's DEP-5 /usr/share/doc/PKG/copyright: the last `Files:` stanza
whose pattern matches the photo's path wins. Where the copyright file is not DEP-5, the photo
names its credit itself, with excerpts that must occur in that file (so the credit is quoted,
never made up). Photos inside containers are read from them: a Qt resource bundle (.rcc,
gcompris) by its resource path, whose upstream README credit goes into the note column, and an
Enlightenment background (.edj) by its largest embedded JPEG. The photos stay out of the
repository; --table and --sheet write the commit-sized table and contact sheet.

`plasma-workspace-wallpapers` and every `lomiri-wallpapers*` package are reserved for independent
checks: this script refuses them.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import io
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

DEFAULT_OUT = Path.home() / ".cache" / "igan-studio" / "photo-set"
MAX_SIDE = 1280
RESERVED = ("plasma-workspace-wallpapers", "lomiri-wallpapers")  # the second is a prefix


@dataclass(frozen=True)
class Photo:
    package: str
    path: str  # installed path inside the package, without the leading slash
    name: str  # short name used in the output file name
    member: str = ""  # resource path inside a .rcc bundle at `path`
    credit: tuple[str, str] | None = None  # (author, licence) where the copyright file is not DEP-5
    evidence: tuple[str, ...] = ()  # excerpts of that copyright file the credit rests on
    note: str = ""  # provenance beyond the copyright file (README, EXIF)


# Every image over 60 kB under the wallpaper folders of gnome-backgrounds, mate-backgrounds,
# ukui-wallpapers, sway-backgrounds, desktop-base, xfdesktop4-data, lxqt-themes, lxde-common,
# fvwm-crystal and tuxpaint-data (templates, starters) was looked at on a contact sheet. Kept: real
# photographs of landscapes (sky, hills, water, coast, fields, forest). Left out: abstract art and
# illustrations (all of gnome, ukui, sway, desktop-base, xfce, lxde, fvwm-crystal, MATE's abstract
# and desktop folders, LXQt's logo pictures) and close-ups (flowers, insects, drops, grass, leaves,
# bark, moss, pebbles, mudstone, a corn field from inside, a wave's spray, a lighthouse, a machine).
PHOTOS: tuple[Photo, ...] = (
    Photo("lxqt-themes", "usr/share/lxqt/wallpapers/Valendas.png", "valendas"),
    Photo("lxqt-themes", "usr/share/lxqt/wallpapers/after-the-rain.jpg", "after-the-rain"),
    Photo("lxqt-themes", "usr/share/lxqt/wallpapers/beam.png", "beam"),
    Photo("lxqt-themes", "usr/share/lxqt/wallpapers/cloud.png", "cloud"),
    Photo("lxqt-themes", "usr/share/lxqt/wallpapers/fog.jpg", "fog"),
    Photo("lxqt-themes", "usr/share/lxqt/wallpapers/this-is-not-windows.jpg", "hills"),
    Photo("mate-backgrounds", "usr/share/backgrounds/mate/nature/Dune.jpg", "dune"),
    Photo("mate-backgrounds", "usr/share/backgrounds/mate/nature/Storm.jpg", "storm"),
    Photo("tuxpaint-data", "usr/share/tuxpaint/templates/cliff.jpg", "cliff"),
    Photo("tuxpaint-data", "usr/share/tuxpaint/templates/ocean_waves.jpg", "ocean-waves"),
    Photo("tuxpaint-data", "usr/share/tuxpaint/templates/sheep.jpg", "sheep-field"),
    Photo("tuxpaint-data", "usr/share/tuxpaint/templates/sun_behind_clouds.jpg", "sun-clouds"),
    Photo("tuxpaint-data", "usr/share/tuxpaint/templates/trees_at_dusk.jpg", "trees-dusk"),
    Photo("tuxpaint-data", "usr/share/tuxpaint/templates/redwoods_above.jpg", "redwoods"),
    # Second search (numbers 15 on; the first 14 keep their numbers). Looked at on contact sheets:
    # every image over 60 kB (and every image in gcompris's .rcc bundles and Enlightenment's .edj
    # backgrounds) in tuxtype-data, digikam-data, enlightenment-data, gcompris-qt-data,
    # palapeli-data, opencv-doc, opencv-data, python3-sklearn, python3-skimage, hugin-data,
    # fotoxx-common, rawtherapee-data, kdenlive-data, krita-data, darktable, luminance-hdr,
    # gimp-data-extras, photoqt, shotwell-common, xscreensaver-data-extra, kdeedu-data, khangman,
    # eterm, gthumb-data, openshot-qt, cinnamon-common, budgie-desktop-view, gimp-help-common,
    # tuxmath, blender-data and stellarium-data. Kept: eleven of tuxtype's twelve Wikimedia
    # Commons backgrounds (not the cave), digiKam's about-page lake, four Enlightenment photo
    # backgrounds and four gcompris monument photos that are landscapes first. Left out: close-ups
    # (Enlightenment's bamboo, maples, lichen, needles, flowers; gcompris's animals; palapeli's
    # bee, chameleon, fruit; the sample images of opencv, sklearn and skimage), buildings and
    # cities (gcompris's other monuments, palapeli's castle and bridge, opencv's streets),
    # illustrations (Enlightenment's Dunes and Sunset-Hills, tuxtype's space pictures), photos too
    # dark to judge (Enlightenment's Foggy-Trees and Peaks), images under 300 px (hugin's manual,
    # tuxtype's theme photos, gcompris's categorisation pictures), underwater scenes (gcompris),
    # stellarium's panoramas (the sky is cut out, tiles of 256-512 px), blender's HDR lighting
    # maps (EXR) and screenshots or textures in every other package.
    *(Photo("tuxtype-data", f"usr/share/tuxtype/images/kcas{n}.jpg", name,
            credit=("2001-2003 Tux4Kids", "GPL-2"),
            evidence=("Copyright: 2001-2003 Tux4Kids",
                      "Tux Typing is licensed under the GNU Public License version 2."),
            note="README_IMAGES.TXT: featured images from Wikimedia Commons")
      for n, name in ((0, "iceberg"), (1, "rocky-coast"), (2, "granite-beach"),
                      (3, "glacier-front"), (4, "mountain-lake"), (5, "lake-rocks-dusk"),
                      (6, "volcano"), (7, "frozen-lake"), (8, "hot-spring"), (9, "rock-dome"),
                      (11, "rice-terraces"))),
    Photo("digikam-data", "usr/share/digikam/about/images/body-background.jpg", "red-hill-lake",
          credit=("digiKam authors (primary: Gilles Caulier, Marcel Wiesweg, Francisco J. Cruz)",
                  "GPL-2+"),
          evidence=("Primary upstream authors are:", "Gilles Caulier", "Marcel Wiesweg",
                    "Francisco J. Cruz", "almost all software is GPL",
                    "either version 2 of the License, or")),
    *(Photo("enlightenment-data", f"usr/share/enlightenment/data/backgrounds/{stem}.edj", name)
      for stem, name in (("Mountain", "dusk-peaks"), ("God-Rays", "god-rays"),
                         ("Sunset-Clouds", "sunset-clouds"), ("Snow-Trees", "snow-birches"))),
    *(Photo("gcompris-qt-data", "usr/share/gcompris-qt/rcc/explore_monuments.rcc", name,
            member=f"gcompris/src/activities/explore_monuments/resource/{member}")
      for member, name in (("usa/canyondeChelly.webp", "canyon"),
                           ("wonders/greatWallofChina.webp", "great-wall-hills"),
                           ("wonders/machuPicchu.webp", "machu-picchu"),
                           ("france/montStMichel.webp", "tidal-flats"))),
)


def is_reserved(package: str) -> bool:
    """Whether a package is kept for independent checks (never downloaded here)."""
    return package == RESERVED[0] or package.startswith(RESERVED[1])


def check_package(package: str) -> str:
    """Return the package name, or raise ValueError for a reserved one."""
    if is_reserved(package):
        raise ValueError(f"{package} is reserved for independent checks: not used here")
    return package


def packages(photos: tuple[Photo, ...] = PHOTOS) -> list[str]:
    """The packages the photos come from, in order of first appearance, each checked."""
    return [check_package(p) for p in dict.fromkeys(photo.package for photo in photos)]


def scaled_size(width: int, height: int, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """Size with the longer side at most max_side, aspect kept (rounded), never enlarged."""
    longer = max(width, height)
    if longer <= max_side:
        return width, height
    scale = max_side / longer
    return max(1, round(width * scale)), max(1, round(height * scale))


@dataclass(frozen=True)
class Stanza:
    patterns: tuple[str, ...]
    copyright: str
    licence: str


def parse_dep5(text: str) -> list[Stanza]:
    """The `Files:` stanzas of a DEP-5 copyright file, in order (header and licence texts skipped).

    Fields may continue on indented lines; Copyright lines are joined with "; ", License keeps its
    first line (the short name).
    """
    stanzas = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, list[str]] = {}
        key = None
        for line in block.split("\n"):
            if line[:1] in (" ", "\t") and key is not None:
                value = line.strip()
                if value and value != ".":
                    fields[key].append(value)
            elif ":" in line and not line.startswith("#"):
                key, value = line.split(":", 1)
                key = key.strip().lower()
                fields[key] = [value.strip()] if value.strip() else []
        if "files" not in fields:
            continue
        patterns = tuple(p for line in fields["files"] for p in line.split())
        licence = fields.get("license", [""])[0] if fields.get("license") else ""
        stanzas.append(Stanza(patterns, "; ".join(fields.get("copyright", [])), licence))
    return stanzas


def pattern_matches(pattern: str, path: str) -> bool:
    """DEP-5 patterns name upstream source paths; match them against every tail of the installed
    path (`nature/Dune.jpg` matches `usr/share/backgrounds/mate/nature/Dune.jpg`). `*` and `?`
    match `/` too, as DEP-5 says."""
    parts = path.strip("/").split("/")
    pattern = pattern.strip("/")
    return any(fnmatch.fnmatchcase("/".join(parts[i:]), pattern) for i in range(len(parts)))


def credit(stanzas: list[Stanza], path: str) -> tuple[str, str]:
    """(author, licence) for a path: the last matching stanza wins, as DEP-5 says."""
    found = ("unknown", "unknown")
    for stanza in stanzas:
        if any(pattern_matches(p, path) for p in stanza.patterns):
            found = (stanza.copyright or "unknown", stanza.licence or "unknown")
    return found


def quoted_credit(photo: Photo, copyright_text: str) -> tuple[str, str]:
    """A photo's own credit, once every excerpt it rests on is found in the copyright file
    (whitespace-insensitive); ValueError otherwise."""
    if photo.credit is None or not photo.evidence:
        raise ValueError(f"{photo.name}: the copyright file has no DEP-5 stanzas; "
                         "name the credit and the excerpts it rests on")
    text = " ".join(copyright_text.split())
    missing = [e for e in photo.evidence if " ".join(e.split()) not in text]
    if missing:
        raise ValueError(f"{photo.name}: not in the copyright file: {missing}")
    return photo.credit


def photo_credit(photo: Photo, copyright_text: str) -> tuple[str, str]:
    """(author, licence): the photo's quoted credit where it names one, else the DEP-5 stanza for
    its path (a bundle member's own path: that is the upstream path the stanzas name)."""
    if photo.credit is not None:
        return quoted_credit(photo, copyright_text)
    return credit(parse_dep5(copyright_text), photo.member or photo.path)


def largest_jpeg(data: bytes) -> Image.Image:
    """The largest JPEG embedded in a byte string: an Enlightenment .edj background keeps one
    lossy copy per screen size, each a plain JPEG stream."""
    starts = []
    at = data.find(b"\xff\xd8\xff")
    while at >= 0:
        starts.append(at)
        at = data.find(b"\xff\xd8\xff", at + 1)
    best, area = None, 0
    for start, end in zip(starts, starts[1:] + [len(data)]):
        try:
            image = Image.open(io.BytesIO(data[start:end]))
        except OSError:
            continue  # the marker bytes occurred by chance inside other data
        if image.width * image.height > area:
            best, area = image, image.width * image.height
    if best is None:
        raise ValueError("no JPEG found")
    best.load()
    return best


def rcc_member(bundle: Path, member: str) -> bytes:
    """One file of a Qt binary resource bundle (.rcc), read through Qt itself."""
    from PySide6.QtCore import QFile, QResource

    root = "/photo_set"
    if not QResource.registerResource(str(bundle), root):
        raise ValueError(f"{bundle} is not a Qt resource bundle")
    try:
        handle = QFile(f":{root}/{member}")
        if not handle.open(QFile.OpenModeFlag.ReadOnly):
            raise FileNotFoundError(f"{member} is not in {bundle}")
        data = bytes(handle.readAll().data())
        handle.close()
        return data
    finally:
        QResource.unregisterResource(str(bundle), root)


def readme_credit(readme: str, relative: str) -> str:
    """The block of a gcompris resource README (Copyright:, License:, Source:, then Files: one per
    line) that lists `relative`, as one line; "" when none does."""
    for block in readme.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n")]
        if "Files:" not in lines or relative not in lines[lines.index("Files:") + 1:]:
            continue
        fields = dict(line.split(":", 1) for line in lines[:lines.index("Files:")] if ":" in line)
        return "; ".join(f"{key.strip()}: {value.strip()}" for key, value in fields.items())
    return ""


def load_photo(root: Path, photo: Photo) -> tuple[Image.Image, str]:
    """The photo as RGB (EXIF orientation applied) and its provenance note."""
    source = root / photo.path
    notes = [photo.note] if photo.note else []
    if photo.member:
        image = Image.open(io.BytesIO(rcc_member(source, photo.member)))
        folder, _, relative = photo.member.rpartition("/resource/")
        try:
            readme = rcc_member(source, f"{folder}/resource/README").decode("utf-8")
        except FileNotFoundError:
            readme = ""
        if readme_credit(readme, relative):
            notes.append("upstream README: " + readme_credit(readme, relative))
    elif source.suffix == ".edj":
        image = largest_jpeg(source.read_bytes())
    else:
        image = Image.open(source)
    artist = str(image.getexif().get(0x013B, "")).strip()  # EXIF Artist
    if artist and artist.lower() != "unknown":
        notes.append(f"EXIF Artist: {artist}")
    return ImageOps.exif_transpose(image).convert("RGB"), "; ".join(notes)


def fetch(package: str, out: Path) -> tuple[Path, str]:
    """Download (unless already there) and unpack a package; return (unpacked root, version)."""
    check_package(package)
    debs = out / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        subprocess.run(["apt-get", "download", package], cwd=debs, check=True)
        found = sorted(debs.glob(f"{package}_*.deb"))
    deb = found[-1]
    version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], check=True,
                             capture_output=True, text=True).stdout.strip()
    root = out / "unpacked" / package
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root, version


def short_author(author: str, keep: int = 2) -> str:
    """A long "; "-joined holder list cut to its first entries for the table (the CSV keeps all)."""
    holders = author.split("; ")
    if len(holders) <= keep:
        return author
    return "; ".join(holders[:keep]) + f"; and {len(holders) - keep} more (see copyright)"


def write_table(rows: list[dict], path: Path) -> None:
    packages_used = ", ".join(dict.fromkeys(r["package"] for r in rows))
    lines = [
        "# Real-photo evaluation set",
        "",
        "Made by `python scripts/photo_set.py` from Debian bookworm packages (photos not",
        f"committed; {len(rows)} landscape photographs, scaled to at most {MAX_SIDE} px on the",
        f"longer side), from {packages_used}.",
        "Author and licence as the package's `/usr/share/doc/PKG/copyright` gives them for the",
        "file: the matching DEP-5 stanza, or, where the file is not DEP-5 (tuxtype-data,",
        "digikam-data), the credit the script quotes from it. The note column adds what the",
        "package says beyond that: gcompris's own README for its photos, tuxtype's",
        "README_IMAGES.TXT, EXIF Artist tags.",
        "",
        "Searched and left out (see the comments at PHOTOS in the script): the wallpaper packages",
        "gnome-backgrounds, ukui-wallpapers, sway-backgrounds, desktop-base, xfdesktop4-data,",
        "lxde-common and fvwm-crystal (abstract art or illustrations only); photo, graphics and",
        "teaching packages whose pictures are close-ups, buildings, screenshots, textures, sample",
        "images or under 300 px (palapeli-data, opencv-doc, opencv-data, python3-sklearn,",
        "python3-skimage, hugin-data, fotoxx-common, rawtherapee-data, kdenlive-data, krita-data,",
        "darktable, luminance-hdr, gimp-data-extras, photoqt, shotwell-common, khangman,",
        "kdeedu-data, gthumb-data, openshot-qt, cinnamon-common, eterm, xscreensaver-data-extra",
        "and others); stellarium-data (panoramas with the sky cut out) and blender-data (HDR",
        "lighting maps).",
        "plasma-workspace-wallpapers and lomiri-wallpapers* are reserved for independent checks.",
        "",
        "| file | package | version | original path | author | licence | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [r["file"], r["package"], r["version"], "/" + r["path"],
                 short_author(r["author"]), r["licence"], r.get("note", "")]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def contact_sheet(files: list[Path], path: Path, cell: int = 200, columns: int = 6) -> None:
    """Thumbnails with their file names, as a 256-colour PNG (a few hundred kB for the repo)."""
    rows = (len(files) + columns - 1) // columns
    label = 14
    sheet = Image.new("RGB", (columns * cell, rows * (cell * 2 // 3 + label)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, file in enumerate(files):
        with Image.open(file) as im:
            thumb = im.convert("RGB")
        thumb.thumbnail((cell - 4, cell * 2 // 3 - 4))
        x, y = (i % columns) * cell, (i // columns) * (cell * 2 // 3 + label)
        sheet.paste(thumb, (x + 2, y + 2))
        draw.text((x + 2, y + cell * 2 // 3), file.name, fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cache folder for the set")
    parser.add_argument("--table", type=Path, help="also write the markdown table here")
    parser.add_argument("--sheet", type=Path, help="also write a contact sheet (PNG) here")
    parser.add_argument("--max-side", type=int, default=MAX_SIDE, help="longer side, pixels")
    args = parser.parse_args()
    start = time.perf_counter()
    out = args.out.expanduser()
    out.mkdir(parents=True, exist_ok=True)
    unpacked = {}
    for package in packages():
        root, version = fetch(package, out)
        copyright_file = root / "usr" / "share" / "doc" / package / "copyright"
        unpacked[package] = (root, version, copyright_file.read_text("utf-8"))
    rows, written = [], []
    for number, photo in enumerate(PHOTOS, start=1):
        root, version, copyright_text = unpacked[photo.package]
        author, licence = photo_credit(photo, copyright_text)
        image, note = load_photo(root, photo)
        size = scaled_size(*image.size, max_side=args.max_side)
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        file = out / f"{number:02d}-{photo.name}.jpg"
        image.save(file, quality=92)
        written.append(file)
        path = f"{photo.path}:{photo.member}" if photo.member else photo.path
        rows.append({"file": file.name, "package": photo.package, "version": version,
                     "path": path, "width": size[0], "height": size[1],
                     "author": author, "licence": licence, "note": note})
    with open(out / "photos.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_table(rows, out / "photos.md")
    if args.table:
        write_table(rows, args.table)
    if args.sheet:
        contact_sheet(written, args.sheet)
    total = sum(f.stat().st_size for f in written)
    print(f"{len(written)} photos from {len(unpacked)} packages in {out}: "
          f"{total / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
