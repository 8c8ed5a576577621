"""The layer rule of ARCHITECTURE.md, checked on every module under app/.

The layer order is data in one place: the table under "## Layers" in ARCHITECTURE.md, which this
module reads. A module may import from its own package and from packages of lower layers; packages
of one layer never import each other; and the packages' import graph has no cycle. Every import
counts: module level, inside functions, under ``if TYPE_CHECKING``, ``import app.x``,
``from app import x`` and relative forms.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

from tests.support.project import ROOT

ARCHITECTURE = ROOT / "ARCHITECTURE.md"
APP = ROOT / "app"
#: the root module app/__init__.py (only ``__version__``) is the table's package ``app``
ROOT_PACKAGE = "app"


@dataclass(frozen=True)
class Import:
    """One import statement's target, as a dotted name under ``app``."""

    module: str
    line: int
    target: str


@dataclass(frozen=True)
class Violation:
    """An import that crosses the layer rule."""

    imp: Import
    importer: str
    importer_layer: int
    imported: str
    imported_layer: int

    def __str__(self) -> str:
        where = "a peer of the same layer" if self.importer_layer == self.imported_layer else "a higher layer"
        return (
            f"{self.imp.module} (line {self.imp.line}) imports {self.imp.target}: package {self.importer!r} "
            f"(layer {self.importer_layer}) must not import {self.imported!r} (layer {self.imported_layer}, {where})"
        )


