"""ako-sim's test suite: unit, integration and contract tests."""
