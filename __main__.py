"""The Pulumi program: load this stack's spec, build the environment, export its outputs."""

from pathlib import Path

import pulumi

from components.environment import StorageEnvironment
from stackspec import SpecError, load_runtime_config
from stackspec.runtime import current_config

STACKS = Path(__file__).resolve().parent / "stacks"


def main() -> None:
    """Entry point run by `pulumi up` (and by `storagectl plan` under the SDK's mocks)."""
    stack = pulumi.get_stack()
    try:
        spec = load_runtime_config(
            current_config(), pulumi.get_project(), stack, STACKS / f"Pulumi.{stack}.yaml"
        )
    except SpecError as exc:
        for problem in exc.problems:
            pulumi.log.error(str(problem))
        raise pulumi.RunError(
            f"stack {stack}: {len(exc.problems)} configuration problem(s), listed above"
        ) from None
    environment = StorageEnvironment(spec)
    for key, value in environment.outputs().items():
        pulumi.export(key, value)


main()
