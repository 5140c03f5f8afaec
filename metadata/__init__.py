"""The control's CIS metadata, kept once in ``iam_root_access_key_absent.toml``.

This folder is installed as the package ``rootkeys.control`` so the command line and the
Prowler check read the same file at run time.
"""
