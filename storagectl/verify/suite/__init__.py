"""The post-deploy suite: pytest/testinfra tests parametrized from the run's facts.

Run only through :func:`storagectl.verify.runner.run_verify`, which registers the facts
plugin; one file per subject, one assertion per test.
"""
