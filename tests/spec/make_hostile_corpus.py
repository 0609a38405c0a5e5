"""Generate the hostile stack-file corpus in tests/data/hostile_stacks/ (checked in).

Every class of input that crashed, hung or exhausted the loader (issue 9) has files
here; `tests/spec/test_hostile_corpus.py` runs each through the loader in a child
process with a memory and time bound. Run from the repository root:

    .venv/bin/python -m tests.spec.make_hostile_corpus

The corpus is rewritten from scratch. `MANIFEST.json` lists each file with an optional
`contains`: text the loader's error must include (no entry: loading may also succeed).
Files too large to be worth committing (`committed=False`) are written by the test into
a temporary directory instead.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "hostile_stacks"
BASE = (REPO / "stacks" / "Pulumi.prod.yaml").read_bytes()
"""The shipped prod stack as it was when the corpus was generated (a valid starting point)."""


@dataclass(frozen=True)
class Case:
    """One hostile file: its class (directory), name, bytes and what its error must say."""

    group: str
    name: str
    data: bytes
    contains: str | None = None
    committed: bool = True


def _with(extra: str) -> bytes:
    """The base stack with `extra` appended inside `config:` (two-space indented lines)."""
    return BASE.rstrip(b"\n") + b"\n" + extra.encode("utf-8")


def _replace(old: str, new: str) -> bytes:
    text = BASE.decode("utf-8")
    assert old in text, old
    return text.replace(old, new, 1).encode("utf-8")


def _template(payload: str) -> bytes:
    quoted = payload.replace("\\", "\\\\").replace('"', '\\"')
    return _replace('cost-center: "4711"', f'cost-center: "{quoted}"')


def encoding_cases() -> Iterator[Case]:
    text = BASE.decode("utf-8")
    yield Case(
        "encoding",
        "latin1",
        BASE + "  backend-storage:note: caf\xe9\n".encode("latin-1"),
        "is not valid UTF-8",
    )
    yield Case("encoding", "utf16-le-bom", text.encode("utf-16"), "is UTF-16 text")
    yield Case("encoding", "utf16-be-bom", b"\xfe\xff" + text.encode("utf-16-be"), "UTF-16")
    yield Case("encoding", "utf16-no-bom", text.encode("utf-16-le"), "control character")
    yield Case("encoding", "utf32-bom", text.encode("utf-32"), "UTF-32")
    yield Case("encoding", "overlong-slash", BASE + b"  x: \xc0\xaf\n", "is not valid UTF-8")
    yield Case("encoding", "encoded-surrogate", BASE + b"  x: \xed\xa0\x80\n", "is not valid UTF-8")
    yield Case("encoding", "truncated-multibyte", BASE + b"  x: \xe2\x82", "is not valid UTF-8")
    yield Case("encoding", "lone-continuation", BASE + b"  x: \x80\x80\n", "is not valid UTF-8")
    yield Case("encoding", "utf8-bom", b"\xef\xbb\xbf" + BASE)  # allowed: loads
    yield Case("encoding", "surrogate-escape", _with('  x: "\\ud800"\n'), "invalid Unicode")
    yield Case("encoding", "binary-garbage", bytes(range(256)) * 4, "not valid UTF-8")


def control_cases() -> Iterator[Case]:
    for name, char in [("nul", "\x00"), ("bell", "\x07"), ("escape", "\x1b"), ("fffe", "\ufffe")]:
        yield Case("control", name, _with(f"  x: a{char}b\n"), "control character")
    yield Case("control", "nul-in-key", _with("  a\x00b: 1\n"), "control character")
    yield Case("control", "escaped-nul-in-value", _with('  x: "a\\0b"\n'))  # a legal escape


def key_cases() -> Iterator[Case]:
    yield Case("keys", "hex-key", _with("  backend-storage:buckets2:\n    0x10: {}\n"))
    yield Case("keys", "sexagesimal-key", _with("  backend-storage:tags2:\n    1:30: x\n"))
    yield Case(
        "keys",
        "hex-entry-name",
        _replace(
            "    invoices:\n", "    0x10:\n      dataClassification: internal\n    invoices:\n"
        ),
    )
    yield Case(
        "keys",
        "mixed-int-str-entry-names",
        _replace("    invoices:\n", "    1:\n      dataClassification: internal\n    invoices:\n"),
    )
    yield Case("keys", "float-key", _with("  backend-storage:tags2:\n    .inf: x\n    1.5: y\n"))
    yield Case(
        "keys", "null-and-bool-keys", _with("  backend-storage:tags2:\n    ~: x\n    true: y\n")
    )
    yield Case("keys", "complex-list-key", _with("  ? [a, b]\n  : 1\n"), "a key must be")
    yield Case("keys", "complex-map-key", _with("  ? {a: 1}\n  : 1\n"), "a key must be")
    yield Case(
        "keys", "alias-to-list-as-key", _with("  x: &k [1]\n  ? *k\n  : 2\n"), "a key must be"
    )
    yield Case(
        "keys", "duplicate-key", _with("  backend-storage:owner: someone\n"), "duplicate key"
    )
    yield Case("keys", "empty-key", _with("  : x\n"))
    yield Case("keys", "date-key", _with("  backend-storage:tags2:\n    2024-01-01: x\n"))
    yield Case(
        "keys",
        "int-like-replica-override",
        _replace(
            "      replicas: 1\n", "      replicas: 1\n      replicaOverrides:\n        0x1: {}\n"
        ),
    )


def tag_cases() -> Iterator[Case]:
    refused = {
        "python-object": "!!python/object:os.system ls",
        "python-object-apply": "!!python/object/apply:os.system [ls]",
        "python-name": "!!python/name:os.system",
        "python-tuple": "!!python/tuple [1, 2]",
        "binary": "!!binary aGVsbG8=",
        "set": "!!set {a, b}",
        "omap": "!!omap [a: 1]",
        "pairs": "!!pairs [a: 1]",
        "timestamp": "!!timestamp 2024-01-01",
        "bad-timestamp": "!!timestamp 2024-99-99",
        "local-tag": "!secret x",
        "verbatim-tag": "!<tag:example.com,2000:x> y",
    }
    for name, value in refused.items():
        yield Case("tags", name, _with(f"  x: {value}\n"), "is not allowed")
    wrong = {
        "bad-int": "!!int abc",
        "bad-float": "!!float abc",
        "bad-bool": "!!bool maybe",
        "seq-tag-on-map": "!!seq {a: 1}",
        "map-tag-on-scalar": "!!map x",
        "int-tag-on-list": "!!int [1]",
    }
    for name, value in wrong.items():
        yield Case("tags", name, _with(f"  x: {value}\n"), "x:")
    yield Case(
        "tags",
        "core-tags",
        _replace("config:\n", "config: !!map\n").replace(
            b"backend-storage:owner: platform-team", b"backend-storage:owner: !!str platform-team"
        ),
    )
    yield Case("tags", "null-tag", _with("  x: !!null\n"))
    yield Case("tags", "huge-implicit-int", _with("  x: " + "9" * 5000 + "\n"), "too large")
    yield Case("tags", "huge-float", _with("  x: 1.0e+999999\n"), "not a finite number")
    yield Case("tags", "nan", _with("  x: [.nan, .inf, -.Inf]\n"), "not a finite number")


def date_cases() -> Iterator[Case]:
    # Dates stay text, as Pulumi's config keeps them: these load or fail validation only.
    yield Case("dates", "aws-created", _with("  aws:created: 2024-01-01\n"))
    yield Case(
        "dates",
        "timestamp-tag-value",
        _replace('cost-center: "4711"', "cost-center: 2024-01-01T10:00:00Z"),
    )
    yield Case(
        "dates",
        "date-owner",
        _replace("backend-storage:owner: platform-team", "backend-storage:owner: 2024-01-01"),
    )
    yield Case(
        "dates", "date-list", _with("  aws:dates: [2024-01-01, 2001-12-14 21:59:43.10 -5]\n")
    )
    yield Case("dates", "value-type", _with("  x: =\n"))


def structure_cases() -> Iterator[Case]:
    deep_block = "".join(" " * (i + 4) + f"k{i}:\n" for i in range(200))
    yield Case("structure", "deep-block-200", _with("  x:\n" + deep_block), "nested more than")
    yield Case(
        "structure", "deep-flow-list-5000", _with("  x: " + "[" * 5000 + "]" * 5000 + "\n"), "nest"
    )
    yield Case(
        "structure",
        "deep-flow-map-5000",
        _with("  x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"),
        "nest",
    )
    yield Case(
        "structure", "deep-65", _with("  x: " + "[" * 66 + "]" * 66 + "\n"), "nested more than"
    )
    yield Case("structure", "recursive-alias-list", _with("  x: &a [1, *a]\n"), "recursive alias")
    yield Case("structure", "recursive-alias-map", _with("  x: &a {b: *a}\n"), "recursive alias")
    yield Case("structure", "undefined-alias", _with("  x: *nope\n"), "alias")
    laughs = "".join(f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
    yield Case(
        "structure",
        "billion-laughs-353",
        ("config:\n  l0: &l0 [lol]\n" + laughs).encode(),
        "alias bomb",
    )
    yield Case(
        "structure", "billion-laughs-in-stack", _with("  l0: &l0 [lol]\n" + laughs), "alias bomb"
    )
    yield Case(
        "structure",
        "alias-bomb-merge",
        _with(
            "  m0: &m0 {a: 1, b: 2}\n"
            + "".join(
                f"  m{i}: &m{i} {{{', '.join(f'k{j}: *m{i - 1}' for j in range(9))}}}\n"
                for i in range(1, 10)
            )
        ),
        "alias bomb",
    )
    big = "x" * 60_000
    yield Case(
        "structure",
        "string-alias-bomb",
        _with(f"  s: &s {big}\n  t: [{', '.join(['*s'] * 100)}]\n"),
        "characters of values",
    )
    yield Case(
        "structure",
        "merge-keys",
        _with(
            "  backend-storage:tags2: &t {a: 1}\n  backend-storage:tags3:\n    <<: *t\n    b: 2\n"
        ),
    )
    yield Case("structure", "bad-merge", _with("  y:\n    <<: 1\n"), "merge key")
    yield Case(
        "structure", "two-documents", BASE + b"---\nconfig: {}\n", "more than one YAML document"
    )
    yield Case("structure", "empty", b"", "top-level `config:` mapping")
    yield Case("structure", "only-comment", b"# nothing\n", "top-level `config:` mapping")
    yield Case("structure", "top-level-list", b"- config\n", "top-level `config:` mapping")
    yield Case("structure", "config-null", b"config:\n", "top-level `config:` mapping")
    yield Case("structure", "config-list", b"config: [1, 2]\n", "top-level `config:` mapping")
    yield Case("structure", "syntax-error", _with("  x: [\n"), "YAML syntax error")
    yield Case("structure", "tab-indent", _with("\tx: 1\n"), "YAML syntax error")
    yield Case(
        "structure",
        "many-values",
        _with("  x: [" + ",".join(["1"] * 120_000) + "]\n"),
        "values once aliases are expanded",
        committed=False,
    )
    yield Case("structure", "long-line", _with("  x: " + "a" * 500_000 + "\n"), committed=False)
    yield Case(
        "structure",
        "too-big-2MiB",
        _with("  x: " + "a" * (2 << 20) + "\n"),
        "larger than",
        committed=False,
    )
    yield Case(
        "structure",
        "too-big-10MB",
        _with("  x:\n" + "    - aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" * 250_000),
        "larger than",
        committed=False,
    )
    yield Case(
        "structure",
        "secure-with-template",
        _replace(
            "backend-storage:owner: platform-team",
            'backend-storage:owner:\n    secure: "{{ 1/0 }}"',
        ),
    )


TEMPLATE_PAYLOADS: dict[str, tuple[str, str | None]] = {
    "range-1e9": ("{{ range(10**9)|list }}", "range()"),
    "range-loop-1e9": ("{% for i in range(10**9) %}{% endfor %}", "range()"),
    "nested-range-loops": (
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        "longer than",
    ),
    "include": ("{% include 'x' %}", "not allowed"),
    "import": ("{% import 'x' as y %}", "not allowed"),
    "from-import": ("{% from 'x' import y %}", "not allowed"),
    "extends": ("{% extends 'x' %}", "not allowed"),
    "self-recursive-macro": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recurses"),
    "exponential-macro": (
        "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
        "longer than",
    ),
    "zero-division": ("{{ 1/0 }}", "division by zero"),
    "huge-power": ("{{ 10**100000 }}", "bits"),
    "string-times-1e9": ("{{ 'a' * 10**9 }}", "exceed"),
    "center-1e9": ("{{ 'a'|center(10**9) }}", "exceed"),
    "percent-width": ("{{ '%999999999s' % 'a' }}", "width"),
    "format-filter-width": ("{{ '%999999999s'|format('a') }}", "width"),
    "format-method-width": ("{{ '{:>999999999}'.format(1) }}", "width"),
    "ljust-1e9": ("{{ 'x'.ljust(10**9) }}", "exceed"),
    "to-bytes": ("{{ (1).to_bytes(10**9, 'big') }}", "not allowed"),
    "nested-list-bomb": (
        "{% set a = ['x'*99999] %}{% set b = [a,a,a,a,a,a,a,a] %}{{ [b,b,b,b,b,b,b,b] }}",
        "exceed",
    ),
    "list-times-list": ("{% set a = [1]*50000 %}{{ [a]*50000 }}", "exceed"),
    "replace-amplify": ("{{ ('a'*50000)|replace('', 'b'*50000) }}", "exceed"),
    "join-amplify": ("{{ range(10000)|map('string')|join('x'*1000) }}", "exceed"),
    "batch-fill": ("{{ [1]|batch(10**9, 'x')|list }}", "batches"),
    "slice-many": ("{{ [1]|slice(10**9)|list }}", "slices"),
    "indent-amplify": ("{{ 'a\\nb'|indent(10**9) }}", "exceed"),
    "wordwrap-amplify": ("{{ ('a'*1000)|wordwrap(1, wrapstring='x'*10000) }}", "exceed"),
    "tilde-amplify": ("{% set s = 'x'*99000 %}{{ s ~ s ~ s }}", "exceed"),
    "star-width": ("{{ '%*d' % (10**9, 1) }}", "not allowed"),
    "class-escape": ("{{ ''.__class__.__mro__ }}", "Python internals"),
    "globals-escape": ("{{ cycler.__init__.__globals__ }}", "Python internals"),
    "list-append": ("{{ [].append(1) }}", "Python internals"),
    "lipsum": ("{{ lipsum(10**6) }}", "undefined"),
    "namespace": ("{% set ns = namespace(s='a') %}{{ ns.s }}", "undefined"),
    "recursive-loop": ("{% for x in [1] recursive %}{{ loop([]) }}{% endfor %}", "recursive"),
    "syntax-error": ("{{ {% }}", "syntax error"),
    "float-overflow": ("{{ 10.0 ** 10000 }}", "OverflowError"),
    "int-to-huge-str": ("{{ ('9'*5000)|int }}", None),  # Jinja's `int` falls back to 0
    "expandtabs": ("{{ 'a\\tb'.expandtabs(10**9) }}", "exceed"),
    "bytes-replace": (
        "{{ ('a'*50000).encode().replace(''.encode(), ('x'*50000).encode()) }}",
        "exceed",
    ),
    "tojson-indent": ("{{ {'a': [1]}|tojson(indent=10**9) }}", "indent"),
    "percent-amplify": ("{{ ('%(a)s' * 10000) % {'a': 'x'*50000} }}", "exceed"),
    "format-amplify": ("{{ ('{0}' * 30000).format('x'*50000) }}", "exceed"),
    "format-map-amplify": ("{{ ('{a}' * 30000).format_map({'a': 'x'*50000}) }}", "exceed"),
    "lazy-map-center": ("{{ range(10000)|map('string')|map('center', 99999)|list }}", "in total"),
    "macro-in-loop": (
        "{% macro m() %}{{ 'x'|center(99999) }}{% endmacro %}"
        "{% for i in range(10000) %}{% set a = m() %}{% endfor %}",
        "in total",
    ),
    "format-filter-amplify": ("{{ ('%s' * 30000)|format(*(['x'*3]*30000)) }}", None),
}
"""Abusive templates and what the loader's error must say about each (None: may load)."""


