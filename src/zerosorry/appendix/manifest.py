"""The author's manifest, ``appendix.toml``: read, validated whole, and turned into dataclasses.

Validation never stops at the first problem: every issue is collected, each with the dotted key
it concerns (``entries[3].lean[0]``) and the line it is on, and raised together as one
:class:`ManifestError`.  :func:`parse_manifest` checks the manifest on its own; :func:`validate`
checks it against a scan (unknown Lean names, with the closest existing names as suggestions;
widget scripts that do not exist).  The format is documented in ``docs/manifest.md``.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import InputError
from ..ledger.model import Ledger

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TARGETS = ("zero-sorry", "in-progress", "open")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MACRO_RE = re.compile(r"^\\(?:[A-Za-z@]+|[^A-Za-z@\s])$")
WITNESS_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*\Z")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


# ------------------------------------------------------------------------------ data
@dataclass(frozen=True)
class Issue:
    """One problem with the manifest, as data."""

    file: str
    line: int | None
    column: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ManifestError(InputError):
    """Every issue found in a manifest, at once."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.line or 0, i.column or 0, i.key))
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in the manifest:\n" if n > 1 else ""
        super().__init__(head + "\n".join(str(i) for i in self.issues))


@dataclass(frozen=True)
class PaperLink:
    label: str
    url: str | None  # None: the section is named, not linked (no public URL yet)


@dataclass(frozen=True)
class Family:
    id: str
    title: str
    explanation: str
    line: int


@dataclass(frozen=True)
class Widget:
    id: str
    title: str
    script: str
    line: int


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    definition: str
    line: int


@dataclass(frozen=True)
class Entry:
    id: str
    lean: tuple[str, ...]
    family: str
    title: str
    statement: str
    summary: str
    why: str
    caveat: str | None
    target: str
    paper: tuple[PaperLink, ...]
    widgets: tuple[str, ...]
    witness: str | None
    line: int


@dataclass(frozen=True)
class SiteConfig:
    title: str
    paper_title: str
    paper_url: str | None
    repository: str | None
    source_subdir: str | None
    allowed_axioms: tuple[str, ...]
    empirical_companion: str | None
    macros: Mapping[str, str] = field(default_factory=dict)  # LaTeX macros handed to KaTeX


@dataclass(frozen=True)
class Manifest:
    path: Path
    site: SiteConfig
    families: tuple[Family, ...]
    entries: tuple[Entry, ...]
    widgets: tuple[Widget, ...]
    glossary: tuple[GlossaryTerm, ...]
    lines: Mapping[str, tuple[int, int]] | None = None

    @property
    def allowed_axioms(self) -> tuple[str, ...]:
        return self.site.allowed_axioms

    def key_line(self, key: str) -> int | None:
        pos = _lookup(self.lines or {}, key)
        return pos[0] if pos else None


# ------------------------------------------------------------------------------ key positions
_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"(\s*)([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def key_positions(text: str) -> dict[str, tuple[int, int]]:
    """Map dotted keys (``site.title``, ``entries[2].lean``, ``entries[2]``) to (line, column).

    A small scanner, not a TOML parser: it follows table headers and ``key =`` lines and skips
    the inside of multi-line strings; keys inside inline tables map to their parent's line."""
    out: dict[str, tuple[int, int]] = {}
    counts: dict[str, int] = {}
    prefix = ""
    in_multi: str | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if in_multi is not None:
            if line.count(in_multi) % 2 == 1:
                in_multi = None
            continue
        m = _HEADER.match(line)
        if m:
            name = m.group(2)
            if m.group(1) == "[[":
                i = counts.get(name, 0)
                counts[name] = i + 1
                prefix = f"{name}[{i}]"
                out.setdefault(name, (n, line.index("[") + 1))
            else:
                prefix = name
            out.setdefault(prefix, (n, line.index("[") + 1))
            continue
        k = _KEY.match(line)
        if k:
            key = k.group(2).strip('"')
            full = f"{prefix}.{key}" if prefix else key
            out.setdefault(full, (n, len(k.group(1)) + 1))
            rest = line[k.end():]
            for q in ('"""', "'''"):
                if rest.count(q) % 2 == 1:
                    in_multi = q
                    break
    return out


