"""Possible uses, in words: which ambiguous reference a possible deferral rests on.

A reference the source engine cannot pin (field notation whose receiver's type the source does
not state, or whose stated library type Lean may unfold to reach a project namespace) is a
*possible* use of every candidate, and so is every instance that is not proven which type-class
search may pick for it (:mod:`.instances`); a declaration deferred only through such uses is a
*possible deferral*.  ``why``, the gate and the site all say it the same way, from here:
``x.foo may be A.foo (sorry) or B.foo``, ``type-class search for CommRing A may pick instA (sorry)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from .instances import INSTANCE_REF, stated_type
from .model import PossibleRef, Record, Status

#: what settles a possible deferral through field notation, said wherever one is reported
SETTLE_HINT = ("the source does not pin the field: the receiver's type is not stated, or Lean may unfold it "
               "(a library definition); `--engine lean` settles it")
#: how a possible instance use is said (a step's description starts with it)
INSTANCE_STEP = "type-class search for "
#: what settles a possible deferral through an instance, said wherever one is reported
INSTANCE_HINT = ("type-class search may pick an instance no name in the source points to: every visible "
                 "instance that is not proven and whose class or types the declaration may elaborate is "
                 "counted; `--engine lean` settles it")


def is_instance_ref(ref: PossibleRef) -> bool:
    """Whether ``ref`` is an instance search (:mod:`.instances`), not written field notation."""
    return ref.ref == INSTANCE_REF


def settle_hint(notes: Sequence[str]) -> str:
    """What settles a possible deferral whose possible steps are described by ``notes``."""
    instance = [n.startswith(INSTANCE_STEP) for n in notes]
    if instance and all(instance):
        return INSTANCE_HINT
    if any(instance):
        return f"{SETTLE_HINT}; {INSTANCE_HINT}"
    return SETTLE_HINT


def _mark(name: str, by_name: Mapping[str, Record]) -> str:
    r = by_name.get(name)
    if r is None or r.status is Status.PROVEN:
        return name
    if r.sorry_lines:
        return f"{name} (sorry)"
    return f"{name} ({r.status.value})"


def describe(ref: PossibleRef, by_name: Mapping[str, Record], target: str | None = None) -> str:
    """``x.foo may be A.foo (sorry) or B.foo``: each candidate with what holds it back.  An
    instance search is said for the instance ``target`` (the first candidate when not given):
    ``type-class search for C T may pick inst (sorry)``, ``C T`` read from its signature."""
    if is_instance_ref(ref):
        inst = target if target is not None else ref.candidates[0]
        rec = by_name.get(inst)
        what = stated_type(rec.signature) if rec is not None else inst
        more = len(ref.candidates) - 1
        others = f" (one of {more + 1} instances it may find)" if more else ""
        return f"{INSTANCE_STEP}{what} may pick {_mark(inst, by_name)}{others}"
    cands = [_mark(c, by_name) for c in ref.candidates]
    if len(cands) == 1:
        return f"{ref.ref} may be {cands[0]}"
    return f"{ref.ref} may be {', '.join(cands[:-1])} or {cands[-1]}"


def ref_for(record: Record, target: str) -> PossibleRef | None:
    """The ambiguous reference of ``record`` that may denote ``target`` (None: a certain use)."""
    if target in record.uses:
        return None
    return next((p for p in record.possible_refs if target in p.candidates), None)


def step_notes(chain: Sequence[str], by_name: Mapping[str, Record]) -> list[str | None]:
    """For each step of a chain (names, from the declaration to the sorry holder), the ambiguous
    reference it is taken through, in words; None for the start and for a certain use."""
    out: list[str | None] = [None] if chain else []
    for a, b in itertools.pairwise(chain):
        rec = by_name.get(a)
        ref = ref_for(rec, b) if rec is not None else None
        out.append(describe(ref, by_name, b) if ref is not None else None)
    return out


def possible_steps(via: Sequence[str], by_name: Mapping[str, Record]) -> list[str]:
    """For a chain, the description of every step taken through a possible use."""
    return [note for note in step_notes(via, by_name) if note is not None]
