"""What the README shows is real: every `igan …` line in its code blocks parses, the paint
examples run as written from the repository root on files that ship, the first set-up command
opens the editor on a shipped photo, and the Python names it cites exist."""

from __future__ import annotations

import importlib
import inspect
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from igan_app import cli, imaging
from igan_app.world.palette import load_labels
from igan_app.zoo.registry import ModelRegistry, shipped_models_dir

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _code_blocks(text: str) -> list[tuple[str, str]]:
    """The README's fenced code blocks as (language, text), in order."""
    blocks, language, lines = [], None, []
    for line in text.splitlines():
        if not line.startswith("```"):
            lines.append(line)
        elif language is None:
            language, lines = line[3:].strip(), []
        else:
            blocks.append((language, "\n".join(lines) + "\n"))
            language = None
    return blocks


def _shell_blocks(text: str) -> list[str]:
    """The README's code blocks without a language (shell commands)."""
    return [block for language, block in _code_blocks(text) if not language]


def _command_lines(block: str) -> list[str]:
    """Each command of a block: continuations joined, comments dropped, `&&` and `;` split."""
    joined = re.sub(r"\\\n\s*", " ", block)
    commands = []
    for line in joined.splitlines():
        line = re.split(r"\s#\s", line, maxsplit=1)[0].strip()
        commands += [part.strip() for part in re.split(r"&&|;", line) if part.strip()]
    return commands


def _variants(command: str) -> list[str]:
    """A command with optional `[…]` parts both left out and given, each `a|b|c` as each choice."""
    optional = re.search(r"\[([^\]]*)\]", command)
    if optional:
        before, after = command[:optional.start()], command[optional.end():]
        return (_variants(before + after) + _variants(before + optional.group(1) + after))
    choice = re.search(r"(\S*)\|(\S*)", command)
    if choice:
        words = command[choice.start():choice.end()].split("|")
        return [v for word in words
                for v in _variants(command[:choice.start()] + word + command[choice.end():])]
    return [" ".join(command.split())]


def _igan_commands(text: str = README) -> list[str]:
    return [variant for block in _shell_blocks(text) for line in _command_lines(block)
            if line.startswith("igan ") or line == "igan" for variant in _variants(line)]


def _parse(command: str):
    try:
        return cli.build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit:
        pytest.fail(f"README.md: `{command}` does not parse")


def test_the_helpers_expand_what_the_readme_writes():
    block = ("pip install -e . && igan gui a.jpg\nigan edit p.jpg --out e.jpg [--mode c|m]  # x\n"
             "igan train x --a 1 \\\n    --b 2\n")
    assert _igan_commands(f"```\n{block}```\n") == [
        "igan gui a.jpg", "igan edit p.jpg --out e.jpg", "igan edit p.jpg --out e.jpg --mode c",
        "igan edit p.jpg --out e.jpg --mode m", "igan train x --a 1 --b 2"]


def test_every_igan_command_line_in_the_readme_parses():
    commands = _igan_commands()
    assert len(commands) > 20, commands
    for command in commands:
        assert "…" not in command, f"README.md: `{command}` is not a command as written"
        args = _parse(command)
        assert getattr(args, "handler", None) is not None, command


def _shipped_paint_commands() -> list[str]:
    shipped = set(ModelRegistry([("shipped", shipped_models_dir())]).names())
    commands = [c for c in _igan_commands() if c.startswith("igan paint ")]
    return [c for c in commands if _parse(c).model in shipped]


