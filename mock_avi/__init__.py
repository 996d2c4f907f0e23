"""mock_avi: a stateful mock of the Avi controller REST API that ``avisdk`` works against.

Independent of ``simulator`` and ``mock_k8s``: it must never import either.
"""
