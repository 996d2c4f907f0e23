"""Contract tests: the real kubernetes client and kubectl against mock_k8s."""
