"""Make the real-photo evaluation set from Debian's wallpaper and background packages.

    python scripts/photo_set.py [--out ~/.cache/igan-studio/photo-set] [--table bench/photo_set.md]
                                [--sheet docs/photo_set.png] [--max-side 1280]

Downloads each package in PACKAGES with `apt-get download` into OUT/debs, unpacks it with
`dpkg-deb -x` into OUT/unpacked, and writes the landscape photographs chosen in PHOTOS (chosen by
looking at every candidate image; see the comments there) as OUT/NN-name.jpg, scaled so that the
longer side is at most --max-side pixels (never enlarged), with OUT/photos.csv and OUT/photos.md:
file, package, package version, original path, author and licence. Author and licence come from the
package's DEP-5 /usr/share/doc/PKG/copyright: the last `Files:` stanza whose pattern matches the
photo's path wins. The photos stay out of the repository; --table and --sheet write the
commit-sized table and contact sheet.

`plasma-workspace-wallpapers` and every `lomiri-wallpapers*` package are reserved for independent
checks: this script refuses them.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

DEFAULT_OUT = Path.home() / ".cache" / "igan-studio" / "photo-set"
MAX_SIDE = 1280
RESERVED = ("plasma-workspace-wallpapers", "lomiri-wallpapers")  # the second is a prefix


@dataclass(frozen=True)
class Photo:
    package: str
    path: str  # installed path inside the package, without the leading slash
    name: str  # short name used in the output file name


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


def write_table(rows: list[dict], path: Path) -> None:
    lines = [
        "# Real-photo evaluation set",
        "",
        "Made by `python scripts/photo_set.py` from Debian bookworm packages (photos not committed;",
        f"{len(rows)} landscape photographs qualified, scaled to at most {MAX_SIDE} px on the "
        + "longer side).",
        "Author and licence as the package's `/usr/share/doc/PKG/copyright` gives them for the file.",
        "",
        "Issue 15 asks for at least 30: no more real landscape photographs were found in bookworm's",
        "wallpaper packages (gnome-backgrounds, ukui-wallpapers, sway-backgrounds, desktop-base,",
        "xfdesktop4-data, lxde-common and fvwm-crystal hold abstract art or illustrations only;",
        "plasma-workspace-wallpapers and lomiri-wallpapers* are reserved for independent checks).",
        "",
        "| file | package | version | original path | author | licence |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['file']} | {r['package']} | {r['version']} | /{r['path']} | "
                     f"{r['author'].replace('|', '/')} | {r['licence']} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def contact_sheet(files: list[Path], path: Path, cell: int = 200, columns: int = 5) -> None:
    """Thumbnails with their file names."""
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
    sheet.save(path, optimize=True)


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
        unpacked[package] = (root, version, parse_dep5(copyright_file.read_text("utf-8")))
    rows, written = [], []
    for number, photo in enumerate(PHOTOS, start=1):
        root, version, stanzas = unpacked[photo.package]
        with Image.open(root / photo.path) as im:
            image = im.convert("RGB")
        size = scaled_size(*image.size, max_side=args.max_side)
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        file = out / f"{number:02d}-{photo.name}.jpg"
        image.save(file, quality=92)
        written.append(file)
        author, licence = credit(stanzas, photo.path)
        rows.append({"file": file.name, "package": photo.package, "version": version,
                     "path": photo.path, "width": size[0], "height": size[1],
                     "author": author, "licence": licence})
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
