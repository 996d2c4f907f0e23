"""The reconciliation engine: informers, work queue, reconciler, Avi cache, status and endpoint.

It reaches Kubernetes and the Avi controller only through ``simulator.adapters`` (over HTTP);
it never imports the mocks.
"""
