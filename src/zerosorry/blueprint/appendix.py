"""An ``appendix.toml`` from a blueprint: families are its chapters (else its sections), entries
its nodes that name project declarations, with the node's title, statement and label; the
preamble's simple macros go to KaTeX through ``[site.macros]``.

Every statement and macro is tried in KaTeX here, so what is written renders: a macro KaTeX
cannot take is left out and reported with its file:line, and a statement that still does not
render is written as its LaTeX source (``\\texttt``) and reported — unless ``strict``, where any
such problem is an error and nothing is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..ledger.model import Ledger
from .reader import BLUEPRINT_COMMANDS, Blueprint, Macro, Node


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def slug(s: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-") or "node"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    taken.add(out)
    return out


# ------------------------------------------------------------------ LaTeX for KaTeX
_DISPLAY = re.compile(r"\\\[(.*?)\\\]|\$\$(.*?)\$\$|\\begin\{(equation|align|gather|multline)\*?\}(.*?)\\end\{\3\*?\}", re.S)
_REF = re.compile(r"\\(?:c|C|auto|eq)?ref\*?\s*\{([^{}]*)\}")
_CITE = re.compile(r"\\cite[pt]?\s*(?:\[([^\]]*)\])?\s*\{([^{}]*)\}")
_LISTS = re.compile(r"\\(?:begin|end)\{(?:itemize|enumerate|description)\}(?:\[[^\]]*\])?")
_ESCAPE = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "%": "\\%", "&": "\\&",
           "#": "\\#", "_": "\\_", "^": "\\textasciicircum{}", "~": "\\textasciitilde{}"}


def _display(m: re.Match[str]) -> str:
    if m.group(3):
        body = m.group(4)
        inner = "aligned" if m.group(3) == "align" else "gathered"
        return f"$\\displaystyle\\begin{{{inner}}}{body.strip()}\\end{{{inner}}}$"
    return f"$\\displaystyle {(m.group(1) or m.group(2) or '').strip()}$"


def statement_tex(text: str) -> str:
    """A blueprint statement (prose with ``$…$`` math) as one KaTeX formula: the prose in
    ``\\text{…}`` (which takes inline math), display math made inline, paragraphs on new lines."""
    t = _DISPLAY.sub(_display, text)
    t = _REF.sub(lambda m: m.group(1), t)
    t = _CITE.sub(lambda m: f"[{m.group(2)}{', ' + m.group(1) if m.group(1) else ''}]", t)
    t = _LISTS.sub("", t).replace("\\item", " • ")
    t = t.replace("\\(", "$").replace("\\)", "$")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", t) if p.strip()]
    return " \\\\ ".join(f"\\text{{{p}}}" for p in paragraphs) or "\\text{}"


def source_tex(text: str) -> str:
    """The statement's source, shown as typewriter text."""
    flat = " ".join(text.split())
    return "\\texttt{" + "".join(_ESCAPE.get(c, c) for c in flat) + "}"


def katex_macros(macros: Sequence[Macro]) -> tuple[dict[str, str], list[Problem]]:
    """The preamble's macros KaTeX takes, and a problem for each one it cannot."""
    from ..appendix.katex import KatexRenderer, LatexError

    problems: list[Problem] = []
    candidates: dict[str, Macro] = {}
    for m in macros:
        if m.name[1:] in BLUEPRINT_COMMANDS:
            continue  # print.tex's stand-ins for the blueprint's own commands
        if m.problem:
            problems.append(Problem(m.file, m.line, f"macro {m.name}: KaTeX cannot take {m.problem}"))
        else:
            candidates[m.name] = m
    while True:  # a macro may use another: drop the failing ones until the rest all render
        table = {k: m.body for k, m in candidates.items()}
        probes = [(k + "".join("{x}" for _ in range(m.nargs)), False) for k, m in candidates.items()]
        results = KatexRenderer(table).render_many(probes)
        bad = [(k, r) for k, r in zip(candidates, results, strict=True) if isinstance(r, LatexError)]
        if not bad:
            return table, problems
        for k, err in bad:
            m = candidates.pop(k)
            problems.append(Problem(m.file, m.line, f"macro {k}: KaTeX cannot take it ({err})"))


