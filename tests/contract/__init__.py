"""Contract tests: the real clients (avisdk, kubernetes, kubectl) against the mocks."""
