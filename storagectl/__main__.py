"""`python -m storagectl`."""

from storagectl.cli import main

main()
