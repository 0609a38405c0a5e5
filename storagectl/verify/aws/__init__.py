"""Control-plane checks: one module per AWS service, each returning Verdicts."""
