"""Post-deploy verification: `storagectl verify ENV --outputs FILE`.

The stack outputs (and the stack spec's expectations) become *facts*; a pytest/testinfra
suite shipped in :mod:`storagectl.verify.suite` is parametrized from them and calls small
check modules (one per protocol or AWS service) that each return a :class:`Verdict`.
:func:`storagectl.verify.runner.run_verify` runs the suite and prints one line per check.
"""
