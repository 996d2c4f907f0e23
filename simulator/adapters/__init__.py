"""Transports to the outside world: the Kubernetes API (``kube``) and the Avi controller (``avi``).

Adapters speak HTTP through the official clients and map failures to small error hierarchies;
they hold no reconcile logic and never retry or sleep on their own.
"""