def template_cases() -> Iterator[Case]:
    for name, (payload, contains) in TEMPLATE_PAYLOADS.items():
        yield Case("templates", name, _template(payload), contains)
    yield Case("templates", "fine", _template("{{ project }}-{{ env }}-{{ range(3)|join(',') }}"))


def cases() -> list[Case]:
    """Every case of every class, in a stable order."""
    out: list[Case] = []
    for make in (
        encoding_cases,
        control_cases,
        key_cases,
        tag_cases,
        date_cases,
        structure_cases,
        template_cases,
    ):
        out.extend(make())
    return out


FILESYSTEM = {  # links and directories, made by `write`
    "symlink-loop.yaml": "cannot read the file",
    "dangling-symlink.yaml": "cannot read the file",
    "directory.yaml": "is a directory",
    "not-a-directory.yaml/Pulumi.x.yaml": "cannot read the file",
}


def write(root: Path = CORPUS) -> dict[str, dict[str, str | None]]:
    """Rewrite the corpus under `root`; return (and write) its manifest."""
    if root.exists():
        shutil.rmtree(root)
    manifest: dict[str, dict[str, str | None]] = {}
    for case in cases():
        if not case.committed:
            continue
        path = root / case.group / f"{case.name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.data)
        manifest[f"{case.group}/{case.name}.yaml"] = {"contains": case.contains}
    fs = root / "filesystem"
    fs.mkdir(parents=True)
    os.symlink("symlink-loop.yaml", fs / "symlink-loop.yaml")
    os.symlink("missing.yaml", fs / "dangling-symlink.yaml")
    (fs / "directory.yaml").mkdir()
    (fs / "directory.yaml" / "README").write_text("a directory named like a stack file\n")
    (fs / "not-a-directory.yaml").write_bytes(BASE)
    for name, contains in FILESYSTEM.items():
        manifest[f"filesystem/{name}"] = {"contains": contains}
    (root / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


if __name__ == "__main__":
    written = write()
    print(f"wrote {len(written)} cases under {CORPUS.relative_to(REPO)}")
