"""Small builders shared by the mock_k8s contract tests."""

from __future__ import annotations

from typing import Any


def lb_service(name: str, *, port: int = 80, protocol: str = "TCP", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "type": "LoadBalancer",
            "ports": [{"port": port, "protocol": protocol, "targetPort": 8080}],
            "selector": {"app": name},
            **spec,
        },
    }
