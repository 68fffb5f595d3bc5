"""Reading the ``.ilean`` files Lean writes beside each ``.olean`` (Lake puts them under
``.lake/build/lib/lean/**.ilean``; before Lake moved to ``.lake``, under ``build/lib``).

An ilean is JSON: ``{"version": n, "module": "Pkg.File", "references": {...}}``, and from
version 5 also ``"directImports"`` and ``"decls"``.  The shapes this reader accepts:

* reference keys: ``"c:Pkg.foo"`` / ``"f:_uniq.12"`` (the first format); or a JSON object
  encoded as a string, ``{"c":{"m":"Pkg.File","n":"Pkg.foo"}}`` (the module-qualified
  form) or ``{"c":"Pkg.foo"}``; ``f`` keys are local variables and skipped;
* a reference's value: ``{"definition": loc | null, "usages": [loc, ...]}`` where ``loc`` is
  ``[l0, c0, l1, c1]`` optionally followed by the enclosing declaration's name (5 entries),
  or by that name and its range and selection range (13 entries);
* ``decls`` (version 5): ``{"Pkg.foo": [8 numbers: range, selection range]}``.

Positions are 0-based lines and UTF-16 columns; they are returned 1-based.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .leanout import canonical_name


class IleanError(ValueError):
    """An .ilean file whose JSON is not one of the known shapes."""


@dataclass(frozen=True)
class IleanDecl:
    name: str  # canonical
    line: int  # 1-based: where the declaration's name is (its selection range)
    column: int
    range_line: int | None = None  # start of the whole declaration, when the ilean says (v5)
    range_end_line: int | None = None


@dataclass(frozen=True)
class IleanRef:
    name: str  # the referenced constant, canonical
    module: str | None  # the module declaring it, when the ilean says
    line: int
    column: int
    parent: str | None  # the declaration the reference sits in, when the ilean says


@dataclass
class IleanModule:
    module: str
    version: int
    decls: dict[str, IleanDecl] = field(default_factory=dict)
    refs: list[IleanRef] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    path: str | None = None

    def uses(self) -> dict[str, set[str]]:
        """Declaration -> constants referenced inside it (needs enclosing-declaration data)."""
        out: dict[str, set[str]] = {}
        for r in self.refs:
            if r.parent is not None and r.parent != r.name:
                out.setdefault(r.parent, set()).add(r.name)
        return out


def _ident(key: str) -> tuple[str, str | None] | None:
    """(constant name, module or None) for a constant key; None for a local variable."""
    if key.startswith("c:"):
        return key[2:], None
    if key.startswith("f:"):
        return None
    try:
        obj = json.loads(key)
    except ValueError as exc:
        raise IleanError(f"reference key {key!r} is neither 'c:…' nor JSON") from exc
    if not isinstance(obj, dict) or len(obj) != 1:
        raise IleanError(f"reference key {key!r} is not a one-field object")
    (tag, val), = obj.items()
    if tag in ("f", "fvar"):
        return None
    if tag not in ("c", "const"):
        raise IleanError(f"reference key {key!r}: unknown kind {tag!r}")
    if isinstance(val, str):
        return val, None
    if isinstance(val, dict) and isinstance(val.get("n"), str):
        mod = val.get("m")
        return val["n"], mod if isinstance(mod, str) and mod else None
    if isinstance(val, list) and len(val) == 2 and all(isinstance(x, str) for x in val):
        return val[1], val[0] or None
    raise IleanError(f"reference key {key!r}: unreadable constant")


def _nat(x: Any, what: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < 0:
        raise IleanError(f"{what}: expected a natural number, got {x!r}")
    return x


def _loc(loc: Any) -> tuple[int, int, str | None]:
    """(1-based line, 1-based column, enclosing declaration) of a location array."""
    if not isinstance(loc, list) or len(loc) not in (4, 5, 13):
        raise IleanError(f"location {loc!r}: expected 4, 5 or 13 entries")
    line, col, _, _ = (_nat(x, "position") for x in loc[:4])
    line, col = line + 1, col + 1
    parent = None
    if len(loc) > 4:
        if not isinstance(loc[4], str):
            raise IleanError(f"location {loc!r}: the enclosing declaration is not a name")
        parent = loc[4] or None
    return line, col, parent


def parse_ilean(data: Any) -> IleanModule:
    if not isinstance(data, dict):
        raise IleanError("not a JSON object")
    module = data.get("module")
    if not isinstance(module, str) or not module:
        raise IleanError("no module name")
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise IleanError(f"version {version!r} is not a number")
    refs_json = data.get("references", {})
    if not isinstance(refs_json, dict):
        raise IleanError("references is not an object")
    out = IleanModule(module=module, version=version)
    for key, info in refs_json.items():
        ident = _ident(key)
        if ident is None:
            continue
        name, mod = canonical_name(ident[0]), ident[1]
        if not isinstance(info, dict):
            raise IleanError(f"references[{key!r}] is not an object")
        definition = info.get("definition")
        if definition is not None and (mod is None or mod == module):
            line, col, _ = _loc(definition)
            out.decls.setdefault(name, IleanDecl(name, line, col))
        usages = info.get("usages", [])
        if not isinstance(usages, list):
            raise IleanError(f"references[{key!r}].usages is not a list")
        for u in usages:
            line, col, parent = _loc(u)
            out.refs.append(IleanRef(name, mod, line, col,
                                     None if parent is None else canonical_name(parent)))
    decls = data.get("decls")
    if decls is not None:
        if not isinstance(decls, dict):
            raise IleanError("decls is not an object")
        for raw, nums in decls.items():
            if not isinstance(nums, list) or len(nums) != 8:
                raise IleanError(f"decls[{raw!r}]: expected 8 numbers")
            n = [_nat(x, f"decls[{raw!r}]") for x in nums]
            name = canonical_name(raw)
            out.decls[name] = IleanDecl(name, n[4] + 1, n[5] + 1, n[0] + 1, n[2] + 1)
    imports = data.get("directImports", [])
    if isinstance(imports, list):
        for imp in imports:
            if isinstance(imp, list) and imp and isinstance(imp[0], str):
                out.imports.append(imp[0])
            elif isinstance(imp, dict) and isinstance(imp.get("module"), str):
                out.imports.append(imp["module"])
    return out


def build_dirs(root: Path) -> list[Path]:
    """Where Lake puts the root package's .olean/.ilean files (newer layout first)."""
    return [root / ".lake" / "build" / "lib" / "lean", root / ".lake" / "build" / "lib",
            root / "build" / "lib"]


def iter_ilean_files(root: Path) -> Iterator[Path]:
    for d in build_dirs(root):
        if d.is_dir():
            yield from sorted(d.rglob("*.ilean"))
            return


def load_ileans(root: Path) -> tuple[dict[str, IleanModule], list[str]]:
    """Every ilean of the root package by module name, and a problem line per unreadable one."""
    modules: dict[str, IleanModule] = {}
    problems: list[str] = []
    for path in iter_ilean_files(root):
        try:
            mod = parse_ilean(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        mod.path = str(path)
        modules[mod.module] = mod
    return modules, problems
