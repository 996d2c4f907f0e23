"""The Service types pools can point at (AKO's ``serviceType``): ``ClusterIP`` (endpoint
addresses) or ``NodePort`` (node addresses and node ports).

Its own module so that the command line can offer the choice without importing the domain
model (the mock commands never need it). No I/O.
"""

from __future__ import annotations

SERVICE_TYPES = ("ClusterIP", "NodePort")
