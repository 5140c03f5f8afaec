"""Test support: a moto server that models the root user, and helpers to drive it."""
