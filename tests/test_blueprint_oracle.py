"""leanblueprint itself as the oracle: on the fixture blueprints, the nodes, marks and \\uses
edges our reader finds are those that leanblueprint's plasTeX build draws in its dependency
graph (the DOT source in ``dep_graph_document.html``), colours included."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from zerosorry.blueprint.reader import Blueprint, Node, read_blueprint

FIXTURES = Path(__file__).parent / "fixtures" / "blueprints"
CASES = ["drift", "marks"]

# leanblueprint's colours (leanblueprint/Packages/blueprint.py)
MATHLIB, STATED, CAN_STATE, NOT_READY = "darkgreen", "green", "blue", "#FFAA33"
PROVED, CAN_PROVE, DEFINED, FULLY_PROVED = "#9CEC8B", "#A3D6FF", "#B0ECA3", "#1CAC78"


@dataclass(frozen=True)
class Graph:
    nodes: dict[str, tuple[str, str, str]]  # id -> (border colour, fill colour, shape)
    edges: dict[tuple[str, str], str]  # (used, user) -> style ("dashed": statement, "": proof)


def build(plastex: str, case: str, tmp: Path) -> Graph:
    shutil.copytree(FIXTURES / case / "blueprint", tmp / "blueprint")
    src = tmp / "blueprint" / "src"
    done = subprocess.run([plastex, "-c", "plastex.cfg", "web.tex"], cwd=src, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    html = (tmp / "blueprint" / "web" / "dep_graph_document.html").read_text(encoding="utf-8")
    dot = re.search(r"renderDot\(`(.*?)`\)", html, re.S)
    assert dot is not None
    import pygraphviz

    g = pygraphviz.AGraph(string=dot.group(1))
    nodes = {str(n): (n.attr.get("color") or "", n.attr.get("fillcolor") or "", n.attr.get("shape") or "")
             for n in g.nodes()}
    edges = {(str(e[0]), str(e[1])): e.attr.get("style") or "" for e in g.edges()}
    return Graph(nodes, edges)


def drawn_types(bp: Blueprint) -> set[str]:
    web = (bp.root / "web.tex").read_text(encoding="utf-8")
    m = re.search(r"thms=([\w+]+)", web)
    return set(m.group(1).split("+")) if m else {"definition", "lemma", "proposition", "theorem", "corollary"}


def expected(bp: Blueprint) -> Graph:
    """What leanblueprint draws, computed from our reader's nodes with leanblueprint's rules."""
    types = drawn_types(bp)
    drawn = {n.label: n for n in bp.nodes if n.env in types and n.label}
    labels = bp.by_label()

    def stated(label: str) -> bool:
        return label in labels and labels[label].leanok

    def proved(n: Node) -> bool:
        return n.has_proof and n.proof_leanok

    preds: dict[str, set[str]] = {k: {u for u in n.all_uses if u in drawn} for k, n in drawn.items()}

    def ancestors(k: str, seen: set[str]) -> set[str]:
        for p in preds[k]:
            if p not in seen:
                seen.add(p)
                ancestors(p, seen)
        return seen

    nodes = {}
    for k, n in drawn.items():
        can_state = all(stated(u) for u in n.uses if u in labels) and not n.notready
        can_prove = n.has_proof and all(stated(u) for u in n.all_uses if u in labels)
        border = MATHLIB if n.mathlibok else STATED if n.leanok else CAN_STATE if can_state else (
            NOT_READY if n.notready else "")
        fill = PROVED if proved(n) else CAN_PROVE if can_prove and (can_state or n.leanok) else ""
        if n.env == "definition":
            fill = DEFINED if n.leanok else CAN_PROVE if can_state else fill
        elif all(proved(drawn[a]) or drawn[a].env == "definition" for a in ancestors(k, set()) | {k}):
            fill = FULLY_PROVED
        nodes[k] = (border, fill, "box" if n.env == "definition" else "ellipse")
    edges: dict[tuple[str, str], str] = {}
    for k, n in drawn.items():
        for u in n.uses:
            if u in drawn:
                edges.setdefault((u, k), "dashed")
        for u in n.proof_uses:
            if u in drawn:
                edges.setdefault((u, k), "")
    return Graph(nodes, edges)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_reader_agrees_with_leanblueprint(case: str, plastex: str, tmp_path: Path) -> None:
    drawn = build(plastex, case, tmp_path)
    bp = read_blueprint(FIXTURES / case / "blueprint" / "src")
    ours = expected(bp)
    assert sorted(ours.nodes) == sorted(drawn.nodes)
    for k in drawn.nodes:
        assert ours.nodes[k] == drawn.nodes[k], k
    assert ours.edges == drawn.edges
    assert len(drawn.nodes) >= 8  # the fixtures are not trivially small


def test_fixture_marks_cover_the_cases() -> None:
    """The oracle is only as good as what the fixtures exercise."""
    bp = read_blueprint(FIXTURES / "marks" / "blueprint" / "src")
    by = bp.by_label()
    assert set(by) == {"def:a", "def:b", "lem:c", "lem:notready", "thm:mathlib", "thm:later", "clm:d",
                       "rem:e", "lem:f", "lem:two-labels", "lem:old-name", "thm:by-alias", "lem:with-equation", "thm:forward"}
    assert by["lem:c"].proof_leanok and by["lem:c"].proof_uses == ("def:a",)  # text between statement and proof
    assert by["thm:later"].proves == "thm:later" and by["thm:later"].proof_uses == ("clm:d",)
    assert by["clm:d"].lean == ("M.d1", "M.d2", "M.d3") and not by["clm:d"].leanok  # commented \leanok
    assert by["clm:d"].uses == ("lem:c",)  # commented \uses
    assert by["lem:notready"].notready and by["thm:mathlib"].mathlibok
    assert by["lem:f"].proof_leanok and by["rem:e"].env == "remarkx"
    assert by["thm:forward"].proof_leanok and by["thm:forward"].proof_uses == ("lem:with-equation",)
    assert not by["lem:with-equation"].has_proof  # the proof before thm:forward names it with \proves
    assert by["lem:old-name"].key == "lem:two-labels" and by["thm:by-alias"].uses == ("lem:two-labels",)
