"""Compliance files that map iam_root_access_key_absent for Prowler (``prowler.compliance``).

Generated from ``metadata/`` by ``python -m rootkeys.generate``; do not edit by hand.
"""
