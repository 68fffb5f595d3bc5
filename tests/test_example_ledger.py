"""The bundled moe-gauge example: the exact status of every declaration it contains.

The expected table below is written by hand from the Lean sources in
``examples/moe-gauge/LeanMining/NeuralGeometry``: a declaration is proven when neither it nor
anything it uses holds a ``sorry``, deferred when one of them does, a stub when it is
``: True := sorry``, and an axiom when it is declared with ``axiom``.  If the scanner and this
table disagree, read the Lean first: the table is the specification.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from neural_geometry.witnesses import WITNESSES
from zerosorry.ledger.model import Ledger, Status

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "moe-gauge"
NS = "NeuralGeometry."
AXIOM = NS + "slln_expectation_lift"

P, D, S, A = Status.PROVEN, Status.DEFERRED, Status.STUB, Status.AXIOM

#: file stem -> {short name: status}; every declaration in the example appears exactly once
EXPECTED_BY_FILE: dict[str, dict[str, Status]] = {
    "JensenFloor": {
        "signQ": P,
        "signVec": P,
        "l1norm": P,
        "sqNorm": P,
        "betaVec": P,
        "cosSign": P,
        "phaseAngleDeg": P,
        "alphaOpt": P,
        "residualEnergy": P,
        "OnSignLattice": P,
        "mul_signQ_eq_abs": P,
        "signQ_sq": P,
        "inner_signVec_eq_l1norm": P,
        "sqNorm_nonneg": P,
        "betaVec_nonneg": P,
        "cos_sign_quant_formula": P,
        "cos_sq_eq_beta": P,
        "sqNorm_sub_smul_signVec": D,
        "residual_energy_formula": D,
        "residualEnergy_abs_le_one": D,
        "jensen_floor": D,
        "jensen_floor_eq_iff": D,
        "residual_eq_sin_sq": D,
    },
    "MomentRatio": {
        "momentRatio": P,
        "CoordLaw": P,
        "CoordLaw.absMoment": P,
        "CoordLaw.sqMoment": P,
        "CoordLaw.beta": P,
        "coordLaw_beta_mem": D,
        "gaussian_ratio_of_moments": P,
        "uniform_ratio_of_moments": P,
        "laplace_ratio_of_moments": P,
        "gaussian_abs_moment": D,
        "gaussian_sq_moment": D,
        "gaussian_moment_ratio_floor_eq": D,
        "uniform_abs_moment": D,
        "uniform_sq_moment": D,
        "uniform_moment_ratio_floor_eq": D,
        "laplacePdf": P,
        "laplace_abs_moment": D,
        "laplace_sq_moment": D,
        "laplace_moment_ratio_floor_eq": D,
        "slln_expectation_lift": A,
        "residualSeq": P,
        "residualSeq_aestronglyMeasurable": D,
        "residual_ae_limit": D,
        "expected_residual_limit_of_ae": P,
        "iid_coord_moment_ratio_floor": D,
        "isotropic_floor": D,
        "clt_attractor_placeholder": S,
    },
    "BetaLocalHessian": {
        "dcMean": P,
        "center": P,
        "center_add_dcMean": P,
        "center_sum_eq_zero": D,
        "dc_mean_centering": D,
        "dc_mean_centering_strict": D,
        "lossAlong": P,
        "beta_local_expansion": D,
        "beta_local_hessian": D,
        "beta_local_hessian_nonneg": P,
        "last_mile_hardness": D,
    },
    "MoEGauge": {
        "AttentionHead": P,
        "instInhabitedAttentionHead": P,
        "AttentionHead.score": P,
        "AttentionHead.rotate": P,
        "inner_orthogonal_invariant": D,
        "attention_score_gauge_invariance": D,
        "clamp0": P,
        "clamp0_of_nonneg": P,
        "clamp0_of_nonpos": P,
        "clamp0_mono": P,
        "moeGauge": P,
        "moe_gauge_monotone": P,
        "moe_gauge_beta_le_lattice": D,
        "allocatorBits": P,
        "allocatorBits_mem": P,
        "allocatorBits_monotone": D,
    },
    "WoAmplification": {
        "colNormSq": P,
        "rmsAmplification": P,
        "frobNorm": P,
        "sum_colNormSq": P,
        "avg_amplification_eq_frob_div_sqrt": P,
        "softmax_wo_split_placeholder": S,
    },
    "Softmax": {
        "softmax": P,
        "softmax_nonneg": P,
        "softmax_sum_eq_one": P,
        "softmax_soundness": P,
        "routerWeights": P,
        "router_weights_convex": P,
        "softmax_lipschitz": D,
        "softmax_shift_invariant": D,
        "key_centering_preserves_attention": D,
        "attend": P,
        "attention_distortion_bound": D,
    },
    "RankCorrection": {
        "effectiveBeta": P,
        "rank_r_correction": P,
        "rank_r_correction_improves": P,
        "rank_r_residual_energy": P,
        "energyCaptured": P,
        "energyCaptured_nonneg": P,
        "energyCaptured_le_one": D,
        "effective_beta_with_energy": P,
        "eckart_young_placeholder": S,
    },
}

EXPECTED: dict[str, Status] = {
    NS + n: s for table in EXPECTED_BY_FILE.values() for n, s in table.items()
}
FILE_OF: dict[str, str] = {
    NS + n: f"LeanMining/NeuralGeometry/{stem}.lean"
    for stem, table in EXPECTED_BY_FILE.items()
    for n in table
}

#: deferred declarations without a sorry of their own: where their `via` chain may end
INHERITED_FROM: dict[str, set[str]] = {
    "residual_eq_sin_sq": {"residual_energy_formula", "jensen_floor"},
    "gaussian_moment_ratio_floor_eq": {"gaussian_abs_moment", "gaussian_sq_moment"},
    "uniform_moment_ratio_floor_eq": {"uniform_abs_moment", "uniform_sq_moment"},
    "laplace_moment_ratio_floor_eq": {"laplace_abs_moment", "laplace_sq_moment"},
    "iid_coord_moment_ratio_floor": {
        "residual_ae_limit",
        "residualSeq_aestronglyMeasurable",
        "residualEnergy_abs_le_one",
    },
    "dc_mean_centering_strict": {"dc_mean_centering"},
    "attention_score_gauge_invariance": {"inner_orthogonal_invariant"},
    "moe_gauge_beta_le_lattice": {"jensen_floor"},
}


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    from zerosorry.scan import scan_project

    return scan_project(EXAMPLE)


def test_every_declaration_is_in_the_table(ledger: Ledger) -> None:
    names = {r.name for r in ledger.records}
    assert sorted(names - EXPECTED.keys()) == [], "declarations the table does not know"
    assert sorted(EXPECTED.keys() - names) == [], "declarations the scan did not find"
    assert len(ledger.records) == len(names), "a declaration appears twice"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status(ledger: Ledger, name: str) -> None:
    record = ledger.by_name().get(name)
    assert record is not None, f"{name} missing from the scan"
    assert record.status is EXPECTED[name], f"{name}: {record.status} (via {record.via})"
    assert record.file == FILE_OF[name]


def test_all_four_statuses_present(ledger: Ledger) -> None:
    counts = ledger.status_counts()
    assert all(counts[s.value] > 0 for s in (P, D, S, A)), counts
    expected_counts = {s.value: sum(1 for v in EXPECTED.values() if v is s) for s in (P, D, S, A)}
    assert counts == expected_counts


def test_deferred_via_chains(ledger: Ledger) -> None:
    by_name = ledger.by_name()
    for name, status in EXPECTED.items():
        record = by_name[name]
        if status is not D:
            assert record.via == [], name
            continue
        assert record.via[0] == name
        short = name.removeprefix(NS)
        if short in INHERITED_FROM:
            assert record.sorry_lines == [], f"{name} should have no sorry of its own"
            assert len(record.via) == 2, record.via
            assert record.via[-1].removeprefix(NS) in INHERITED_FROM[short], record.via
        else:
            assert record.sorry_lines, f"{name} should hold its own sorry"
            assert record.via == [name]


def test_cross_file_inheritance(ledger: Ledger) -> None:
    """A MoEGauge theorem is deferred only because the Jensen floor in another file is sorried."""
    by_name = ledger.by_name()
    heir = by_name[NS + "moe_gauge_beta_le_lattice"]
    holder = by_name[NS + "jensen_floor"]
    assert heir.status is D and heir.sorry_lines == []
    assert heir.via == [heir.name, holder.name]
    assert heir.file.endswith("MoEGauge.lean") and holder.file.endswith("JensenFloor.lean")
    assert holder.sorry_lines, "the sorry sits in JensenFloor.lean"
    assert NS + "moe_gauge_monotone" in heir.uses and by_name[NS + "moe_gauge_monotone"].status is P


def test_proven_across_files(ledger: Ledger) -> None:
    """Proven theorems that rest on proven lemmas from another file."""
    by_name = ledger.by_name()
    for heir, lemma in [
        ("beta_local_hessian_nonneg", "sqNorm_nonneg"),  # BetaLocalHessian -> JensenFloor
    ]:
        h, lem = by_name[NS + heir], by_name[NS + lemma]
        assert h.status is P and lem.status is P
        assert lem.name in h.uses
        assert h.file != lem.file


def test_axiom_dependence(ledger: Ledger) -> None:
    by_name = ledger.by_name()
    ax = by_name[AXIOM]
    assert ax.kind == "axiom" and ax.status is A
    lifted = by_name[NS + "expected_residual_limit_of_ae"]
    assert lifted.status is P  # proven, but only relative to the axiom
    assert lifted.axioms == [AXIOM]
    floor = by_name[NS + "iid_coord_moment_ratio_floor"]
    assert floor.status is D and floor.axioms == [AXIOM]
    # nothing else reaches the axiom
    reaching = sorted(r.name for r in ledger.records if AXIOM in r.axioms and r.name != AXIOM)
    assert reaching == [NS + "expected_residual_limit_of_ae", NS + "iid_coord_moment_ratio_floor"]


def test_kinds(ledger: Ledger) -> None:
    by_name = ledger.by_name()
    assert by_name[NS + "CoordLaw"].kind == "structure"
    assert by_name[NS + "AttentionHead"].kind == "structure"
    assert by_name[NS + "instInhabitedAttentionHead"].kind == "instance"
    assert by_name[NS + "betaVec"].kind == "def"
    stubs = sorted(r.name for r in ledger.records if r.status is S)
    assert stubs == sorted(
        NS + n
        for n in (
            "clt_attractor_placeholder",
            "softmax_wo_split_placeholder",
            "eckart_young_placeholder",
        )
    )


def test_every_declaration_has_a_docstring(ledger: Ledger) -> None:
    missing = sorted(r.name for r in ledger.records if not (r.docstring or "").strip())
    assert missing == []


def test_project_is_pinned() -> None:
    toolchain = (EXAMPLE / "lean-toolchain").read_text().strip()
    lakefile = (EXAMPLE / "lakefile.toml").read_text()
    version = toolchain.rsplit(":", 1)[1]
    assert toolchain.startswith("leanprover/lean4:v4.")
    assert f'rev = "{version}"' in lakefile, (
        "mathlib must be pinned to the tag matching the toolchain"
    )


# ------------------------------------------------------------------------ the example's manifest
@pytest.fixture(scope="module")
def manifest() -> dict:
    import tomllib

    return tomllib.loads((EXAMPLE / "appendix.toml").read_text(encoding="utf-8"))


def test_manifest_site(manifest: dict) -> None:
    site = manifest["site"]
    assert site["title"] and site["paper_title"]
    # no invented repository: the site's source pages are its file:line links
    assert "repository" not in site and "source_subdir" not in site
    assert site["allowed_axioms"] == [AXIOM]
    assert site["empirical_companion"] == "lab/report.html"


def test_manifest_entries_match_the_scan(manifest: dict, ledger: Ledger) -> None:
    by_name = ledger.by_name()
    families = [f["id"] for f in manifest["families"]]
    widgets = {w["id"] for w in manifest["widgets"]}
    ids = [e["id"] for e in manifest["entries"]]
    assert len(set(families)) == len(families) and len(set(ids)) == len(ids)
    for e in manifest["entries"]:
        assert e["family"] in families, e["id"]
        assert e["target"] in ("zero-sorry", "in-progress", "open"), e["id"]
        assert e["statement"] and e["summary"] and e["why"], e["id"]
        assert set(e.get("widgets", [])) <= widgets, e["id"]
        records = [by_name[n] for n in e["lean"]]  # KeyError: a name the scan does not know
        proven = all(r.status is P for r in records)
        # the gate's rule: zero-sorry only where the whole derivation is proven
        if e["target"] == "zero-sorry":
            assert proven, (e["id"], [r.status for r in records])
        for r in records:
            assert set(r.axioms) <= set(manifest["site"]["allowed_axioms"]), e["id"]
    # every family is used, every load-bearing name has an entry
    assert {e["family"] for e in manifest["entries"]} == set(families)
    named = {n.removeprefix(NS) for e in manifest["entries"] for n in e["lean"]}
    for required in (
        "cos_sign_quant_formula",
        "residual_energy_formula",
        "jensen_floor",
        "jensen_floor_eq_iff",
        "iid_coord_moment_ratio_floor",
        "gaussian_moment_ratio_floor_eq",
        "uniform_moment_ratio_floor_eq",
        "laplace_moment_ratio_floor_eq",
        "isotropic_floor",
        "attention_score_gauge_invariance",
        "avg_amplification_eq_frob_div_sqrt",
        "dc_mean_centering",
        "beta_local_hessian",
        "last_mile_hardness",
        "rank_r_correction",
        "attention_distortion_bound",
        "softmax_soundness",
        "moe_gauge_monotone",
    ):
        assert required in named, required


def test_manifest_widgets_and_witnesses(manifest: dict) -> None:
    import importlib

    assert {w["id"]: w["script"] for w in manifest["widgets"]} == {
        "beta-slider": "widgets/geometry_widgets.js",
        "beta-calculator": "widgets/geometry_widgets.js",
    }
    assert (EXAMPLE / "widgets" / "geometry_widgets.js").is_file()
    used = {w for e in manifest["entries"] for w in e.get("widgets", [])}
    assert used == {"beta-slider", "beta-calculator"}
    witnesses = [e["witness"] for e in manifest["entries"] if "witness" in e]
    assert len(witnesses) == len(set(witnesses))
    names = set()
    for w in witnesses:
        module, _, func = w.partition(":")
        assert module == "neural_geometry.witnesses"
        assert callable(getattr(importlib.import_module(module), func))
        names.add(func)
    # every registered witness (tests/test_witnesses.py pins the registry's names), no other
    assert names == set(WITNESSES)


def test_manifest_glossary(manifest: dict) -> None:
    terms = {g["term"] for g in manifest["glossary"]}
    for term in (
        "phase-collapse angle",
        "moment ratio",
        "1-bit floor",
        "gauge invariance",
        "horizontal-slice allocator",
        "anti-kurtosis effect",
        "sorry",
        "zero-sorry",
        "axiom",
    ):
        assert term in terms, term
    assert all(g["definition"].strip() for g in manifest["glossary"])
