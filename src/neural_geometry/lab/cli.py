"""``zerosorry-geometry lab capture|lift|gauge|report``: the lab from the command line.

Imports torch only when a lab command runs, so ``zerosorry-geometry measure`` stays light.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .files import atomic_write
from .models import DEFAULT_MODEL, LabError


def _texts(args: argparse.Namespace) -> list[str]:
    from .models import read_texts, sample_texts

    return read_texts(args.text) if args.text else sample_texts()


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"a local model folder or an installed model package (default {DEFAULT_MODEL})")
    p.add_argument("--text", type=Path, default=None,
                   help="a UTF-8 text file (paragraphs separated by blank lines); default: the bundled sample texts")


def _bar(label: str, quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(f"[progress.description]{label}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   transient=True)
    return bar


def _cmd_capture(args: argparse.Namespace) -> int:
    from . import capture
    from .models import load

    loaded = load(args.model)
    bar = _bar("capturing keys", args.quiet)
    task = bar.add_task("capture", total=args.tokens) if bar else None

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(task, completed=done)

    if bar is not None:
        bar.start()
    try:
        cap = capture.capture(loaded.model, loaded.tokenizer, _texts(args), max_tokens=args.tokens,
                              model_name=args.model, progress=progress)
    finally:
        if bar is not None:
            bar.stop()
    capture.save(cap, args.out)
    if not args.quiet:
        L, H, T, d = cap.keys.shape
        print(f"wrote {args.out}: keys of {args.model}, {L} layers × {H} heads × {T} tokens × d = {d} "
              f"(text sha256 {cap.text_sha256[:12]}…)")
    return 0


def _print_table(rows: list[dict[str, float]]) -> None:
    print(f"{'layer':>5}  {'raw':>7} {'SRHT':>7} {'learned':>8}   {'raw+c':>7} {'SRHT+c':>7} {'learned+c':>9}")
    for r in rows:
        print(f"{int(r['layer']):>5}  {r['raw']:7.4f} {r['srht']:7.4f} {r['learned']:8.4f}   "
              f"{r['raw+c']:7.4f} {r['srht+c']:7.4f} {r['learned+c']:9.4f}")


def _cmd_lift(args: argparse.Namespace) -> int:
    from . import capture, rotations

    cap = capture.load(args.keys)
    res = rotations.lift(cap.keys, train_frac=args.train_frac, seed=args.seed, per=args.per, iters=args.iters)
    if args.out:
        rotations.save_rotations(res, str(args.out))  # atomic itself
    if not args.quiet:
        print(f"held-out β ({len(res.test_index)} tokens; rotations learned on {len(res.train_index)}, one per {args.per}):")
        _print_table(res.layer_table())
        if args.out:
            print(f"wrote {args.out}")
    return 0


def _cmd_gauge(args: argparse.Namespace) -> int:
    from . import gauge, rotations
    from .models import load

    loaded = load(args.model)
    rots = rotations.load_rotations(str(args.rotations))
    twin = gauge.absorb(loaded.model, rots["learned_centered" if args.centered else "learned"])
    check = gauge.check(loaded.model, twin, loaded.tokenizer, _texts(args)[:3])
    print(f"gauge check over {check.tokens} tokens: max |Δ attention probability| = {check.max_prob_diff:.3e}, "
          f"max |Δ layer output| = {check.max_hidden_diff:.3e} (outputs up to {check.max_hidden:.2f})")
    return 0 if check.max_prob_diff < 1e-4 else 1


def _cmd_report(args: argparse.Namespace) -> int:
    from . import experiment, report
    from .models import load

    loaded = load(args.model)

    def say(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr)

    run = experiment.run(loaded, _texts(args), tokens=args.tokens, seed=args.seed,
                         train_frac=args.train_frac, per=args.per, progress=say)
    html = report.render(run)
    atomic_write(args.out, lambda tmp: Path(tmp).write_text(html, encoding="utf-8"))
    if args.json:
        data = {"model": run.model, "tokens": run.tokens, "shape": run.shape, "per": run.lift.per,
                "seed": run.seed, "layers": experiment.table_rows(run), "one_bit": run.one_bit,
                "gauge": None if run.gauge is None else vars(run.gauge), "seconds": run.seconds}
        atomic_write(args.json, lambda tmp: Path(tmp).write_text(json.dumps(data, indent=2), encoding="utf-8"))
    if not args.quiet:
        _print_table(run.lift.layer_table())
        for n, e in run.one_bit.items():
            print(f"1-bit keys, basis {n:10s}: relative score error {e['score_rel']:.4f}, "
                  f"attention total variation {e['prob_tv']:.4f}")
        print(f"wrote {args.out}")
    return 0


def _wrap(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            result: int = func(args)
        except LabError as exc:
            raise ValueError(str(exc)) from exc
        return result
    return run


def register(subparsers: Any) -> None:
    lab = subparsers.add_parser("lab", help="capture, lift and check attention keys of a real transformer")
    sub = lab.add_subparsers(dest="lab_command", metavar="LAB_COMMAND")

    def usage(_args: argparse.Namespace) -> int:
        lab.print_help(sys.stderr)
        return 2

    lab.set_defaults(func=usage)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("-q", "--quiet", action="store_true")

    c = sub.add_parser("capture", help="read attention keys through hooks into a .safetensors file")
    _model_options(c)
    c.add_argument("--tokens", type=int, default=2000, help="how many tokens (default 2000)")
    c.add_argument("--out", type=Path, required=True, help="the .safetensors file to write")
    common(c)
    c.set_defaults(func=_wrap(_cmd_capture))

    def lift_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--per", choices=("head", "layer"), default="head", help="one rotation per head (default) or per layer")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--train-frac", type=float, default=0.5, help="share of tokens to learn on (default 0.5)")

    li = sub.add_parser("lift", help="learn L¹-maximising rotations; compare with none and SRHT on held-out tokens")
    li.add_argument("keys", type=Path, help="a capture written by `lab capture`")
    li.add_argument("--out", type=Path, default=None, help="save the rotations (.safetensors)")
    li.add_argument("--iters", type=int, default=200)
    lift_options(li)
    common(li)
    li.set_defaults(func=_wrap(_cmd_lift))

    g = sub.add_parser("gauge", help="fold learned rotations into W_Q and W_K and check nothing changes")
    _model_options(g)
    g.add_argument("--rotations", type=Path, required=True, help="rotations saved by `lab lift --out`")
    g.add_argument("--centered", action="store_true", help="use the rotations learned on centred keys")
    common(g)
    g.set_defaults(func=_wrap(_cmd_gauge))

    r = sub.add_parser("report", help="run everything and write a self-contained HTML report")
    _model_options(r)
    r.add_argument("--tokens", type=int, default=2300)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON")
    lift_options(r)
    common(r)
    r.set_defaults(func=_wrap(_cmd_report))
