"""storagectl/program_imports.py: the SDK modules a program's source names, without running it."""

from __future__ import annotations

from pathlib import Path

from storagectl.program_imports import sdk_modules
from tests.plans import REPO


def _program(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_modules_used_through_an_alias_in_an_imported_module_are_found(tmp_path: Path) -> None:
    program = _program(
        tmp_path,
        {
            "__main__.py": "from lib.store import make\nmake()\n",
            "lib/__init__.py": "",
            "lib/store.py": "import pulumi_aws as aws\n\ndef make():\n    aws.s3.BucketV2('b')\n",
        },
    )
    assert sdk_modules(program) == ["pulumi_aws", "pulumi_aws.s3"]


def test_modules_of_files_the_program_does_not_import_are_left_out(tmp_path: Path) -> None:
    program = _program(
        tmp_path,
        {
            "__main__.py": "import pulumi_aws as aws\naws.kms.Key('k')\n",
            "tests/test_x.py": "import pulumi_aws as aws\naws.ec2.Vpc('v')\n",
        },
    )
    assert sdk_modules(program) == ["pulumi_aws", "pulumi_aws.kms"]


def test_attributes_that_are_not_modules_are_dropped(tmp_path: Path) -> None:
    program = _program(tmp_path, {"__main__.py": "import pulumi_aws as aws\naws.Provider('p')\n"})
    assert sdk_modules(program) == ["pulumi_aws"]


def test_from_imports_of_modules_are_found(tmp_path: Path) -> None:
    program = _program(tmp_path, {"__main__.py": "from pulumi_aws import rds, s3 as storage\n"})
    assert sdk_modules(program) == ["pulumi_aws", "pulumi_aws.rds", "pulumi_aws.s3"]


def test_this_program_names_its_second_level_kubernetes_module() -> None:
    assert "pulumi_kubernetes.core.v1" in sdk_modules(REPO)


def test_a_directory_without_a_program_names_nothing(tmp_path: Path) -> None:
    assert sdk_modules(tmp_path) == []