def _lookup(lines: Mapping[str, tuple[int, int]], key: str) -> tuple[int, int] | None:
    k = key
    while k:
        if k in lines:
            return lines[k]
        cut = max(k.rfind("."), k.rfind("["))
        if cut <= 0:
            break
        k = k[:cut]
    return None


# ------------------------------------------------------------------------------ checking
_TYPE_NAMES = {str: "a string", list: "an array", dict: "a table", bool: "a boolean",
               int: "an integer", float: "a float"}


def _type_name(v: Any) -> str:
    for t, name in _TYPE_NAMES.items():
        if type(v) is t:
            return name
    return type(v).__name__


def suggest(word: str, options: Iterable[str], n: int = 1) -> list[str]:
    opts = list(options)
    close = difflib.get_close_matches(word, opts, n=n, cutoff=0.6)
    if not close and len(word) >= 3:  # an abbreviation: 'repo' for 'repository'
        close = [o for o in opts if o.startswith(word)][:n]
    return close


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    s = suggest(word, options)
    return f"; did you mean '{s[0]}'?" if s else ""


class _Checker:
    def __init__(self, path: str, lines: Mapping[str, tuple[int, int]]) -> None:
        self.path = path
        self.lines = lines
        self.issues: list[Issue] = []

    def add(self, key: str, message: str) -> None:
        pos = _lookup(self.lines, key)
        self.issues.append(Issue(self.path, pos[0] if pos else None, pos[1] if pos else None, key, message))

    def table(self, data: Any, key: str, fields: Mapping[str, tuple[str, bool]]) -> dict[str, Any] | None:
        """Check a table's keys: required present, none unknown, each of its kind."""
        if not isinstance(data, dict):
            self.add(key, f"expected a table, got {_type_name(data)}")
            return None
        for name in data:
            if name not in fields:
                self.add(f"{key}.{name}", f"unknown key '{name}'{_did_you_mean(name, fields)}")
        out: dict[str, Any] = {}
        for name, (kind, required) in fields.items():
            k = f"{key}.{name}"
            if name not in data:
                if required:
                    self.add(key, f"missing required key '{name}'")
                continue
            v = self.value(data[name], k, kind)
            if v is not None:
                out[name] = v
        return out

    def value(self, v: Any, key: str, kind: str) -> Any:
        if kind in ("text", "str", "id", "url", "witness", "path"):
            if not isinstance(v, str):
                self.add(key, f"expected a string, got {_type_name(v)}")
                return None
            if kind != "str" and not v.strip():
                self.add(key, "must not be empty")
                return None
            if kind == "id" and not ID_RE.match(v):
                self.add(key, f"'{v}' is not a valid id: use lower-case letters, digits and single "
                              "hyphens (like 'jensen-floor')")
                return None
            if kind == "url" and not _safe_url(v):
                if _unsafe_chars(v):
                    self.add(key, f"{v!r} is not an allowed link: spaces, control characters and "
                                  "backslashes must be percent-encoded")
                else:
                    self.add(key, f"'{v}' is not an allowed link: use an http(s):// URL, a relative "
                                  "path or a #fragment")
                return None
            if kind == "path" and not _safe_relative_path(v):
                self.add(key, f"{v!r} must be a relative path inside the project (no '..', no "
                              "absolute path, no URL)")
                return None
            if kind == "witness" and not WITNESS_RE.match(v):
                self.add(key, f"witness must be 'module:function' (like 'package.module:check'), not '{v}'")
                return None
            return v
        if kind in ("names", "strs"):
            if kind == "names" and isinstance(v, str):
                v = [v]
            if not isinstance(v, list):
                self.add(key, f"expected an array of strings, got {_type_name(v)}")
                return None
            good = []
            for i, item in enumerate(v):
                if not isinstance(item, str) or not item.strip():
                    self.add(f"{key}[{i}]", f"expected a non-empty string, got {_type_name(item)}"
                             if not isinstance(item, str) else "must not be empty")
                else:
                    good.append(item.strip())
            if kind == "names" and not v:
                self.add(key, "needs at least one Lean declaration name")
                return None
            return tuple(good)
        if kind == "macros":  # LaTeX macros for KaTeX: { "\\R" = "\\mathbb{R}" }
            if not isinstance(v, dict):
                self.add(key, f"expected a table of macros (\"\\\\name\" = \"body\"), got {_type_name(v)}")
                return None
            macros = {}
            for name, body in v.items():
                if not MACRO_RE.match(name):
                    self.add(f"{key}.{name}", f"'{name}' is not a macro name: a backslash and letters, like '\\R'")
                elif not isinstance(body, str):
                    self.add(f"{key}.{name}", f"expected a string, got {_type_name(body)}")
                else:
                    macros[name] = body
            return macros
        if kind == "links":
            if not isinstance(v, list):
                self.add(key, f"expected an array of {{ label, url }} tables, got {_type_name(v)}")
                return None
            links = []
            for i, item in enumerate(v):
                t = self.table(item, f"{key}[{i}]", {"label": ("text", True), "url": ("url", False)})
                if t is not None and "label" in t:
                    links.append(PaperLink(t["label"], t.get("url")))
            return tuple(links)
        raise AssertionError(kind)  # pragma: no cover

    def array(self, data: Mapping[str, Any], name: str) -> list[tuple[str, Any]]:
        v = data.get(name, [])
        if not isinstance(v, list):
            self.add(name, f"expected an array of tables ([[{name}]]), got {_type_name(v)}")
            return []
        return [(f"{name}[{i}]", item) for i, item in enumerate(v)]


