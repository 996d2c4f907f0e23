"""mock_k8s: a fake Kubernetes API server that ``kubectl`` and the ``kubernetes`` client use.

Independent of ``simulator`` and ``mock_avi``: it must never import either.
"""
