"""The post-deploy suite: one pytest test per check, parametrized from the run's facts.

Each test is a check, `def test_<subject>_<expectation>(target, ctx) -> Verdict`: the
target it is parametrized over and the run's :class:`~storagectl.verify.context.Context`.
Run only through :func:`storagectl.verify.runner.run_verify`, whose plugin starts every
check concurrently once collection is done and reports each verdict as its test's result.
"""