def _unsafe_chars(url: str) -> bool:
    """Whitespace, control characters and backslashes: a browser drops or rewrites them before
    it reads the scheme (" javascript:", "java\tscript:", "\\evil.example" all become live)."""
    return "\\" in url or any(ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F for c in url)


def _safe_url(url: str) -> bool:
    if _unsafe_chars(url):
        return False
    m = _SCHEME.match(url)
    if m is None:
        return not url.startswith("//")  # relative path or #fragment; no protocol-relative host
    return m.group(1).lower() in ("http", "https")


def _safe_relative_path(path: str) -> bool:
    """A file inside the project: relative, no `..`, no scheme, no odd characters."""
    if _unsafe_chars(path.replace(" ", "_")) or _SCHEME.match(path) or path.startswith(("/", "#")):
        return False
    return ".." not in PurePosixPath(path).parts


#: paths the site writes itself; an author's file copied into the site may not take one
RESERVED_SITE_PATHS = frozenset({"index.html", "blockers.html", "declarations.html", "glossary.html",
                                 "lean_status.json", "history.svg", "history.html", "graph.html",
                                 "graph-file.html", "graph-namespace.html", "blueprint.html",
                                 ".zerosorry-site"})
RESERVED_SITE_DIRS = ("static/", "widgets/", "data/", "source/")


_SITE = {
    "title": ("text", True), "paper_title": ("text", True), "paper_url": ("url", False),
    "repository": ("url", False), "source_subdir": ("str", False), "allowed_axioms": ("strs", False),
    "empirical_companion": ("url", False), "macros": ("macros", False),
}
_FAMILY = {"id": ("id", True), "title": ("text", True), "explanation": ("text", True)}
_ENTRY = {
    "id": ("id", True), "lean": ("names", True), "family": ("id", True), "title": ("text", True),
    "statement": ("text", True), "summary": ("text", True), "why": ("text", True),
    "caveat": ("text", False), "target": ("str", True), "paper": ("links", False),
    "widgets": ("strs", False), "witness": ("witness", False),
}
_WIDGET = {"id": ("id", True), "title": ("text", True), "script": ("path", True)}
_GLOSSARY = {"term": ("text", True), "definition": ("text", True)}
_TOP = ("site", "families", "entries", "widgets", "glossary")


def _toml_error(exc: tomllib.TOMLDecodeError, path: str) -> Issue:
    msg = str(exc)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)", msg)
    if m:
        return Issue(path, int(m.group(1)), int(m.group(2)), "", "TOML syntax: " + msg[: m.start()] + msg[m.end():])
    m = re.search(r"\s*\(at end of document\)", msg)
    if m:
        return Issue(path, None, None, "", "TOML syntax: " + msg[: m.start()] + " (at the end of the file)")
    return Issue(path, None, None, "", "TOML syntax: " + msg)


