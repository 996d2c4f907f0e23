"""Support code of the BDD kit that any test suite may use too: polling without fixed sleeps
(:mod:`.wait`) and the embedded stack as pytest fixtures (:mod:`.stack`).

It ships in the wheel with the steps (``ako-sim run`` needs it without a checkout); the product
(``simulator``, the mocks) never imports it.
"""
