"""``zerosorry-status.tex``: the statuses a paper may cite, as TeX that ``zerosorry.sty`` reads.

Pure: a :class:`~zerosorry.paper.PaperStatus` in, text out, the same bytes for the same ledger
(the time written is the ledger's own generation time, which honours ``SOURCE_DATE_EPOCH``).

Everything typeset is escaped so that pdfLaTeX, XeLaTeX and LuaLaTeX all accept it with their
default fonts: TeX's special characters become their text commands, and every non-ASCII
character becomes a command of the LaTeX kernel (Greek and mathematical symbols in math mode,
super- and subscripts through ``\\textsuperscript``/``\\textsubscript``, accented Latin letters
through accent commands).  A character with no such command is shown as its code point
(``[U+2A0D]``), never dropped and never an error.  Ids (entry ids, Lean names) are written raw,
because the package reads them through ``\\detokenize`` exactly as the author's own ids are read;
an id TeX cannot read back unchanged (``\\``, braces, ``%``, ``#``, ``^^``) is left out and can
be cited by its entry's id.
"""

from __future__ import annotations

import unicodedata
from importlib import resources

from ..ledger.model import STATUS_ORDER
from ..paper import PaperItem, PaperStatus

STATUS_FILE = "zerosorry-status.tex"
PACKAGE_FILE = "zerosorry.sty"

_SPECIAL = {
    "\\": r"\ensuremath{\backslash}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}", "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}", "|": r"\ensuremath{|}", '"': r"{\string\"}", "\t": " ",
}

#: Non-ASCII characters with a command in the LaTeX kernel (math ones wrapped in \ensuremath).
_TEXT = {
    "\u00a0": "~", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\dots{}",
    "§": r"\S{}", "¶": r"\P{}", "©": r"\copyright{}", "†": r"\dag{}", "‡": r"\ddag{}",
    "£": r"\pounds{}", "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "ø": r"\o{}", "Ø": r"\O{}",
    "œ": r"\oe{}", "Œ": r"\OE{}", "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}", "•": r"\textbullet{}",
    "«": r"\ensuremath{\langle\!\langle}", "»": r"\ensuremath{\rangle\!\rangle}",
}
_MATH = {
    "ℓ": r"\ell", "‖": r"\|", "√": r"\surd", "−": "-", "×": r"\times", "·": r"\cdot", "⋅": r"\cdot",
    "÷": r"\div", "≤": r"\le", "≥": r"\ge", "≠": r"\neq", "≈": r"\approx", "∞": r"\infty",
    "∑": r"\sum", "∏": r"\prod", "∫": r"\int", "∂": r"\partial", "∇": r"\nabla", "∈": r"\in",
    "∉": r"\notin", "⊆": r"\subseteq", "⊂": r"\subset", "⊇": r"\supseteq", "⊃": r"\supset",
    "∪": r"\cup", "∩": r"\cap", "∀": r"\forall", "∃": r"\exists", "¬": r"\neg", "∧": r"\wedge",
    "∨": r"\vee", "→": r"\to", "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow",
    "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "∘": r"\circ", "⊗": r"\otimes", "⊕": r"\oplus",
    "⟨": r"\langle", "⟩": r"\rangle", "±": r"\pm", "∓": r"\mp", "°": r"^\circ", "∗": r"\ast",
    "∅": r"\emptyset", "⊤": r"\top", "⊥": r"\bot", "⊢": r"\vdash", "≃": r"\simeq", "≅": r"\cong",
    "≡": r"\equiv", "∣": r"\mid", "∼": r"\sim", "′": r"{}^\prime", "″": r"{}^{\prime\prime}",
    "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil", "∥": r"\parallel",
    "⟂": r"\perp", "ℝ": r"\mathbf{R}", "ℕ": r"\mathbf{N}", "ℤ": r"\mathbf{Z}", "ℚ": r"\mathbf{Q}",
    "ℂ": r"\mathbf{C}", "ε": r"\varepsilon", "φ": r"\varphi", "ϕ": r"\phi", "ς": r"\varsigma",
    "ο": "o", "ϵ": r"\epsilon", "ϑ": r"\vartheta",
}
_GREEK_CAPS_WITH_COMMANDS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon",
                             "Phi", "Psi", "Omega"}
#: the capitals TeX has no command for: they look like Latin letters
_GREEK_CAPS_LATIN = {"Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H", "Iota": "I",
                     "Kappa": "K", "Mu": "M", "Nu": "N", "Omicron": "O", "Rho": "P", "Tau": "T", "Chi": "X"}
_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0304": "=",
            "\u0306": "u", "\u030c": "v", "\u0327": "c", "\u030a": "r", "\u030b": "H", "\u0328": "k",
            "\u0307": "."}


def _greek(c: str) -> str | None:
    name = unicodedata.name(c, "")
    for prefix, upper in (("GREEK SMALL LETTER ", False), ("GREEK CAPITAL LETTER ", True)):
        if name.startswith(prefix):
            word = name[len(prefix):].capitalize()
            if " " in word:
                return None
            if upper:
                if word in _GREEK_CAPS_WITH_COMMANDS:
                    return f"\\{word}"
                latin = _GREEK_CAPS_LATIN.get(word)
                return None if latin is None else f"\\mathrm{{{latin}}}"
            return f"\\{word.lower()}"
    return None


