"""Drivers the step modules use: Kubernetes (client and real kubectl), the mock Avi controller,
the engine, and helpers to parse and compare tables. Drivers hold no scenario state of their own
beyond what their constructor is given; they never assert on behalf of a step unless their
method name says ``expect``/``assert``.
"""
