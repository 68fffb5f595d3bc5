"""The lab's report: one self-contained HTML page (inline SVG plots, no script, no request).

Plots: β per layer and head before and after the learned rotation (two heat maps on one scale),
the histogram of key coordinates (each key scaled to unit RMS) against the unit-variance
Gaussian, uniform and Laplace densities, and the allocator's schedule per layer.  All text is
escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import numpy as np
import numpy.typing as npt

from .. import formulas as F
from .experiment import LabRun, table_rows

GAUSS, UNIFORM, LAPLACE = 2 / math.pi, 0.75, 0.5


def _colour(value: float, lo: float, hi: float) -> str:
    """A light-to-dark blue scale."""
    t = 0.0 if hi <= lo else min(1.0, max(0.0, (value - lo) / (hi - lo)))
    r, g, b = (round(a + (z - a) * t) for a, z in ((237, 8), (244, 64), (251, 129)))
    return f"rgb({r},{g},{b})"


def heatmaps(before: npt.NDArray[np.float64], after: npt.NDArray[np.float64], titles: Sequence[str]) -> str:
    L, H = before.shape
    cell, pad, gap = 22, 40, 60
    lo = float(min(before.min(), after.min()))
    hi = float(max(before.max(), after.max()))
    width = pad + 2 * H * cell + gap + 20
    height = pad + L * cell + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="beta per layer and head, before and after">']
    for k, (data, title) in enumerate(((before, titles[0]), (after, titles[1]))):
        x0 = pad + k * (H * cell + gap)
        parts.append(f'<text x="{x0}" y="14" font-size="12">{escape(title)}</text>')
        for layer in range(L):
            for h in range(H):
                v = float(data[layer, h])
                parts.append(f'<rect x="{x0 + h * cell}" y="{22 + layer * cell}" width="{cell - 1}" height="{cell - 1}" '
                             f'fill="{_colour(v, lo, hi)}"><title>layer {layer}, head {h}: β = {v:.3f}</title></rect>')
        parts.append(f'<text x="{x0}" y="{22 + L * cell + 14}" font-size="10">heads 0–{H - 1} →</text>')
    for layer in range(L):
        parts.append(f'<text x="4" y="{22 + layer * cell + 15}" font-size="10">L{layer}</text>')
    # scale
    y = 22 + L * cell + 30
    for i in range(10):
        v = lo + (hi - lo) * i / 9
        parts.append(f'<rect x="{pad + i * 18}" y="{y}" width="18" height="10" fill="{_colour(v, lo, hi)}"/>')
    parts.append(f'<text x="{pad}" y="{y + 24}" font-size="10">{lo:.3f}</text>')
    parts.append(f'<text x="{pad + 150}" y="{y + 24}" font-size="10">{hi:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _density(name: str, x: float) -> float:
    if name == "Gaussian":
        return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    if name == "uniform":
        a = math.sqrt(3)
        return 1 / (2 * a) if abs(x) <= a else 0.0
    b = 1 / math.sqrt(2)  # Laplace with unit variance
    return math.exp(-abs(x) / b) / (2 * b)


def histogram(samples: dict[str, npt.NDArray[np.float64]], limit: float = 4.0, bins: int = 64) -> str:
    w, h, pad = 640, 300, 40
    edges = np.linspace(-limit, limit, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    hists = {k: np.histogram(np.clip(v, -limit, limit), bins=edges, density=True)[0] for k, v in samples.items()}
    ymax = max(0.75, max(float(h_.max()) for h_ in hists.values())) * 1.05

    def X(x: float) -> float:
        return pad + (x + limit) / (2 * limit) * (w - 2 * pad)

    def Y(y: float) -> float:
        return h - pad - y / ymax * (h - 2 * pad)

    colours = {"raw": "#9aa4af", "learned": "#2456a6"}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             'aria-label="histogram of key coordinates against reference densities">',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#333"/>']
    bw = (w - 2 * pad) / bins
    for k, hist in hists.items():
        for c, v in zip(centres, hist, strict=True):
            parts.append(f'<rect x="{X(c) - bw / 2:.1f}" y="{Y(v):.1f}" width="{bw:.1f}" height="{Y(0) - Y(v):.1f}" '
                         f'fill="{colours.get(k, "#888")}" fill-opacity="0.45"/>')
    styles = {"Gaussian": "#b42318", "uniform": "#1a7f37", "Laplace": "#6e40c9"}
    xs = np.linspace(-limit, limit, 321)
    for name, colour in styles.items():
        pts = " ".join(f"{X(float(x)):.1f},{Y(_density(name, float(x))):.1f}" for x in xs)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
    legend = [("keys, raw", colours["raw"]), ("keys, learned rotation", colours["learned"]),
              ("Gaussian (β = 2/π)", styles["Gaussian"]), ("uniform (β = 3/4)", styles["uniform"]),
              ("Laplace (β = 1/2)", styles["Laplace"])]
    for i, (label, colour) in enumerate(legend):
        parts.append(f'<rect x="{w - 210}" y="{12 + i * 16}" width="12" height="10" fill="{colour}"/>'
                     f'<text x="{w - 192}" y="{21 + i * 16}" font-size="11">{escape(label)}</text>')
    for x in range(-int(limit), int(limit) + 1):
        parts.append(f'<text x="{X(x) - 4:.1f}" y="{h - pad + 14}" font-size="10">{x}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(v: float) -> str:
    return f"{v:.4f}"


def render(run: LabRun) -> str:
    rows = table_rows(run)
    L, H, _tokens, d = run.shape
    lift = run.lift
    mean = {v: float(np.mean(lift.beta[v])) for v in lift.beta}
    table = ["<table><thead><tr><th>layer</th><th>raw</th><th>SRHT</th><th>learned</th>"
             "<th>raw, centred</th><th>SRHT, centred</th><th>learned, centred</th>"
             "<th>1-bit score error: none</th><th>SRHT</th><th>learned</th><th>learned, centred</th></tr></thead><tbody>"]
    for r in rows:
        table.append("<tr>" + "".join(f"<td>{escape(str(x))}</td>" for x in (
            r["layer"], _fmt(r["raw"]), _fmt(r["srht"]), _fmt(r["learned"]), _fmt(r["raw+c"]),
            _fmt(r["srht+c"]), _fmt(r["learned+c"]), _fmt(r["err[identity]"]), _fmt(r["err[srht]"]),
            _fmt(r["err[learned]"]), _fmt(r["err[learned+c]"]))) + "</tr>")
    table.append("</tbody></table>")
    sched = ["<table><thead><tr><th>layer</th><th>d</th>"
             + "".join(f"<th>{escape(v)}: angle → bits</th>" for v in ("raw", "srht", "learned", "learned+c"))
             + "</tr></thead><tbody>"]
    for r in rows:
        cells = [str(r["layer"]), str(d)]
        for v in ("raw", "srht", "learned", "learned+c"):
            angle = float(F.angle_deg_from_beta(min(1.0, r[v])))
            cells.append(f"{angle:.1f}° → {r[f'bits[{v}]']}")
        sched.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    sched.append("</tbody></table>")
    p = lift.srht.shape[-2]
    pad_note = ("" if p == d else
                f" SRHT pads d = {d} to p = {p} coordinates (a power of two), so its β, allocator bits and "
                f"1-bit code are over p coordinates: p bits per key where the other bases spend d.")
    g = run.gauge
    gauge_html = (f"<p>{escape((run.gauge_note or 'not run').capitalize())}.</p>" if g is None else
                  f"<p>The learned rotations were folded into W_Q and W_K (and their biases) of a copy of the model. "
                  f"Over {g.tokens} tokens, the largest change of any attention probability is "
                  f"<strong>{g.max_prob_diff:.2e}</strong> and of any layer output <strong>{g.max_hidden_diff:.2e}</strong> "
                  f"(outputs reach {g.max_hidden:.1f}): float rounding, as <code>attention_score_gauge_invariance</code> says.</p>")
    ob = run.one_bit
    ob_rows = "".join(
        f"<tr><td>{escape(n)}</td><td>{ob[n]['score_rel']:.4f}</td><td>{ob[n]['prob_tv']:.4f}</td></tr>"
        for n in ("identity", "srht", "learned", "learned+c"))
    css = ("body{font:15px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1d2125}"
           "table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{border-bottom:1px solid #dde1e6;"
           "padding:.25rem .5rem;text-align:right}th{text-align:center}svg{max-width:100%;height:auto}"
           "code{background:#f3f4f6;padding:0 .2rem}.muted{color:#5b6570}"
           "table{display:block;overflow-x:auto;max-width:100%}"
           "@media (prefers-color-scheme: dark){body{background:#12151a;color:#e6e8eb}"
           "th,td{border-color:#2e3640}code{background:#232a33}.muted{color:#9aa4af}"
           "svg{background:#fff;border-radius:4px}}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Geometry lab: {escape(run.model)}</title><style>{css}</style></head><body>
<h1>Geometry lab: attention keys of {escape(run.model)}</h1>
<p class="muted">{L} layers × {H} heads, d = {d}; {run.tokens} tokens of text (sha256 {escape(run.text_sha256[:16])}…),
split {len(lift.train_index)} for learning / {len(lift.test_index)} held out (seed {run.seed}); one rotation per {escape(lift.per)}.
Every number below is measured on the held-out tokens.{pad_note}</p>
<h2>β per layer</h2>
<p>Mean held-out β: raw <strong>{mean['raw']:.4f}</strong> (Gaussian 2/π = {GAUSS:.4f}), SRHT <strong>{mean['srht']:.4f}</strong>,
learned rotation <strong>{mean['learned']:.4f}</strong> (uniform limit 3/4); with DC-mean centering: raw {mean['raw+c']:.4f},
SRHT {mean['srht+c']:.4f}, learned {mean['learned+c']:.4f}. The last four columns give the relative error
‖S̃ − S‖/‖S‖ of attention scores computed with 1-bit keys (sign × ‖k‖₁/d) in each basis.</p>
{''.join(table)}
<h2>β per layer and head</h2>
{heatmaps(lift.beta['raw'], lift.beta['learned'], ('raw', 'after the learned rotation'))}
<h2>Coordinates against the reference laws</h2>
<p>Each held-out key scaled to unit RMS; its coordinates pooled over all heads.</p>
{histogram(run.keys_sample)}
<h2>The rotation is a gauge</h2>
{gauge_html}
<h2>1-bit keys: what the rotation buys</h2>
<table><thead><tr><th>basis</th><th>relative score error</th><th>mean total variation of attention rows</th></tr></thead>
<tbody>{ob_rows}</tbody></table>
<h2>The allocator's schedule</h2>
<p>Bits per coordinate from geometry alone (1 bit if d ≥ 512 and angle ≤ 40°, 2 bits if angle ≤ 44°, else 3).</p>
{''.join(sched)}
<p class="muted">Regenerate with <code>zerosorry-geometry lab report --out report.html</code>
(timings are printed by the command and kept in its <code>--json</code> output, not here, so that the
same run writes the same page).</p>
</body></html>
"""
