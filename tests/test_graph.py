"""The dependency graph: what is drawn, folded and capped, and its text formats (deterministic)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from zerosorry import graph as gr
from zerosorry.appendix.graphsvg import render_svg
from zerosorry.cli import main
from zerosorry.ledger.model import EngineInfo, Ledger, Record, SourceInfo, Status
from zerosorry.scan import scan_project

from .site_support import EXAMPLE, REPO

GOLDEN = REPO / "tests" / "fixtures" / "projects" / "golden"
P, D, S, A = Status.PROVEN, Status.DEFERRED, Status.STUB, Status.AXIOM


def rec(name: str, status: Status = P, uses: tuple[str, ...] = (), *, sorry: bool = False,
        via: tuple[str, ...] = (), axioms: tuple[str, ...] = (), trust: bool = False) -> Record:
    return Record(name, "axiom" if status is A else "theorem", status, "F.lean", 1, 2, "", None,
                  uses=list(uses), sorry_lines=[3] if sorry else [], via=list(via), axioms=list(axioms),
                  trusts=["native_decide"] if trust else [], trust_uses=["native_decide"] if trust else [])


def ledger(*records: Record) -> Ledger:
    return Ledger(SourceInfo("/p"), "2026-01-01T00:00:00Z", EngineInfo(), list(records))


def tiny() -> Ledger:
    # top -> mid -> hole (sorry); top -> clean1, clean2 (nothing below);
    # ax_user -> p1 -> p2 -> ax (a run of proven declarations on the way to an axiom)
    return ledger(
        rec("hole", D, sorry=True, via=("hole",)),
        rec("mid", D, ("hole", "clean1"), via=("mid", "hole")),
        rec("top", D, ("mid", "clean1", "clean2"), via=("top", "mid", "hole")),
        rec("clean1"), rec("clean2", uses=("clean1",)),
        rec("ax", A),
        rec("p2", P, ("ax",), axioms=("ax",)),
        rec("p1", P, ("p2",), axioms=("ax",)),
        rec("ax_user", P, ("p1", "clean1"), axioms=("ax",)),
    )


def test_clean_uses_are_counted_and_runs_to_an_axiom_folded() -> None:
    g = gr.build(tiny(), [gr.Anchor("e", "Entry", ("top",)), gr.Anchor("f", "F", ("ax_user",))])
    ids = {n.id for n in g.nodes}
    assert ids == {"entry:e", "entry:f", "decl:top", "decl:mid", "decl:hole", "decl:ax_user", "decl:ax"}
    assert g.node("decl:top").folded == 2 and g.node("decl:mid").folded == 1
    assert g.node("decl:hole").marks == ("sorry-root",)
    assert "rests-on-axiom" in g.node("decl:ax_user").marks
    edges = {(e.source, e.target): e.folded for e in g.edges}
    assert edges[("decl:ax_user", "decl:ax")] == 2  # p1 and p2 folded into the edge
    assert edges[("entry:e", "decl:top")] == 0 and edges[("decl:top", "decl:mid")] == 0
    assert g.node("entry:e").status == "deferred" and g.node("entry:f").status == "proven"


def test_cap_and_depth_leave_a_counted_more_node() -> None:
    holes = [rec(f"h{i}", D, sorry=True, via=(f"h{i}",)) for i in range(5)]
    top = rec("top", D, tuple(f"h{i}" for i in range(5)), via=("top", "h0"))
    g = gr.build(ledger(top, *holes), names=["top"], cap=3)
    more = [n for n in g.nodes if n.kind == "more"]
    assert len([n for n in g.nodes if n.kind == "decl"]) == 3
    assert len(more) == 1 and more[0].more == 3 and more[0].label == "3 more"
    g0 = gr.build(ledger(top, *holes), names=["top"], depth=0)
    assert [n.id for n in g0.nodes if n.kind == "decl"] == ["decl:top"]
    assert g0.node("more:top").more == 5


def test_roots_beyond_the_cap_are_counted() -> None:
    holes = [rec(f"h{i}", D, sorry=True, via=(f"h{i}",)) for i in range(5)]
    g = gr.build(ledger(*holes), names=[f"h{i}" for i in range(5)], cap=2)
    assert g.roots == ("decl:h0", "decl:h1", "more:") and g.node("more:").more == 3
    assert gr.default_anchors(ledger(*holes)) == [f"h{i}" for i in range(5)]


def test_many_roots_draw_as_a_forest_tallest_first() -> None:
    """Without a manifest on a big project: the tops rank by how much their derivation reaches,
    and each drawn top brings its share of its derivation (not a flat row of tops)."""
    recs: list[Record] = []
    for t in range(30):  # top t rests on a chain of t + 1 deferred declarations
        chain = [f"t{t}c{i}" for i in range(t + 1)]
        recs.append(rec(f"top{t:02d}", D, (chain[0],), via=(f"top{t:02d}", *chain)))
        for i, c in enumerate(chain):
            nxt = chain[i + 1:i + 2]
            recs.append(rec(c, D, tuple(nxt), sorry=not nxt, via=(c, *chain[i + 1:])))
    tops = gr.default_anchors(ledger(*recs))
    assert tops == [f"top{t:02d}" for t in reversed(range(30))]
    g = gr.build(ledger(*recs), names=tops, cap=40)
    drawn_tops = [r for r in g.roots if r.startswith("decl:top")]
    assert drawn_tops == ["decl:top29", "decl:top28", "decl:top27", "decl:top26"]
    assert g.roots[-1] == "more:" and g.node("more:").more == 26
    # each drawn top keeps ROOT_SHARE declarations of its derivation, chained by edges
    edges = {(e.source, e.target) for e in g.edges}
    for top in ("top29", "top26"):
        t = top.removeprefix("top")
        assert (f"decl:{top}", f"decl:t{int(t)}c0") in edges and (f"decl:t{int(t)}c0", f"decl:t{int(t)}c1") in edges
    assert len([n for n in g.nodes if n.kind == "decl"]) == 40


def test_toward_sorry_keeps_the_via_chain_under_the_cap() -> None:
    recs = [rec(f"x{i}", D, sorry=True, via=(f"x{i}",)) for i in range(6)]
    recs += [rec("c2", D, sorry=True, via=("c2",)), rec("c1", D, ("c2",), via=("c1", "c2")),
             rec("top", D, (*(f"x{i}" for i in range(6)), "c1"), via=("top", "c1", "c2")),
             rec("ax", A)]
    g = gr.build(ledger(*recs), names=["top"], cap=3, toward_sorry=True, keep=["top", "c1", "c2"])
    ids = {n.id for n in g.nodes}
    assert {"decl:top", "decl:c1", "decl:c2"} <= ids and "decl:ax" not in ids
    assert {("decl:top", "decl:c1"), ("decl:c1", "decl:c2")} <= {(e.source, e.target) for e in g.edges}


def test_missing_declaration_makes_the_anchor_deferred() -> None:
    g = gr.build(tiny(), [gr.Anchor("e", "E", ("clean1", "nope"))])
    assert g.node("entry:e").status == "deferred" and g.node("entry:e").marks == ("missing",)


def test_formats_on_a_grouped_graph() -> None:
    g = gr.build(tiny(), [gr.Anchor("e", 'Say "hi"', ("top",))], group_by="namespace")
    dot = gr.to_dot(g)
    assert dot.startswith("digraph zerosorry {") and "subgraph cluster_0" in dot and 'Say \\"hi\\"' in dot
    assert 'shape="octagon"' in dot  # the sorry root
    mer = gr.to_mermaid(g)
    assert mer.startswith("flowchart TD") and "subgraph g0" in mer and "#quot;" in mer
    doc = json.loads(gr.to_json(g))
    assert doc["schema"] == gr.SCHEMA and doc["group_by"] == "namespace"
    assert set(doc) == {"schema", "roots", "group_by", "groups", "nodes", "edges"}
    with pytest.raises(ValueError):
        gr.build(tiny(), group_by="colour")


def test_svg_draws_every_node_with_its_status() -> None:
    led = tiny()
    g = gr.build(led, [gr.Anchor("e", "E <b>", ("top",))], group_by="file")
    out = render_svg(g, hrefs={"decl:top": "x.html#a&b"})
    assert out.startswith("<svg") and "<style>" in out and "E &lt;b&gt;" in out
    by = led.by_name()
    drawn = dict(re.findall(r'data-id="decl:([^"]+)" data-status="(\w+)"', out))
    assert drawn == {n.name: by[n.name].status.value for n in g.nodes if n.kind == "decl" and n.name}
    assert 'href="x.html#a&amp;b"' in out and 'class="g-group"' in out


@pytest.mark.parametrize("project", [GOLDEN, EXAMPLE], ids=["golden", "example"])
@pytest.mark.parametrize("fmt", ["json", "dot", "mermaid"])
def test_cli_output_is_deterministic(project: Path, fmt: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for i in range(2):
        out = tmp_path / f"g{i}.{fmt}"
        cache = ["--no-cache"] if i == 0 else []  # the second from the parse cache
        assert main(["graph", str(project), "--format", fmt, "--out", str(out), "-q", *cache]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0]
    assert main(["graph", str(project), "--format", fmt]) == 0
    assert capsys.readouterr().out.encode() == outs[0]


def test_cli_json_matches_the_scan_of_the_golden_project(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(GOLDEN), "--format", "json", "--no-cache"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by = scan_project(GOLDEN, use_cache=False).by_name()
    for n in doc["nodes"]:
        if n["kind"] == "decl":
            r = by[n["name"]]
            assert n["status"] == r.status.value and (n["file"], n["line"]) == (r.file, r.line)
            assert ("sorry-root" in n["marks"]) == bool(r.sorry_lines and r.status is not Status.STUB)
    ids = {n["id"] for n in doc["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in doc["edges"])
    # every edge is a real use, or a run of folded proven uses
    for e in doc["edges"]:
        if not e.get("folded"):
            assert e["to"].removeprefix("decl:") in by[e["from"].removeprefix("decl:")].uses


def test_cli_entry_name_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(EXAMPLE), "--entry", "jensen-floor", "--format", "json", "--no-cache"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["roots"] == ["entry:jensen-floor"]
    assert main(["graph", str(EXAMPLE), "--name", "jensen_floor", "--format", "dot", "--no-cache"]) == 0
    assert '"decl:NeuralGeometry.jensen_floor"' in capsys.readouterr().out
    assert main(["graph", str(EXAMPLE), "--entry", "no-such", "--no-cache"]) == 2
    assert "no such entry" in capsys.readouterr().err
    assert main(["graph", str(EXAMPLE), "--name", "no_such_thing", "--no-cache"]) == 2


BLUEPRINT = REPO / "tests" / "fixtures" / "blueprints" / "drift"


@pytest.mark.parametrize("fmt", ["json", "dot"])
def test_cli_draws_the_blueprint_nodes(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zerosorry.blueprint import check

    outs = []
    for i in range(2):
        out = tmp_path / f"g{i}.{fmt}"
        assert main(["graph", str(BLUEPRINT), "--format", fmt, "--out", str(out), "-q", "--no-cache"]) == 0
        outs.append(out.read_text(encoding="utf-8"))
    assert outs[0] == outs[1]
    ledger = scan_project(BLUEPRINT, use_cache=False)
    found = check(BLUEPRINT, ledger)
    assert found is not None
    nodes = found[0].nodes
    by = ledger.by_name()
    if fmt == "dot":
        for n in nodes:
            assert f'"blueprint:{n.key}"' in outs[0]
        assert '"blueprint:thm:false" -> "blueprint:def:carrier"' in outs[0]
        return
    doc = json.loads(outs[0])
    # every blueprint node is a root, in the blueprint's order, before anything else
    assert doc["roots"][:len(nodes)] == [f"blueprint:{n.key}" for n in nodes]
    drawn = {n["id"]: n for n in doc["nodes"]}
    edges = {(e["from"], e["to"]) for e in doc["edges"]}
    worst = {"proven": 0, "axiom": 1, "stub": 2, "deferred": 3}
    for n in nodes:
        g = drawn[f"blueprint:{n.key}"]
        assert g["kind"] == "blueprint"
        known = [by[x] for x in n.lean if x in by]
        if not n.lean:
            assert g["status"] == "deferred" and g["marks"] == ["no-lean"]
        elif len(known) < len(n.lean):
            assert g["status"] == "deferred" and "missing" in g["marks"]
        else:
            assert g["status"] == max((r.status.value for r in known), key=worst.__getitem__)
        for r in known:
            assert (g["id"], f"decl:{r.name}") in edges
        for dep in n.all_uses:
            if dep in {m.key for m in nodes} and dep != n.key:
                assert (g["id"], f"blueprint:{dep}") in edges
    assert ("blueprint:thm:false", "blueprint:def:carrier") in edges
    # --no-blueprint: the blueprint's nodes are gone (the tops of what is not proven instead)
    assert main(["graph", str(BLUEPRINT), "--format", "json", "--no-blueprint"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["roots"] and not any(r.startswith("blueprint:") for r in plain["roots"])
    assert not any(n["kind"] == "blueprint" for n in plain["nodes"])
