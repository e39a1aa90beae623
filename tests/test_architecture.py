"""The layers hold: gui | cli → journeys → engine → zoo | world, and nothing under the GUI imports
Qt. Import-linter's contracts, checks that they cover every module, and a real import to check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from importlinter import api
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"

COMPUTE = ("igan_app.journeys", "igan_app.engine", "igan_app.zoo", "igan_app.world",
           "igan_app.training", "igan_app.imaging", "igan_app.device")

HEADLESS_MODULES = (
    "igan_app.journeys", "igan_app.journeys.models", "igan_app.journeys.edit",
    "igan_app.journeys.morph", "igan_app.journeys.paint", "igan_app.engine", "igan_app.zoo", "igan_app.zoo.checkpoint", "igan_app.zoo.registry",
    "igan_app.world", "igan_app.world.render", "igan_app.world.dataset", "igan_app.world.export",
    "igan_app.training", "igan_app.imaging", "igan_app.device", "igan_app.doctor",
)


def test_contracts_still_cover_the_compute():
    # Guards against the contract being weakened until it checks nothing.
    contracts = api.read_configuration(str(PYPROJECT))["contracts_options"]
    forbidden = [c for c in contracts if c["type"] == "forbidden"]
    assert forbidden
    sources = {m for c in forbidden for m in c["source_modules"]}
    banned = {m for c in forbidden for m in c["forbidden_modules"]}
    assert set(COMPUTE) <= sources
    assert {"PySide6", "igan_app.gui", "igan_app.cli"} <= banned


def _top_level_modules() -> set[str]:
    package = ROOT / "igan_app"
    names = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    names |= {p.parent.name for p in package.glob("*/__init__.py")}
    return {f"igan_app.{name}" for name in names}


def test_every_top_level_module_is_in_a_layer():
    # A module outside the layers contract could import anything: a new package must be placed.
    contracts = api.read_configuration(str(PYPROJECT))["contracts_options"]
    layered = {name.strip() for c in contracts if c["type"] == "layers"
               for layer in c["layers"] for name in layer.split("|")}
    assert _top_level_modules() - {"igan_app"} <= layered, _top_level_modules() - layered
    assert {"igan_app.journeys", "igan_app.cli", "igan_app.gui"} <= _top_level_modules()


def test_the_layers_run_gui_and_cli_then_journeys_then_engine_then_zoo_and_world():
    contracts = api.read_configuration(str(PYPROJECT))["contracts_options"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")

    def level(module: str) -> int:
        return next(i for i, layer in enumerate(layers)
                    if module in {n.strip() for n in layer.split("|")})

    assert level("igan_app.cli") < level("igan_app.journeys")
    assert level("igan_app.gui") < level("igan_app.journeys")
    assert level("igan_app.journeys") < level("igan_app.engine") < level("igan_app.zoo")
    assert level("igan_app.engine") < level("igan_app.world")


def test_import_contracts_are_kept(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 broken" in out, out


def test_importing_the_compute_loads_no_qt():
    code = (
        "import importlib, sys\n"
        f"for name in {HEADLESS_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] == 'PySide6' or m == 'igan_app.gui'\n"
        "             or m.startswith('igan_app.gui.'))\n"
        "assert not bad, bad\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_the_linter_sees_imports_made_inside_functions(tmp_path, capsys, monkeypatch):
    # The CLI imports the world lazily, inside its commands; a contract against that must break,
    # or the contracts above would pass without looking.
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["igan_app"]\n\n'
        '[[tool.importlinter.contracts]]\nname = "probe"\ntype = "forbidden"\n'
        'source_modules = ["igan_app.cli"]\nforbidden_modules = ["igan_app.world"]\n'
    )
    monkeypatch.chdir(ROOT)
    code = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code != 0, out
    assert "1 broken" in out, out
