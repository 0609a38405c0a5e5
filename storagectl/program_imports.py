"""The Pulumi SDK modules a program's own source names, found by reading it, not running it.

`plan --all` imports them into the driver before it forks one worker per stack
(storagectl/plan_all.py), so the provider SDKs' lazily loaded modules (`pulumi_aws.s3`,
`.rds`, ...: about 1.4 s for this project's program) load once, not once per stack.

The source is read from `__main__.py` through the program's own modules (files under the
program directory that it imports, transitively). A guess is harmless either way: a module
missed here is imported by the program's run as before, one named but unused costs its
import, and nothing is imported here that the program does not name.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

_MAX_FILES = 500
"""Read no more of a program than this (a program that vendors a lot gets a partial guess)."""
_SDK = re.compile(r"pulumi(_[a-z0-9_]+)?")
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^#\n;]+)", re.MULTILINE)
_FROM = re.compile(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^#\n;]+)", re.MULTILINE
)
_NAME = re.compile(r"[A-Za-z_]\w*")


def sdk_modules(program_dir: Path) -> list[str]:
    """`pulumi_<provider>` packages and their modules (two levels deep) the source uses.

    E.g. `import pulumi_aws as aws` and `aws.s3.BucketV2(...)` give `pulumi_aws` and
    `pulumi_aws.s3`; `k8s.core.v1.Secret` gives `pulumi_kubernetes.core.v1`. Only names
    that exist in the installed SDK are returned.
    """
    program_dir = program_dir.resolve()
    found: set[str] = set()
    for path in _program_files(program_dir):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found |= _named_in(text)
    return sorted(name for name in found if _exists(name))


def _named_in(text: str) -> set[str]:
    """SDK modules one source file names: imports, and attributes of imported packages."""
    aliases: dict[str, str] = {}
    named: set[str] = set()
    for match in _IMPORT.finditer(text):
        for part in match.group(1).split(","):
            words = part.split()
            if not words or not _SDK.fullmatch(words[0].split(".")[0]):
                continue
            dotted = words[0].split(".")
            named.add(".".join(dotted[:2]))
            if len(words) == 3 and words[1] == "as":
                aliases[words[2]] = ".".join(dotted[:2])
            else:
                aliases[dotted[0]] = dotted[0]
    for match in _FROM.finditer(text):
        dotted = match.group(1).split(".")
        if not _SDK.fullmatch(dotted[0]):
            continue
        named.add(".".join(dotted[:2]))
        if len(dotted) == 1:
            # `from pulumi_aws import s3, rds as r`: s3 and rds may be modules.
            for part in match.group(2).strip("()").split(","):
                words = part.split()
                if words and _NAME.fullmatch(words[0]):
                    named.add(f"{dotted[0]}.{words[0]}")
                    aliases[words[-1]] = f"{dotted[0]}.{words[0]}"
    for alias, module in aliases.items():
        # `aws.s3.BucketV2`, `k8s.core.v1.ServiceAccount`: modules are at most two levels
        # below the package; what does not exist as a module is dropped by `_exists`.
        pattern = rf"(?<![\w.]){re.escape(alias)}((?:\.[A-Za-z_]\w*){{1,2}})"
        for chain in re.findall(pattern, text):
            parts = chain.lstrip(".").split(".")
            depth = len(module.split("."))
            for end in range(1, len(parts) + 1):
                if depth + end <= 3:
                    named.add(".".join([module, *parts[:end]]))
    return named


def _exists(name: str) -> bool:
    """Whether `name` is an installed package, or a module file/directory of one."""
    package, *modules = name.split(".")
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    if not modules:
        return True
    for location in spec.submodule_search_locations or []:
        base = Path(location).joinpath(*modules)
        if (base / "__init__.py").is_file() or base.with_suffix(".py").is_file():
            return True
    return False


def _program_files(program_dir: Path) -> list[Path]:
    """`__main__.py` and the program's own modules it imports, transitively."""
    start = program_dir / "__main__.py"
    if not start.is_file():
        return []
    seen: list[Path] = []
    queue = [start]
    while queue and len(seen) < _MAX_FILES:
        path = queue.pop()
        if path in seen:
            continue
        seen.append(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        queue += [p for p in _local_imports(text, path, program_dir) if p not in seen]
    return seen


def _local_imports(text: str, path: Path, program_dir: Path) -> list[Path]:
    """Files under `program_dir` that the imports of `path` load (packages' `__init__` too)."""
    modules: list[list[str]] = []
    for match in _IMPORT.finditer(text):
        modules += [
            part.split()[0].split(".") for part in match.group(1).split(",") if part.split()
        ]
    for match in _FROM.finditer(text):
        source = match.group(1)
        dots = len(source) - len(source.lstrip("."))
        if dots:
            # Relative to the importing file's package.
            base = path.parent
            for _ in range(dots - 1):
                base = base.parent
            try:
                prefix = list(base.relative_to(program_dir).parts)
            except ValueError:
                continue
        else:
            prefix = []
        dotted = prefix + [p for p in source.lstrip(".").split(".") if p]
        names = [p.split()[0] for p in match.group(2).strip("()").split(",") if p.split()]
        modules.append(dotted)
        modules += [[*dotted, name] for name in names if _NAME.fullmatch(name)]
    files: list[Path] = []
    for dotted in modules:
        for depth in range(1, len(dotted) + 1):
            base = program_dir.joinpath(*dotted[:depth])
            for candidate in (base / "__init__.py", base.with_suffix(".py")):
                if candidate.is_file():
                    files.append(candidate)
    return files
