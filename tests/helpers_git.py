"""Real git repositories for the gate, diff and history tests (no mocks, no network).

Identity comes from the environment *and* ``-c user.name/email`` so that commits work on a
fresh machine with no global git configuration.  Many commits are written in one
``git fast-import`` stream, which makes a 200-commit history a fraction of a second.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

IDENTITY = {
    "GIT_AUTHOR_NAME": "Zero Sorry",
    "GIT_AUTHOR_EMAIL": "zs@example.invalid",
    "GIT_COMMITTER_NAME": "Zero Sorry",
    "GIT_COMMITTER_EMAIL": "zs@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(IDENTITY)
    env["HOME"] = env.get("HOME", "/tmp")
    return env


def git(repo: Path, *args: str, input: bytes | None = None) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=Zero Sorry", "-c", "user.email=zs@example.invalid",
         "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-C", str(repo), *args],
        input=input,
        capture_output=True,
        env=git_env(),
        check=False,
    )
    if out.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {out.stderr.decode(errors='replace')}")
    return out.stdout.decode("utf-8", errors="replace").strip()


def init_repo(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q")
    return repo


def write_files(root: Path, files: Mapping[str, str | None]) -> None:
    """Write (or, for ``None``, delete) files below ``root``."""
    for rel, text in files.items():
        p = root / rel
        if text is None:
            p.unlink()
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def commit(repo: Path, files: Mapping[str, str | None], message: str) -> str:
    """Write ``files`` into the working tree, commit them, return the new commit's sha."""
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def fast_import(
    repo: Path,
    commits: Sequence[tuple[str, Mapping[str, str | None]]],
    *,
    branch: str = "main",
    start_time: int = 1_700_000_000,
    step: int = 3600,
) -> list[str]:
    """Append ``commits`` (message, {path: text or None to delete}) to ``branch`` in one
    ``git fast-import`` run; returns the new commits' shas, oldest first."""
    parent = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "-q", f"refs/heads/{branch}"],
        capture_output=True, text=True, env=git_env(), check=False,
    ).stdout.strip()
    chunks: list[bytes] = []
    for i, (message, files) in enumerate(commits):
        msg = message.encode()
        when = start_time + i * step
        head = (
            f"commit refs/heads/{branch}\nmark :{i + 1}\n"
            f"author Zero Sorry <zs@example.invalid> {when} +0000\n"
            f"committer Zero Sorry <zs@example.invalid> {when} +0000\n"
            f"data {len(msg)}\n"
        ).encode()
        chunks.append(head + msg + b"\n")
        if i == 0 and parent:
            chunks.append(f"from {parent}\n".encode())
        for path, text in files.items():
            if text is None:
                chunks.append(f"D {path}\n".encode())
            else:
                data = text.encode()
                chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        chunks.append(b"\n")
    stream = b"".join(chunks)
    marks = repo / ".git" / "zs-marks"
    git(repo, "fast-import", "--quiet", f"--export-marks={marks}", input=stream)
    shas = {}
    for line in marks.read_text().splitlines():
        mark, sha = line.split()
        shas[int(mark[1:])] = sha
    marks.unlink()
    if not (repo / ".git" / "HEAD").read_text().strip().endswith(branch):
        git(repo, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
    git(repo, "reset", "-q", "--hard", branch)
    return [shas[i + 1] for i in range(len(commits))]


# ------------------------------------------------------------------------------ a small project
#: A Lean project with chains through three files: a sorry two steps below a theorem, an
#: axiom and a trust extension reached from other files.
DEMO_BASE = """namespace Demo

theorem helper (n : Nat) : n = n := rfl

theorem gap_lemma (n : Nat) : n + 0 = n := by
  sorry

axiom plumbing : ∀ n : Nat, n = n

theorem via_axiom (n : Nat) : n = n := plumbing n

end Demo
"""

DEMO_MID = """import Demo.Base

namespace Demo

theorem mid (n : Nat) : n = n := helper n

theorem mid_gap (n : Nat) : n + 0 = n := gap_lemma n

theorem mid_native : 10 < 20 := by native_decide

end Demo
"""

DEMO_TOP = """import Demo.Mid

namespace Demo

theorem top_ok (n : Nat) : n = n := mid n

theorem top_deferred (n : Nat) : n + 0 = n := mid_gap n

theorem top_axiom (n : Nat) : n = n := via_axiom n

theorem top_native : 10 < 20 := mid_native

end Demo
"""

DEMO_LAKEFILE = """name = "demo"
defaultTargets = ["Demo"]

[[lean_lib]]
name = "Demo"
"""


def demo_manifest(*, allowed: str = '["Demo.plumbing"]', witness_ok: str | None = None,
                  extra_entries: str = "") -> str:
    witness = f'witness = "{witness_ok}"\n' if witness_ok else ""
    return f"""[site]
title = "demo appendix"
paper_title = "A demo"
allowed_axioms = {allowed}

[[families]]
id = "demo"
title = "Demo"
explanation = "Demo family."

[[entries]]
id = "top-ok"
lean = ["Demo.top_ok"]
family = "demo"
title = "Top is fine"
statement = 'n = n'
summary = "Proven through two files."
why = "It is load-bearing."
target = "zero-sorry"
{witness}
[[entries]]
id = "top-deferred"
lean = ["Demo.top_deferred"]
family = "demo"
title = "Top waits"
statement = 'n + 0 = n'
summary = "Waits on a gap two files down."
why = "It is load-bearing."
target = "in-progress"

[[entries]]
id = "top-axiom"
lean = ["Demo.top_axiom"]
family = "demo"
title = "Top on an axiom"
statement = 'n = n'
summary = "Rests on the plumbing axiom."
why = "It is load-bearing."
target = "zero-sorry"
{extra_entries}"""


def demo_files(prefix: str = "proj/", **overrides: str | None) -> dict[str, str | None]:
    files: dict[str, str | None] = {
        "lakefile.toml": DEMO_LAKEFILE,
        "Demo/Base.lean": DEMO_BASE,
        "Demo/Mid.lean": DEMO_MID,
        "Demo/Top.lean": DEMO_TOP,
        "appendix.toml": demo_manifest(),
    }
    files.update(overrides)
    return {prefix + k: v for k, v in files.items()}


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of ``needle`` in ``text``."""
    return text[: text.index(needle)].count("\n") + 1


# ------------------------------------------------------------------------------ a long history
class ChainModel:
    """A project of ``files`` Lean files in a chain (``link_j`` uses ``link_{j-1}``, file j
    imports file j-1) plus free-standing theorems; each step edits one file.  The model knows
    the counts every commit must produce, computed from its own state, not from a scan."""

    def __init__(self, files: int = 8, seed: int = 7) -> None:
        import random

        self.rng = random.Random(seed)
        self.n = files
        self.link_sorry = [False] * files
        self.free: list[list[bool]] = [[False, True] if j % 3 == 0 else [False] for j in range(files)]
        self.padding = [0] * files  # comment lines that shift declarations without changing status

    def text(self, j: int) -> str:
        lines = [f"import Chain.F{j - 1}", ""] if j else []
        lines += ["namespace Chain", ""]
        lines += [f"-- edit {k}" for k in range(self.padding[j])]
        prev = f"link_{j - 1} n" if j else "rfl"
        body = "by\n  sorry" if self.link_sorry[j] else prev
        lines += [f"theorem link_{j} (n : Nat) : n = n := {body}", ""]
        for m, s in enumerate(self.free[j]):
            lines += [f"theorem free_{j}_{m} : {m} = {m} := {'by sorry' if s else 'rfl'}", ""]
        lines += ["end Chain", ""]
        return "\n".join(lines)

    def manifest(self) -> str:
        out = ['[site]\ntitle = "chain"\npaper_title = "Chain"\n\n[[families]]\nid = "chain"\n'
               'title = "Chain"\nexplanation = "x"\n']
        for j in range(self.n):
            out.append(f'[[entries]]\nid = "link-{j}"\nlean = ["Chain.link_{j}"]\nfamily = "chain"\n'
                       f'title = "Link {j}"\nstatement = "n = n"\nsummary = "s"\nwhy = "w"\n'
                       f'target = "in-progress"\n')
        return "\n".join(out)

    def all_files(self) -> dict[str, str | None]:
        files: dict[str, str | None] = {
            "proj/lakefile.toml": 'name = "chain"\n\n[[lean_lib]]\nname = "Chain"\n',
            "proj/appendix.toml": self.manifest(),
        }
        files.update({f"proj/Chain/F{j}.lean": self.text(j) for j in range(self.n)})
        return files

    def step(self) -> dict[str, str | None]:
        j = self.rng.randrange(self.n)
        action = self.rng.random()
        if action < 0.3:
            self.link_sorry[j] = not self.link_sorry[j]
        elif action < 0.55:
            self.free[j].append(self.rng.random() < 0.5)
        elif action < 0.8 and any(self.free[j]):
            self.free[j][self.free[j].index(True)] = False
        else:
            self.padding[j] += 1
        return {f"proj/Chain/F{j}.lean": self.text(j)}

    def expected(self) -> dict[str, int]:
        broken = [any(self.link_sorry[: j + 1]) for j in range(self.n)]
        free_sorry = sum(sum(f) for f in self.free)
        decls = self.n + sum(len(f) for f in self.free)
        deferred = free_sorry + sum(broken)
        return {
            "declarations": decls,
            "sorries": free_sorry + sum(self.link_sorry),
            "deferred": deferred,
            "proven": decls - deferred,
            "entries_proven": sum(not b for b in broken),
        }


def chain_history(repo: Path, commits: int = 200, seed: int = 7) -> tuple[list[str], list[dict[str, int]]]:
    """A repository with ``commits`` first-parent commits of a :class:`ChainModel` project;
    returns the shas and the expected counts of each, oldest first."""
    model = ChainModel(seed=seed)
    stream: list[tuple[str, Mapping[str, str | None]]] = [("initial chain", model.all_files())]
    expected = [model.expected()]
    for i in range(1, commits):
        stream.append((f"step {i}", model.step()))
        expected.append(model.expected())
    init_repo(repo)
    return fast_import(repo, stream), expected
