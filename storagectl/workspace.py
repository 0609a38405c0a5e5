"""Where things are: the Pulumi program directory, its stack files, their names."""

from __future__ import annotations

from pathlib import Path


def find_program(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (default: cwd) with a Pulumi.yaml.

    Falls back to the directory this package was installed from, so `storagectl plan dev`
    works from any subdirectory of the repository.
    """
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").exists():
            return candidate
    bundled = Path(__file__).resolve().parents[1]
    if (bundled / "Pulumi.yaml").exists():
        return bundled
    raise _program_error(
        "no Pulumi.yaml here or above: run from the repository, or pass --program DIR"
    )


def stack_dir(program_dir: Path) -> Path:
    """`stackConfigDir` of the project (Pulumi's default: the program directory)."""
    import yaml  # ~10 ms that `storagectl --help`, which imports this module, never needs

    try:
        data = yaml.safe_load((program_dir / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    configured = data.get("stackConfigDir") if isinstance(data, dict) else None
    return program_dir / configured if isinstance(configured, str) else program_dir


def stack_path(program_dir: Path, stack: str) -> Path:
    """Where the stack file of `stack` is (or would be): `<stackConfigDir>/Pulumi.<stack>.yaml`."""
    return stack_dir(program_dir) / f"Pulumi.{stack}.yaml"


def stack_file(program_dir: Path, stack: str) -> Path:
    """The stack file of `stack`; ProgramError listing the known stacks when it is missing."""
    path = stack_path(program_dir, stack)
    if not path.exists():
        known = ", ".join(stacks(program_dir)) or "none"
        raise _program_error(f"{path}: no such stack file (known stacks: {known})")
    return path


def stacks(program_dir: Path) -> list[str]:
    """Names of the stacks that have a stack file, sorted."""
    return sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in stack_dir(program_dir).glob("Pulumi.*.yaml")
    )


def _program_error(message: str) -> Exception:
    # The engine imports the Pulumi SDK (~0.3 s): `validate` and `verify` look for the
    # program too, and only pay for the engine's ProgramError when there is one to raise.
    from .engine import ProgramError

    return ProgramError(message)
