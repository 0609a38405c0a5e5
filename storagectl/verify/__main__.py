"""`python -m storagectl.verify ENV --outputs FILE ...`: the verify command on its own."""

from __future__ import annotations

import typer

from storagectl.commands.verify import verify


def main() -> None:
    """Run the verify command as a stand-alone typer app."""
    typer.run(verify)


if __name__ == "__main__":
    main()
