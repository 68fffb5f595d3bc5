"""The scan summary as a rich table, as Markdown, and the diagnostics as text."""

from __future__ import annotations

from collections.abc import Sequence

from ..ledger.model import STATUS_ORDER, Ledger, Status

_STYLE = {Status.PROVEN: "green", Status.DEFERRED: "yellow", Status.STUB: "magenta", Status.AXIOM: "cyan"}


def rich_table(ledger: Ledger):  # type: ignore[no-untyped-def]
    from rich.table import Table

    counts = ledger.status_counts()
    t = Table(title=f"zerosorry · {ledger.source.root} · {ledger.files} files, {ledger.lines} lines")
    t.add_column("status")
    t.add_column("declarations", justify="right")
    for s in STATUS_ORDER:
        t.add_row(f"[{_STYLE[s]}]{s.value}[/]", str(counts[s.value]))
    t.add_row("sorry tokens", str(ledger.sorry_count()))
    return t


def kind_table(ledger: Ledger):  # type: ignore[no-untyped-def]
    from rich.table import Table

    t = Table(title="by kind")
    t.add_column("kind")
    for s in STATUS_ORDER:
        t.add_column(s.value, justify="right")
    rows: dict[str, dict[str, int]] = {}
    for r in ledger.records:
        rows.setdefault(r.kind, {s.value: 0 for s in STATUS_ORDER})[r.status.value] += 1
    for kind in sorted(rows):
        t.add_row(kind, *(str(rows[kind][s.value]) for s in STATUS_ORDER))
    return t


def markdown(ledger: Ledger, *, limit: int = 50) -> str:
    counts = ledger.status_counts()
    lines = [
        f"## zerosorry: `{ledger.source.root}`",
        "",
        f"Commit `{(ledger.source.commit or 'unknown')[:12]}`{' (dirty)' if ledger.source.dirty else ''} · "
        f"engine `{ledger.engine.name}` · {ledger.files} files · {ledger.lines} lines · generated {ledger.generated}",
        "",
        "| status | declarations |",
        "|---|---:|",
        *(f"| {s.value} | {counts[s.value]} |" for s in STATUS_ORDER),
        f"| sorry tokens | {ledger.sorry_count()} |",
    ]
    deferred = [r for r in ledger.records if r.status is Status.DEFERRED]
    if deferred:
        lines += ["", "### Deferred", "", "| declaration | where | held back by |", "|---|---|---|"]
        for r in sorted(deferred, key=lambda r: (r.file, r.line))[:limit]:
            holder = r.via[-1] if r.via else r.name
            lines.append(f"| `{r.name}` | {r.file}:{r.line} | `{holder}` |")
        if len(deferred) > limit:
            lines.append(f"| … {len(deferred) - limit} more | | |")
    if ledger.disagreements:
        by_name = ledger.by_name()
        lines += ["", f"### Where the engines disagree ({len(ledger.disagreements)})", "",
                  "| declaration | source engine | Lean | likely cause | where |", "|---|---|---|---|---|"]
        for d in sorted(ledger.disagreements, key=lambda d: d.name)[:limit]:
            rec = by_name.get(d.name)
            where = f"{rec.file}:{rec.line}" if rec else ""
            cause = d.likely_cause.replace("|", "\\|")
            lines.append(f"| `{d.name}` | {d.source_status.value} | {d.lean_status.value} | {cause} | {where} |")
        if len(ledger.disagreements) > limit:
            lines.append(f"| … {len(ledger.disagreements) - limit} more | | | | |")
    return "\n".join(lines) + "\n"


def disagreements_text(ledger: Ledger) -> list[str]:
    """One line per declaration that ``--engine both`` found the engines classify differently."""
    if not ledger.disagreements:
        return []
    by_name = ledger.by_name()
    out = [f"the engines disagree on {len(ledger.disagreements)} declaration"
           f"{'' if len(ledger.disagreements) == 1 else 's'} (the ledger keeps Lean's verdict):"]
    for d in sorted(ledger.disagreements, key=lambda d: d.name):
        rec = by_name.get(d.name)
        where = f"{rec.file}:{rec.line}: " if rec else ""
        out.append(f"  {where}{d.name}: source engine says {d.source_status.value}, "
                   f"Lean says {d.lean_status.value} ({d.likely_cause})")
    return out


def diagnostics_text(ledger: Ledger, *, min_severity: str = "warning") -> list[str]:
    order = {"error": 0, "warning": 1, "info": 2}
    return [str(d) for d in ledger.diagnostics if order[d.severity.value] <= order[min_severity]]


def left_out_text(left_out: Sequence[tuple[str, str]], *, shown: int = 50) -> list[str]:
    """The .lean files a scan left out (in no lean_lib, excluded by zerosorry.toml), named."""
    if not left_out:
        return []
    n = len(left_out)
    out = [f"{n} .lean file{'s' if n != 1 else ''} not scanned:"]
    out += [f"  {rel}: {why.removeprefix('not scanned: ')}" for rel, why in left_out[:shown]]
    if n > shown:
        out.append(f"  … and {n - shown} more (zerosorry scan --format json lists them all)")
    return out

