"""Draw docs/layers.svg from the import graph and the layer contract in pyproject.toml.

Usage: .venv/bin/python tools/draw_layers.py [--check]
Each row is one layer of the contract (top imports down); each box one package or module;
each arrow a pair of packages with at least one import between them. Only a change of the
layers or of which packages depend on which changes the picture, not an added module or
import inside an existing dependency. --check exits 1 when the committed picture is out of
date (the test suite runs it), so the diagram cannot drift from the architecture.
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from html import escape
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "layers.svg"
ROW_HEIGHT, BOX_HEIGHT, WIDTH, GAP = 62, 34, 980, 14


def layer_rows() -> list[list[str]]:
    """The layers contract's rows, top first; 'a | b' is one row of siblings."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    return [[part.strip() for part in row.split("|")] for row in layers]


def owner(module: str, boxes: list[str]) -> str | None:
    """The box a module belongs to (the longest matching package name)."""
    found = [b for b in boxes if module == b or module.startswith(b + ".")]
    return max(found, key=len) if found else None


def edges(boxes: list[str]) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    graph = grimp.build_graph("gateway", "rules", "webadmin")
    links: Counter[tuple[str, str]] = Counter()
    sizes: Counter[str] = Counter()
    for module in graph.modules:
        source = owner(module, boxes)
        if source is None:
            continue
        sizes[source] += 1
        for imported in graph.find_modules_directly_imported_by(module):
            target = owner(imported, boxes)
            if target is not None and target != source:
                details = graph.get_import_details(importer=module, imported=imported)
                links[(source, target)] += max(1, len(details))
    return links, sizes


def render() -> str:
    rows = layer_rows()
    boxes = [b for row in rows for b in row]
    links, _sizes = edges(boxes)
    where: dict[str, tuple[float, float, float]] = {}
    height = ROW_HEIGHT * len(rows) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">',
        '<rect width="100%" height="100%" fill="white"/>',
        '<defs><marker id="arrow" markerUnits="userSpaceOnUse" markerWidth="8" '
        'markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#7a8699"/></marker></defs>',
    ]
    for index, row in enumerate(rows):
        y = 20 + index * ROW_HEIGHT
        width = (WIDTH - 40 - GAP * (len(row) - 1)) / len(row)
        for column, name in enumerate(row):
            x = 20 + column * (width + GAP)
            where[name] = (x, y, width)
    for source, target in sorted(links):
        sx, sy, sw = where[source]
        tx, ty, tw = where[target]
        parts.append(
            f'<line x1="{sx + sw / 2:.0f}" y1="{sy + BOX_HEIGHT}" x2="{tx + tw / 2:.0f}" '
            f'y2="{ty}" stroke="#7a8699" stroke-opacity="0.45" '
            'stroke-width="1.2" marker-end="url(#arrow)"/>'
        )
    for name, (x, y, width) in where.items():
        label = name.removeprefix("gateway.")
        parts.append(
            f'<rect x="{x:.0f}" y="{y}" width="{width:.0f}" height="{BOX_HEIGHT}" rx="6" '
            'fill="#eef3fb" stroke="#2f5597"/>'
            f'<text x="{x + width / 2:.0f}" y="{y + 22}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    picture = render()
    if "--check" in argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != picture:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run tools/draw_layers.py")
            return 1
        return 0
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(picture)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
