"""Root conftest: registers the BDD step modules and the shared fixtures as plugins."""