def read_layers(markdown: str) -> dict[str, int]:
    """Package → layer number, from the table under the "## Layers" heading of a markdown text."""
    section = re.search(r"^## Layers\b.*?$(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    if section is None:
        raise ValueError('no "## Layers" section')
    layers: dict[str, int] = {}
    for row in re.finditer(r"^\|\s*(\d+)\s*\|([^|]*)\|", section.group(1), re.M):
        for package in re.findall(r"`([a-z_]+)`", row.group(2)):
            if package in layers:
                raise ValueError(f"package {package!r} is in two layers")
            layers[package] = int(row.group(1))
    if not layers:
        raise ValueError('the "## Layers" table has no rows')
    return layers


def module_name(root: Path, path: Path) -> str:
    """The dotted name of a module file under ``root`` (the ``app`` folder)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    """Every import of ``app`` in one module, at any depth, relative ones resolved."""
    name = module_name(root, path)
    # the package a relative import starts from: the module's own for __init__.py, else its parent's
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == root.name or alias.name.startswith(root.name + "."):
                    yield Import(name, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source != root.name and not source.startswith(root.name + "."):
                continue
            for alias in node.names:
                # ``from app import store`` names a package; ``from app import __version__`` the root
                candidate = f"{source}.{alias.name}"
                is_module = (root.parent / candidate.replace(".", "/")).with_suffix(".py").is_file() or (
                    root.parent / candidate.replace(".", "/") / "__init__.py"
                ).is_file()
                yield Import(name, node.lineno, candidate if is_module else source)


def package_of(root: Path, dotted: str) -> str:
    """The top package under ``app`` a dotted name belongs to (``app`` itself for the root module)."""
    parts = dotted.split(".")
    if len(parts) == 1:
        return ROOT_PACKAGE
    if len(parts) == 2 and (root / f"{parts[1]}.py").is_file():
        return ROOT_PACKAGE  # a module directly in app/ sits in no package (none should)
    return parts[1]


def all_imports(root: Path) -> list[Import]:
    """The imports of ``app`` of every module under ``root``."""
    return [imp for path in sorted(root.rglob("*.py")) for imp in imports_of(root, path)]


def unplaced_packages(root: Path, layers: Mapping[str, int]) -> list[str]:
    """Modules whose package has no row in the layer table."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(root, path)
        if package_of(root, module) not in layers:
            found.append(f"{module}: package {package_of(root, module)!r} is in no layer of ARCHITECTURE.md")
        elif package_of(root, module) == ROOT_PACKAGE and module != root.name:
            found.append(f"{module}: a module directly in {root.name}/ belongs to no package")
    return found


def layer_violations(root: Path, layers: Mapping[str, int]) -> list[Violation]:
    """Every import from a higher layer or from another package of the same layer."""
    found = []
    for imp in all_imports(root):
        importer, imported = package_of(root, imp.module), package_of(root, imp.target)
        if importer == imported or importer not in layers or imported not in layers:
            continue  # unplaced packages are reported by unplaced_packages
        if layers[imported] >= layers[importer]:
            found.append(Violation(imp, importer, layers[importer], imported, layers[imported]))
    return found


def package_cycles(root: Path) -> list[list[str]]:
    """Cycles in the graph of imports between packages."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    for imp in all_imports(root):
        importer, imported = package_of(root, imp.module), package_of(root, imp.target)
        if importer != imported:
            graph.add_edge(importer, imported)
    return sorted(sorted(cycle) for cycle in nx.simple_cycles(graph))


# --- the rule on the shipped code ---------------------------------------------------------------


@pytest.fixture(scope="module")
def layers() -> dict[str, int]:
    """The layer table of ARCHITECTURE.md."""
    return read_layers(ARCHITECTURE.read_text(encoding="utf-8"))


def test_every_package_of_app_has_a_layer(layers: dict[str, int]) -> None:
    assert unplaced_packages(APP, layers) == []
    on_disk = {path.parent.name for path in APP.glob("*/__init__.py")} | {ROOT_PACKAGE}
    assert set(layers) == on_disk, "ARCHITECTURE.md's table names a package app/ does not have, or misses one"


def test_no_module_imports_from_a_higher_layer_or_a_peer(layers: dict[str, int]) -> None:
    assert [str(v) for v in layer_violations(APP, layers)] == []


def test_packages_import_each_other_without_cycles() -> None:
    assert package_cycles(APP) == []


def test_the_checker_sees_the_imports_of_app() -> None:
    # guards the checks above against passing because the parser found nothing
    targets = {(imp.module, imp.target) for imp in all_imports(APP)}
    assert ("app.api", "app") in targets  # from app import __version__
    assert any(module.startswith("app.api.routers.") and target.startswith("app.core.") for module, target in targets)


# --- the checker on a synthetic tree, so a violation is known to be reported --------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "app"
    for name, text in {"__init__.py": '__version__ = "0"\n', **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        for parent in path.relative_to(root).parents:
            (root / parent / "__init__.py").touch()
    return root


SYNTHETIC_LAYERS = {"app": 0, "core": 1, "store": 2, "quality": 3, "export": 3, "api": 4, "cli": 4}


@pytest.mark.parametrize(
    ("module", "text", "target", "importer", "imported"),
    [
        ("store/policy.py", "from app.api.deps import x\n", "app.api.deps", "store", "api"),
        ("store/policy.py", "import app.api.deps\n", "app.api.deps", "store", "api"),
        ("store/policy.py", "from app import api\n", "app.api", "store", "api"),
        ("store/policy.py", "def f():\n    from app.cli import main\n    return main\n", "app.cli", "store", "cli"),
        (
            "store/policy.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.quality.report import R\n",
            "app.quality.report",
            "store",
            "quality",
        ),
        ("store/policy.py", "from ..quality import report\n", "app.quality.report", "store", "quality"),
        ("quality/report.py", "from app.export.graph import g\n", "app.export.graph", "quality", "export"),
        ("api/routes.py", "from app.cli.commands import app\n", "app.cli.commands", "api", "cli"),
        ("core/config.py", "from app.store import policy\n", "app.store.policy", "core", "store"),
    ],
)
def test_the_checker_reports_an_upward_or_peer_import(
    tmp_path: Path, module: str, text: str, target: str, importer: str, imported: str
) -> None:
    files = {
        "core/config.py": "",
        "store/policy.py": "",
        "quality/report.py": "",
        "export/graph.py": "",
        "api/deps.py": "",
        "api/routes.py": "",
        "cli/commands.py": "",
        module: text,
    }
    root = _tree(tmp_path, files)
    found = layer_violations(root, SYNTHETIC_LAYERS)
    assert [(v.imp.module, v.imp.target, v.importer, v.imported) for v in found] == [
        ("app." + module.removesuffix(".py").replace("/", "."), target, importer, imported)
    ]
    message = str(found[0])
    assert target in message and repr(importer) in message and repr(imported) in message


def test_the_checker_allows_downward_and_own_package_imports(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "core/config.py": "from app import __version__\n",
            "store/policy.py": "from app.core.config import x\nfrom . import other\nfrom .other import y\n",
            "store/other.py": "import app.core.config\n",
            "api/deps.py": "from app import store, core\nfrom app.quality import report\n",
            "quality/report.py": "from ..store.policy import p\n",
        },
    )
    assert layer_violations(root, SYNTHETIC_LAYERS) == []
    assert package_cycles(root) == []


def test_the_checker_reports_a_cycle_and_an_unplaced_package(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "core/config.py": "from app.store.policy import p\n",
            "store/policy.py": "from app.core.config import c\n",
            "newthing/mod.py": "",
            "loose.py": "",
        },
    )
    assert package_cycles(root) == [["core", "store"]]
    assert unplaced_packages(root, SYNTHETIC_LAYERS) == [
        "app.loose: a module directly in app/ belongs to no package",
        "app.newthing: package 'newthing' is in no layer of ARCHITECTURE.md",
        "app.newthing.mod: package 'newthing' is in no layer of ARCHITECTURE.md",
    ]


def test_the_layer_table_is_read_from_markdown() -> None:
    text = (
        "# A\n\n## Layers\n\n| layer | packages | what |\n|---|---|---|\n"
        "| 1 | `core` | base |\n| 2 | `quality`, `export` | peers |\n\n## Next\n| 9 | `ignored` | |\n"
    )
    assert read_layers(text) == {"core": 1, "quality": 2, "export": 2}
    with pytest.raises(ValueError, match="two layers"):
        read_layers(text.replace("`export`", "`core`"))
    with pytest.raises(ValueError, match="no \"## Layers\""):
        read_layers("# nothing here\n")