# ------------------------------------------------------------------ the manifest
def _page_of(web: Path | None, label: str, cache: dict[str, str]) -> str | None:
    """The page of a built blueprint (``blueprint/web``) that holds ``label``'s anchor."""
    if web is None or not web.is_dir():
        return None
    if not cache:
        for page in sorted(web.glob("*.html")):
            for m in re.finditer(r'id="([^"]+)"', page.read_text(encoding="utf-8", errors="replace")):
                cache.setdefault(m.group(1), page.name)
        cache.setdefault("", "")
    return cache.get(label)


def _target(n: Node) -> str:
    if n.proof_claimed:
        return "zero-sorry"  # the blueprint claims it proven: the gate now holds it to that
    return "in-progress" if n.leanok else "open"


def build_manifest(bp: Blueprint, ledger: Ledger, *, title: str, url: str | None = None,
                   web: Path | None = None) -> tuple[str, list[Problem], int]:
    """(the manifest's text, the problems, the number of nodes left out because none of their
    Lean names is a project declaration)."""
    from ..appendix.katex import KatexRenderer, LatexError

    known = {r.name for r in ledger.records}
    macros, problems = katex_macros(bp.macros)
    nodes = [n for n in bp.nodes if any(x in known for x in n.lean)]
    skipped = sum(1 for n in bp.nodes if n.lean) - len(nodes)
    tex = [statement_tex(n.statement) for n in nodes]
    rendered = KatexRenderer(macros).render_many([(t, True) for t in tex])
    for i, (n, r) in enumerate(zip(nodes, rendered, strict=True)):
        if isinstance(r, LatexError):
            problems.append(Problem(n.file, n.line, f"node {n.key}: the statement does not render in KaTeX "
                                                    f"({r}); it is written as its source"))
            tex[i] = source_tex(n.statement)
    chapters = any(n.chapter for n in nodes)
    fam_ids: set[str] = set()
    families: dict[str, tuple[str, str]] = {}  # heading -> (id, title)
    entry_ids: set[str] = set()
    out = [
        "# appendix.toml written by `zerosorry init --from-blueprint` from the blueprint in "
        f"{bp.files[0].rsplit('/', 1)[0] if bp.files else 'blueprint/src'}.",
        "# Families are the blueprint's " + ("chapters" if chapters else "sections") +
        "; entries are its nodes that name project declarations.",
        "# Targets follow the blueprint's marks: a proof marked \\leanok is zero-sorry (the gate holds it",
        "# to that), a formalised statement is in-progress, the rest open.  Statuses come from the scan.",
        "",
        "[site]",
        f"title = {_q(title)}",
        f"paper_title = {_q(title.split(':')[0] + ' blueprint')}",
    ]
    if bp.github:
        out.append(f"repository = {_q(bp.github)}")
    if macros:
        out += ["", "[site.macros]  # from the blueprint's preamble"]
        out += [f"{_q(k)} = {_q(v)}" for k, v in macros.items()]
    out.append("")
    entries: list[str] = []
    pages: dict[str, str] = {}
    for n, statement in zip(nodes, tex, strict=True):
        heading = (n.chapter if chapters else n.section) or "Blueprint"
        if heading not in families:
            families[heading] = (slug(heading, fam_ids), heading)
            out += ["[[families]]", f"id = {_q(families[heading][0])}", f"title = {_q(heading)}",
                    f"explanation = {_q('The results of the blueprint section: ' + heading + '.')}", ""]
        names = [x for x in n.lean if x in known]
        label = n.label or n.key
        env = n.env.capitalize()
        block = [
            "[[entries]]",
            f"id = {_q(slug(label, entry_ids))}",
            f"lean = [{', '.join(_q(x) for x in names)}]",
            f"family = {_q(families[heading][0])}",
            f"title = {_q(n.title or f'{env} {label}')}",
            f"statement = {_q(statement)}",
            f"summary = {_q(f'{env} {label} of the blueprint ({n.file}:{n.line}).')}",
            f"why = {_q('TODO: why the paper needs it.')}",
            f"target = {_q(_target(n))}",
        ]
        if url:
            page = _page_of(web, label, pages) if n.label else None
            link = f"{url.rstrip('/')}/{page}#{label}" if page else url
            block.append(f"paper = [{{ label = {_q('blueprint ' + label)}, url = {_q(link)} }}]")
        dropped = [x for x in n.lean if x not in known]
        if dropped:
            block.append(f"# not project declarations: {', '.join(dropped)}")
        entries += [*block, ""]
    return "\n".join(out + entries).rstrip() + "\n", problems, skipped

