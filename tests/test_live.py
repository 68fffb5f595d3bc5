"""The live session (``zerosorry watch``'s engine): after any sequence of edits, its ledger is
the one a full scan gives, and the changes it reports are the status differences."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings

from zerosorry.ledger import io
from zerosorry.ledger.model import Ledger
from zerosorry.live import Session
from zerosorry.scan import discover, read_files, scan_files

from .strategies import project_edits

GOLDEN = Path(__file__).parent / "fixtures" / "projects" / "golden"


@dataclass
class Decl:
    kind: str
    name: str
    uses: list[str]
    sorry: bool


@dataclass
class File:
    imports: list[int] = field(default_factory=list)
    decls: list[Decl] = field(default_factory=list)
    blank: int = 0  # blank lines at the top (an edit that only moves lines)
    macro: bool | None = None  # project syntax: a tactic `cheat` that is sorry (True) or rfl
    opens: list[str] = field(default_factory=list)  # namespaces opened before the declarations


def render(f: File) -> str:
    out = [f"import P.F{j}" for j in f.imports] + [""] * f.blank
    if f.macro is not None:
        out.append(f'macro "cheat" : tactic => `(tactic| {"sorry" if f.macro else "rfl"})')
    out += [f"open {ns}" for ns in f.opens]
    for d in f.decls:
        # `h` from an `obtain` has no written type: `h.f` is a possible use of every `*.f`
        unread = any(u.startswith("h.") for u in d.uses)
        binder = " (p : ∃ _ : Nat, True)" if unread else ""
        body = ["  obtain ⟨h, _⟩ := p"] if unread else []
        body += [f"  have h{k} := {u}" if u != "cheat" else "  cheat" for k, u in enumerate(d.uses)]
        body.append("  sorry" if d.sorry else "  rfl")
        if d.kind == "axiom":
            out.append(f"axiom {d.name} : 1 = 1")
        elif d.kind == "stub":
            out.append(f"theorem {d.name} : True := sorry")
        elif d.kind == "example":
            out += [f"example{binder} : 1 = 1 := by", *body]
        elif d.kind == "instance":
            # found by every declaration that sees it (a library class at `Nat`), or, for a
            # dotted name, only by those that may elaborate its namespace (`Foo.d`: `Foo`)
            of = f"(List {d.name.partition('.')[0]})" if "." in d.name else "Nat"
            out += [f"instance : Inhabited {of} := ⟨by", *body, "  ⟩"]
        else:
            out += [f"{d.kind} {d.name}{binder} : 1 = 1 := by", *body]
        out.append("")
    return "\n".join(out) + "\n"


def start() -> dict[int, File]:
    """The generated project before any edit: four files, imports, namespaces, two sorries."""
    return {0: File(decls=[Decl("theorem", "a", ["b"], False), Decl("theorem", "b", [], True)]),
            1: File(imports=[0], decls=[Decl("lemma", "Foo.d", ["_root_.a", "Foo.a"], False),
                                        Decl("def", "Foo.a", [], False)]),
            2: File(imports=[1], decls=[Decl("theorem", "c", ["Foo.d", "b"], False)]),
            3: File(decls=[Decl("theorem", "e.f", ["c", "a"], False),
                           Decl("theorem", "g.f", [], True), Decl("theorem", "k", ["h.f", "b"], False)])}


def full(root: Path, session: Session) -> Ledger:
    paths, diags = discover(root)
    files, more = read_files(root, paths)
    return scan_files(files, source=session.source, generated=session.generated, diagnostics=diags + more)


def apply(root: Path, model: dict[int, File], op: tuple[Any, ...]) -> set[Path]:
    """Apply one edit to the model and the disk; the paths it touched."""
    def path(i: int) -> Path:
        return root / "P" / f"F{i}.lean"

    kind, i = op[0], op[1]
    touched = {path(i)}
    if kind == "new_file" or (i not in model and kind in ("sorry", "add", "remove", "shift", "import", "macro", "open",
                                                          "use")):
        model.setdefault(i, File())
    if kind == "sorry" and model[i].decls:
        d = model[i].decls[op[2] % len(model[i].decls)]
        d.sorry = not d.sorry
    elif kind == "add":
        _, _, name, uses, sorry, dkind = op
        model[i].decls.append(Decl(dkind, name, uses, sorry))
    elif kind == "use" and model[i].decls:  # a name written in a proof, or taken out again
        d = model[i].decls[op[2] % len(model[i].decls)]
        if op[3] in d.uses:
            d.uses.remove(op[3])
        else:
            d.uses.append(op[3])
    elif kind == "remove" and model[i].decls:
        model[i].decls.pop(op[2] % len(model[i].decls))
    elif kind == "shift":
        model[i].blank += 1
    elif kind == "macro":
        model[i].macro = op[2]
    elif kind == "open":  # opened, or closed again
        if op[2] in model[i].opens:
            model[i].opens.remove(op[2])
        else:
            model[i].opens.append(op[2])
    elif kind == "import":
        if op[2] != i and op[2] not in model[i].imports:
            model[i].imports.append(op[2])
    elif kind == "delete_file":
        model.pop(i, None)
        if path(i).exists():
            path(i).unlink()
        return touched
    elif kind == "rename_file":
        j = op[2]
        if i in model and j not in model:
            model[j] = model.pop(i)
            path(i).rename(path(j))
            touched.add(path(j))
        return touched
    if i in model:
        path(i).write_text(render(model[i]), encoding="utf-8")
    return touched


def statuses(ledger: Ledger) -> dict[str, str]:
    return {r.name: r.status.value for r in ledger.records}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=project_edits())
# a macro turned into sorry and back: declarations of other files that use it change
@example(edits=[("macro", 0, False), ("add", 2, "g.f", ["cheat", "h.a"], False, "theorem"), ("macro", 0, True),
                ("sorry", 0, 1), ("macro", 0, False)])
# a possible use's candidate gains and loses a sorry; a second candidate comes and goes
@example(edits=[("sorry", 3, 1), ("add", 1, "e.f", [], True, "lemma"), ("sorry", 3, 1), ("remove", 1, 2)])
# a file comes to see the macro through another file's new import, its own text unchanged
@example(edits=[("macro", 0, True), ("add", 3, "c", ["cheat"], False, "theorem"), ("import", 3, 4),
                ("import", 4, 0), ("shift", 0), ("delete_file", 4)])
# `open Foo` makes `a` in a later declaration denote `Foo.a` too; closed again
@example(edits=[("import", 3, 1), ("add", 3, "c", ["a", "d"], False, "theorem"), ("open", 3, "Foo"), ("sorry", 1, 1),
                ("open", 3, "Foo")])
# proof edits (the refresh that redoes only the edited file) beside a use of project syntax
@example(edits=[("macro", 0, True), ("remove", 0, 0), ("remove", 3, 0), ("import", 4, 0),
                ("add", 4, "a", ["cheat", "b"], False, "theorem"), ("add", 4, "e.f", [], False, "lemma"),
                ("sorry", 4, 1), ("sorry", 4, 1), ("sorry", 0, 0), ("sorry", 4, 0)])
# an instance made sorried and proven again (by a proof edit): the declarations type-class search
# may find it for gain and lose a possible use; one keyed on a project name, one found by all
@example(edits=[("add", 0, "Foo.a", [], False, "instance"), ("add", 2, "c", ["Foo.a"], False, "theorem"),
                ("sorry", 0, 2), ("add", 1, "b", [], False, "instance"), ("sorry", 1, 2), ("sorry", 0, 2),
                ("sorry", 1, 2)])
# a proof edit (b's sorry) makes an instance that uses it, through `a`, not proven and proven again
@example(edits=[("add", 1, "Foo.a", ["a"], False, "instance"), ("add", 2, "c", ["Foo.a"], False, "theorem"),
                ("sorry", 0, 1), ("sorry", 0, 1)])
# a proof edit writes the name an instance is found by, and takes it out again
@example(edits=[("add", 1, "Foo.a", ["a"], False, "instance"), ("import", 3, 1), ("use", 3, 2, "Foo.a"),
                ("use", 3, 2, "Foo.a"), ("sorry", 0, 1), ("use", 3, 2, "Foo.d"), ("sorry", 0, 1)])
# an instance whose own proof may find another: a deferral through two possible instance uses
@example(edits=[("add", 0, "Foo.d", [], True, "instance"), ("add", 1, "e.f", ["Foo.d"], False, "instance"),
                ("add", 2, "c", ["e.f"], False, "theorem"), ("sorry", 0, 2), ("import", 3, 2), ("sorry", 0, 2)])
def test_incremental_equals_full_after_random_edits(edits: list[tuple[Any, ...]]) -> None:
    root = Path(tempfile.mkdtemp(prefix="zerosorry-live-"))
    try:
        (root / "P").mkdir()
        (root / "lakefile.toml").write_text('name = "p"\n\n[[lean_lib]]\nname = "P"\n', encoding="utf-8")
        model = start()
        for i, f in model.items():
            (root / "P" / f"F{i}.lean").write_text(render(f), encoding="utf-8")
        session = Session(root, use_cache=False)
        assert io.dumps(session.ledger) == io.dumps(full(root, session))
        before = statuses(session.ledger)
        for op in edits:
            touched = apply(root, model, op)
            if not any(root.glob("P/*.lean")):
                break  # a project with no file is an error of its own
            result = session.refresh(touched)
            expected = full(root, session)
            assert io.dumps(session.ledger) == io.dumps(expected), op
            after = statuses(expected)
            reported = {(c.name, c.before.value if c.before else None, c.after.value if c.after else None)
                        for c in result.changes}
            assert reported == {(n, before.get(n), after.get(n)) for n in before.keys() | after.keys()
                                if before.get(n) != after.get(n)}, op
            before = after
        session.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=project_edits())
def test_incremental_equals_full_on_the_golden_project(edits: list[tuple[Any, ...]]) -> None:
    """The same on the golden fixture, with the generated files added beside its own."""
    root = Path(tempfile.mkdtemp(prefix="zerosorry-live-"))
    try:
        shutil.copytree(GOLDEN, root, dirs_exist_ok=True)
        (root / "P").mkdir()
        (root / "lakefile.toml").write_text('name = "g"\n\n[[lean_lib]]\nname = "Golden"\n\n'
                                            '[[lean_lib]]\nname = "P"\n', encoding="utf-8")
        model: dict[int, File] = {}
        session = Session(root, use_cache=False)
        for op in edits:
            touched = apply(root, model, op)
            session.refresh(touched)
            assert io.dumps(session.ledger) == io.dumps(full(root, session)), op
        session.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
