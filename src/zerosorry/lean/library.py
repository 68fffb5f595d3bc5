"""What the source engine knows of library (core, Batteries, Mathlib) type heads, for field notation.

Lean resolves ``h.foo`` for ``h : C args`` by looking for ``C.foo`` (for a structure, also in the
structures it extends); when there is none, it *unfolds* ``C args`` one definition step
(``unfoldDefinition?``, then ``whnfCore``, which also reduces a class projection applied to a
known instance) and tries again with the new head, until the head can no longer be unfolded.
A project declaration can therefore be ``h.foo`` for a library head ``C`` whenever ``C`` is a
definition: ``s : Set Nat`` gives ``s.gap`` → ``Function.gap`` (``Set α := α → Prop``), and
``b : OrderDual Box`` gives ``b.bad`` → ``Box.bad`` (``OrderDual α := α``).

The tables say, per library constant (its full name), what unfolding can reach.  A head found in
none of them is read soundly: unfolding may reach any namespace (see :mod:`zerosorry.lean.names`).
Each entry is a fact about the library's source (a ``structure``/``class``/``inductive`` command
there, or a ``def``'s body); an entry that is wrong in the direction of ``NEVER_UNFOLDS`` hides
uses, so only facts read from the sources belong here.
"""

from __future__ import annotations

from collections.abc import Mapping

from .types import FUNCTION

#: an unfolding target: the type is one of the arguments written after the head
#: (``OrderDual α := α``); which one is not tracked, so each constant written there counts
ARGS = "(args)"

#: notations for library types, as the head of a written type: the constant they stand for
NOTATIONS: Mapping[str, str] = {"ℕ": "Nat", "ℤ": "Int", "ℚ": "Rat", "ℝ": "Real", "ℂ": "Complex"}

#: library structures, classes and inductive types: Lean never unfolds them, so a field missing
#: from their namespace and from the namespaces of the structures they extend (the value: the
#: parents, transitively, as full names) is not in the project
NEVER_UNFOLDS: Mapping[str, tuple[str, ...]] = {
    # core (Init, Lean): inductive types and structures
    "Eq": (), "HEq": (), "And": (), "Or": (), "Iff": (), "Exists": (), "True": (), "False": (),
    "Subtype": (), "Prod": (), "PProd": (), "MProd": (), "Sum": (), "PSum": (), "Sigma": (),
    "PSigma": (), "Nat": (), "Int": (), "List": (), "Array": (), "Option": (), "Bool": (),
    "Fin": (), "Char": (), "String": (), "PUnit": (), "Decidable": (),
    "Nonempty": (), "Inhabited": (), "Acc": (), "WellFounded": (), "Nat.le": (),
    "Except": (), "Thunk": (), "ULift": (), "PLift": (), "ByteArray": (),
    "UInt8": (), "UInt16": (), "UInt32": (), "UInt64": (), "USize": (), "Float": (),
    "Lean.Syntax": (), "Lean.Name": (), "Lean.Expr": (), "Lean.ConstantInfo": (),
    # not `Vector`: core's is a structure, but older Mathlib's `Vector α n` was a definition (a
    # subtype of lists); a project on either reads it as an unknown head, soundly
    # Mathlib: numbers, orders, algebra
    "Rat": (), "Real": (), "Complex": (), "Finset": (), "Fact": (), "NeZero": (), "Equiv": (),
    "Filter": (), "Set.OrdConnected": (), "WeierstrassCurve": (),
    "Subsemigroup": (), "AddSubsemigroup": (), "SubMulAction": (),
    "Submonoid": ("Subsemigroup",), "AddSubmonoid": ("AddSubsemigroup",),
    "Subgroup": ("Submonoid", "Subsemigroup"), "AddSubgroup": ("AddSubmonoid", "AddSubsemigroup"),
    "Submodule": ("AddSubmonoid", "AddSubsemigroup", "SubMulAction"),
    # Mathlib: topology, measure and probability
    "Continuous": (),  # "Registered as a structure to make sure it is not unfolded by Lean"
    "MeasurableSpace": (), "MeasureTheory.OuterMeasure": (),
    "MeasureTheory.Measure": ("MeasureTheory.OuterMeasure",),
    "MeasureTheory.IsProbabilityMeasure": (), "ProbabilityTheory.IdentDistrib": (),
    "ProbabilityTheory.Kernel": (),
}

#: separates the steps of one unfolding path: ``"LE.le > Function"`` is a head ``LE.le`` (searched),
#: which a known instance then unfolds to a function type; only the last step is read again
STEP = " > "

#: library definitions: the heads their body can have after one unfolding (a library constant,
#: ``FUNCTION`` or ``ARGS``, or a path of steps); each target is read again with these tables
UNFOLDS_TO: Mapping[str, tuple[str, ...]] = {
    # core notation (Init.Prelude, Init.Core)
    "GE.ge": ("LE.le",),  # a ≥ b := b ≤ a
    "GT.gt": ("LT.lt",),
    "Ne": (FUNCTION,),  # a ≠ b := a = b → False
    "Not": (FUNCTION,),  # ¬a := a → False
    "HasSuperset.Superset": ("HasSubset.Subset",),
    "HasSSuperset.SSuperset": ("HasSSubset.SSubset",),
    "Unit": ("PUnit",),  # abbrev Unit := PUnit
    # Mathlib: sets, orders, functions
    "Set": (FUNCTION,),  # Set α := α → Prop
    "OrderDual": (ARGS,),  # αᵒᵈ := α
    "Set.Nonempty": ("Exists",),
    "BddAbove": ("Set.Nonempty",), "BddBelow": ("Set.Nonempty",),
    "Disjoint": (FUNCTION,),
    "Function.Injective": (FUNCTION,), "Function.Surjective": (FUNCTION,),
    "Function.Bijective": ("And",),
    "Monotone": (FUNCTION,), "Antitone": (FUNCTION,), "StrictMono": (FUNCTION,), "StrictAnti": (FUNCTION,),
    "IsUnit": ("Exists",), "Ideal": ("Submodule",),
    "NNReal": ("Subtype",), "WithTop": ("Option",), "WithBot": ("Option",), "ENNReal": ("WithTop",),
    "ENat": ("WithTop",),
    "NumberField.InfinitePlace": ("Subtype",),
    # Mathlib: topology, measure and probability
    # `l₁.map f ≤ l₂`, and the instance `PartialOrder (Filter α)` has `le f g := ∀ ⦃U⦄, U ∈ g → U ∈ f`
    "Filter.Tendsto": ("LE.le" + STEP + FUNCTION,), "ContinuousAt": ("Filter.Tendsto",),
    "ContinuousOn": (FUNCTION,), "IsCompact": (FUNCTION,), "HasCompactSupport": ("IsCompact",),
    "Measurable": (FUNCTION,),  # ∀ ⦃t⦄, MeasurableSet t → MeasurableSet (f ⁻¹' t)
    "AEMeasurable": ("Exists",),
    "MeasureTheory.StronglyMeasurable": ("Exists",), "MeasureTheory.AEStronglyMeasurable": ("Exists",),
    "MeasureTheory.Integrable": ("And",), "MeasureTheory.IntegrableOn": ("MeasureTheory.Integrable",),
    "MeasureTheory.MemLp": ("And",),
    "MeasureTheory.ProbabilityMeasure": ("Subtype",),
}