def parse_manifest(text: str, *, path: str = "appendix.toml") -> Manifest:
    """Parse and check a manifest on its own; raises :class:`ManifestError` with every issue."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError([_toml_error(exc, path)]) from None
    lines = key_positions(text)
    c = _Checker(path, lines)
    for name in data:
        if name not in _TOP:
            c.add(name, f"unknown key '{name}'{_did_you_mean(name, _TOP)}")

    site_raw = data.get("site")
    site: dict[str, Any] | None = None
    if site_raw is None:
        c.issues.append(Issue(path, 1, None, "site", "missing the [site] table (title, paper_title)"))
    else:
        site = c.table(site_raw, "site", _SITE)

    def line(key: str) -> int:
        return (_lookup(lines, key) or (0, 0))[0]

    def tables(name: str, fields: Mapping[str, tuple[str, bool]], kind: str, *, ident: str = "id",
               ids: list[str] | None = None,
               same: Callable[[str], str] = str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The array of tables ``name``: each one that is a table, with its key.  Its ``ident``
        must be unique among them (``same`` says which are equal), and is appended to ``ids``."""
        seen: dict[str, str] = {}
        for key, raw in c.array(data, name):
            t = c.table(raw, key, fields)
            if t is None:
                continue
            if ident in t:
                value, where = same(t[ident]), f"{key}.{ident}"
                if value in seen:
                    first = _lookup(lines, seen[value])
                    at = f" (first at line {first[0]})" if first else ""
                    c.add(where, f"duplicate {kind} '{value}'{at}")
                else:
                    seen[value] = where
                if ids is not None:
                    ids.append(t[ident])
            yield key, t

    families: list[Family] = []
    family_ids: list[str] = []
    for key, t in tables("families", _FAMILY, "family id", ids=family_ids):
        if len(t) == len(_FAMILY):
            families.append(Family(t["id"], t["title"], t["explanation"], line(key)))

    widgets: list[Widget] = []
    widget_ids: list[str] = []
    for key, t in tables("widgets", _WIDGET, "widget id", ids=widget_ids):
        if len(t) == len(_WIDGET):
            widgets.append(Widget(t["id"], t["title"], t["script"], line(key)))

    entries: list[Entry] = []
    for key, t in tables("entries", _ENTRY, "entry id"):
        if "family" in t and t["family"] not in family_ids:
            c.add(f"{key}.family", f"unknown family '{t['family']}'{_did_you_mean(t['family'], family_ids)}")
        target = t.get("target")
        if target is not None and target not in TARGETS:
            c.add(f"{key}.target", f"target must be one of {', '.join(TARGETS)}, not '{target}'"
                                   f"{_did_you_mean(target, TARGETS)}")
        for j, link in enumerate(t.get("paper", ())):
            has_paper_url = isinstance(site_raw, dict) and "paper_url" in site_raw  # a bad one errs itself
            if link.url and _SCHEME.match(link.url) is None and not has_paper_url:
                c.add(f"{key}.paper[{j}].url", f"'{link.url}' is relative to the paper, but [site] has no "
                                               "paper_url to resolve it against")
        for i, w in enumerate(t.get("widgets", ())):
            if w not in widget_ids:
                c.add(f"{key}.widgets[{i}]", f"unknown widget '{w}'{_did_you_mean(w, widget_ids)}")
        required = [k for k, (_, req) in _ENTRY.items() if req]
        if all(k in t for k in required):
            entries.append(Entry(
                id=t["id"], lean=t["lean"], family=t["family"], title=t["title"],
                statement=t["statement"], summary=t["summary"], why=t["why"],
                caveat=t.get("caveat"), target=t["target"], paper=t.get("paper", ()),
                widgets=t.get("widgets", ()), witness=t.get("witness"), line=line(key),
            ))

    glossary: list[GlossaryTerm] = []
    for key, t in tables("glossary", _GLOSSARY, "glossary term", ident="term", same=str.lower):
        if len(t) == len(_GLOSSARY):
            glossary.append(GlossaryTerm(t["term"], t["definition"], line(key)))

    companion = (site or {}).get("empirical_companion")
    if companion and _SCHEME.match(companion) is None:
        rel = companion.split("#", 1)[0].removeprefix("./")
        if rel in RESERVED_SITE_PATHS or rel.startswith(RESERVED_SITE_DIRS):
            c.add("site.empirical_companion", f"'{companion}' would overwrite the site's own "
                                              f"'{rel}': put the companion at another path")
    if c.issues or site is None or len([k for k in ("title", "paper_title") if k in site]) < 2:
        raise ManifestError(c.issues or [Issue(path, None, None, "site", "incomplete [site] table")])
    config = SiteConfig(
        title=site["title"], paper_title=site["paper_title"], paper_url=site.get("paper_url"),
        repository=site.get("repository"), source_subdir=site.get("source_subdir"),
        allowed_axioms=site.get("allowed_axioms", ()), empirical_companion=site.get("empirical_companion"),
        macros=site.get("macros") or {},
    )
    return Manifest(Path(path), config, tuple(families), tuple(entries), tuple(widgets),
                    tuple(glossary), lines)