def test_the_paint_examples_read_files_that_ship():
    commands = _shipped_paint_commands()
    assert len(commands) >= 4, commands
    for command in commands:
        args = _parse(command)
        assert (ROOT / args.input).is_file(), f"README.md: `{command}`: no {args.input}"
        if args.style is not None:
            assert (ROOT / args.style).is_file(), f"README.md: `{command}`: no {args.style}"
    label_maps = {_parse(c).input for c in commands if not _parse(c).edges_of}
    for path in label_maps:
        assert load_labels(ROOT / path).shape == (256, 256)


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")
def test_the_paint_examples_run_as_written_from_the_repository_root(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("IGAN_MODELS_DIR", str(tmp_path / "no-user-models"))
    for index, command in enumerate(_shipped_paint_commands()):
        words = shlex.split(command)[1:]
        out = tmp_path / f"{index}.png"
        words[words.index("--out") + 1] = str(out)
        assert cli.main(["--device", "cpu", *words]) == 0, command
        args = _parse(command)
        source = imaging.read_image(ROOT / args.input)
        painted = imaging.read_image(out)
        assert painted.shape[2] == 3 and painted.std() > 5, command  # a picture, not a flat fill
        if not args.edges_of:
            assert painted.shape[:2] == source.shape[:2], command


def test_the_first_setup_command_opens_the_editor_on_a_shipped_photo():
    first = _command_lines(_shell_blocks(README)[0])
    assert first[0].startswith("pip install -e ."), first
    gui = shlex.split(first[1])
    assert gui[:2] == ["igan", "gui"] and len(gui) == 3, first
    assert (ROOT / gui[2]).is_file() and gui[2].startswith("assets/photos/"), first
    assert imaging.read_image(ROOT / gui[2]).ndim == 3
    # the headless alternative comes right after it
    assert _shell_blocks(README)[1].strip() == "igan demo --out demo"
    # and the tests' command (what CI runs) stays as it was
    assert 'pip install -e ".[dev]" && pytest' in README


def test_the_demo_label_map_is_the_world_scene_its_sources_command_writes(tmp_path):
    sources = (ROOT / "assets" / "demo" / "SOURCES.md").read_text()
    row = next(line for line in sources.splitlines() if line.startswith("| labels.png"))
    command = re.search(r"`(igan world export [^`]*)`", row).group(1)
    words = shlex.split(command)[1:]
    words[words.index("--out") + 1] = str(tmp_path / "scene")
    assert cli.main([*words, "--workers", "1"]) == 0
    written = tmp_path / "scene" / "labels" / "000000.png"
    shipped = ROOT / "assets" / "demo" / "labels.png"
    assert written.read_bytes() == shipped.read_bytes()
    assert len(np.unique(load_labels(shipped))) >= 7  # a map with most labels to paint over


def _cited_names(text: str) -> list[tuple[str, str | None]]:
    """Every `igan_app.…` name in the README's prose, with its call's arguments where it has them."""
    code = {block for _, block in _code_blocks(text)}
    prose = "\n".join(line for line in text.splitlines() if f"{line}\n" not in code)
    return re.findall(r"`(igan_app(?:\.\w+)+)(?:\(([^)`]*)\))?`", prose)


def _resolve(dotted: str):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name, None)
        return found
    return None


def test_the_python_names_the_readme_cites_exist():
    cited = _cited_names(README)
    assert ("igan_app.world.dataset.WorldScenes", "") in cited
    for dotted, arguments in cited:
        found = _resolve(dotted)
        assert found is not None, f"README.md: `{dotted}` does not exist"
        if arguments:  # cited as a call: a function that takes those arguments
            assert not inspect.ismodule(found), f"README.md: `{dotted}` is a module, not a function"
            names = [a.strip() for a in arguments.split(",")]
            inspect.signature(found).bind(*names)


def test_the_readme_says_how_to_install_a_cpu_only_torch_with_a_matching_torchvision():
    lines = [line for block in _shell_blocks(README) for line in _command_lines(block)]
    cpu = [line for line in lines if "download.pytorch.org/whl/cpu" in line]
    assert cpu, "no CPU-only install command"
    words = shlex.split(cpu[0])
    assert words[:3] == ["pip", "install", "torch"] and "torchvision" in words, cpu[0]
    assert words[words.index("--index-url") + 1] == "https://download.pytorch.org/whl/cpu"
