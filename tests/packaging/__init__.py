"""Tests of the distribution as pip installs it: the built wheel, not the checkout."""