def load_manifest(path: Path) -> Manifest:
    """Read ``path`` (UTF-8) and parse it; every problem is a :class:`ManifestError`."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise ManifestError([Issue(str(path), None, None, "", f"cannot read the manifest: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        line = Path(path).read_bytes()[: exc.start].count(b"\n") + 1
        raise ManifestError([Issue(str(path), line, None, "", "not valid UTF-8")]) from None
    return parse_manifest(text, path=str(path))


# ------------------------------------------------------------------------------ against a scan
def _name_suggestions(name: str, known: Sequence[str], by_last: Mapping[str, list[str]]) -> list[str]:
    """Names with the same last component first, then those whose last component is close;
    the names in the same namespace as ``name`` before the others."""
    ns, _, last = name.rpartition(".")
    out = list(by_last.get(last, []))
    for s in difflib.get_close_matches(last, list(by_last), n=5, cutoff=0.75):
        out += [n for n in by_last[s] if n not in out]
    out.sort(key=lambda n: (n.rsplit(".", 1)[-1] != last, n.rpartition(".")[0] != ns))
    return out[:3]


def check_names(manifest: Manifest, known_names: Iterable[str]) -> list[Issue]:
    """An issue for every Lean name the scan does not know, with the closest known names."""
    known = sorted(set(known_names))
    known_set = set(known)
    by_last: dict[str, list[str]] = {}
    for n in known:
        by_last.setdefault(n.rsplit(".", 1)[-1], []).append(n)
    issues = []
    for i, e in enumerate(manifest.entries):
        for j, name in enumerate(e.lean):
            if name in known_set:
                continue
            key = f"entries[{i}].lean[{j}]"
            pos = _lookup(manifest.lines or {}, key)
            hints = _name_suggestions(name, known, by_last)
            hint = ("; did you mean " + " or ".join(f"'{h}'" for h in hints) + "?") if hints else \
                "; no similar name in the scan"
            issues.append(Issue(str(manifest.path), pos[0] if pos else e.line, pos[1] if pos else None, key,
                                f"entry '{e.id}': unknown Lean name '{name}'{hint}"))
    return issues


def validate(manifest: Manifest, ledger: Ledger, *, base_dir: Path | None = None) -> list[Issue]:
    """Everything that needs the scan: Lean names exist, allowed axioms are axioms, widget
    scripts exist (relative to ``base_dir``, by default the manifest's folder)."""
    issues = check_names(manifest, (r.name for r in ledger.records))
    base = base_dir if base_dir is not None else manifest.path.parent
    for i, w in enumerate(manifest.widgets):
        if not (base / w.script).is_file():
            key = f"widgets[{i}].script"
            pos = _lookup(manifest.lines or {}, key)
            issues.append(Issue(str(manifest.path), pos[0] if pos else w.line, pos[1] if pos else None, key,
                                f"widget '{w.id}': script '{w.script}' does not exist"))
    return issues