def _char(c: str) -> str:
    if c in _SPECIAL:
        return _SPECIAL[c]
    if " " <= c <= "~":
        return c
    if c in _TEXT:
        return _TEXT[c]
    if c in _MATH:
        return f"\\ensuremath{{{_MATH[c]}}}"
    greek = _greek(c)
    if greek is not None:
        return f"\\ensuremath{{{greek}}}"
    decomposition = unicodedata.decomposition(c)
    for tag, command in (("<super>", "textsuperscript"), ("<sub>", "textsubscript")):
        if decomposition.startswith(tag):
            return f"\\{command}{{{escape(unicodedata.normalize('NFKC', c))}}}"
    nfd = unicodedata.normalize("NFD", c)
    if len(nfd) >= 2 and nfd[0].isascii() and all(m in _ACCENTS for m in nfd[1:]):
        out = nfd[0] if nfd[0] not in "ij" else f"\\{nfd[0]}"  # dotless i/j under an accent
        for mark in nfd[1:]:
            out = f"\\{_ACCENTS[mark]}{{{out}}}"
        return out
    if c in "\n\r":
        return " "
    return f"\\zs@uchar{{{ord(c):04X}}}"


def escape(text: str) -> str:
    """``text`` as LaTeX that typesets it in every engine (see the module's docstring)."""
    return "".join(_char(c) for c in text)


def escape_name(name: str) -> str:
    """A Lean name in typewriter type, breakable after each dot."""
    body = escape(name).replace(r"\_", r"\zs@us{}")
    for c in ".-":
        body = body.replace(c, c + r"\allowbreak{}")
    return r"\texttt{" + body + "}"


def safe_id(key: str) -> bool:
    """Whether ``key`` reads back unchanged as a braced argument in every engine."""
    return (bool(key) and not any(c in "\\{}%#" for c in key) and "^^" not in key
            and key == key.strip() and all(c.isprintable() for c in key))


def _url(url: str | None) -> str:
    # card URLs are built from an http(s) base and a percent-quoted id: only # and % need care
    return "" if not url else url.replace("%", r"\%").replace("#", r"\#")


def _raw(text: str) -> str:
    """Text for the package's messages (read through \\detokenize): the raw characters if TeX
    reads them back unchanged, else their escaped ASCII form."""
    out = "".join(f"<U+{ord(c):04X}>" if c in "\\{}%#" or not c.isprintable() else c for c in text)
    return out.replace("^^", "^ ^")


def _record(item: PaperItem) -> str:
    label = escape_name(item.key)
    names = r", ".join(escape_name(n) for n in item.names)
    root = escape_name(item.root) if item.root else ""
    fields = [item.key, item.kind, item.status.value, str(item.chain), root, _raw(item.reason()),
              _url(item.card), label, names, escape(item.title)]
    return r"\zs@record" + "".join("{" + f + "}" for f in fields)


def _comment(text: str) -> str:
    return "% " + text.encode("ascii", "replace").decode().replace("\n", " ")


def render_status(status: PaperStatus) -> str:
    """The text of ``zerosorry-status.tex``."""
    commit = status.commit or ""
    counts = status.entry_counts()
    lines = [
        "% zerosorry-status.tex: the proof statuses zerosorry.sty reads. Generated by",
        "% `zerosorry latex` from the ledger; regenerate it, never edit it.",
        _comment(f"ledger of commit {commit or 'unknown'}, generated {status.generated}"),
        r"\zs@set{commit}{" + escape(commit or "unknown") + "}",
        r"\zs@set{commitshort}{" + escape(commit[:12] if commit else "unknown") + "}",
        r"\zs@set{dirty}{" + (" (with uncommitted changes)" if status.dirty else "") + "}",
        r"\zs@set{generated}{" + escape(status.generated) + "}",
        r"\zs@set{date}{" + escape(status.generated[:10]) + "}",
        r"\zs@set{entries}{" + str(len(status.entries())) + "}",
        r"\zs@set{declarations}{" + str(status.declarations) + "}",
    ]
    lines += [r"\zs@set{" + s.value + "}{" + str(counts[s.value]) + "}" for s in STATUS_ORDER]
    skipped = []
    for item in status.items:
        if safe_id(item.key):
            lines.append(_record(item))
        else:
            skipped.append(item.key)
    rows = "".join(r"\zs@row{" + i.key + "}" for i in status.entries() if safe_id(i.key))
    lines.append(r"\zs@tablerows{" + rows + "}")
    lines += [_comment(f"not citable by name (TeX cannot read it back): {k}") for k in skipped]
    return "\n".join(lines) + "\n\\endinput\n"


def package_text() -> str:
    """``zerosorry.sty``, as shipped in the Python package."""
    return resources.files("zerosorry.tex").joinpath(PACKAGE_FILE).read_text(encoding="utf-8")
