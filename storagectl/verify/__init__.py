"""Post-deploy verification: `storagectl verify ENV --outputs FILE`.

The stack outputs (and the stack spec's expectations) become *facts*; a pytest suite
shipped in :mod:`storagectl.verify.suite` is parametrized from them and calls small check
modules (one per protocol or AWS service) that each return a :class:`Verdict`. The checks
run concurrently under one deadline for the whole run (:mod:`storagectl.verify.pool`);
:func:`storagectl.verify.runner.run_verify` redacts and prints one line per check.
"""
