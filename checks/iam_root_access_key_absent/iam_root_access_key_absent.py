"""Prowler check: the root user has no access keys, active or inactive.

The logic lives in ``rootkeys``; Prowler requires the module, the class and the
metadata's CheckID to share this one name. This folder is installed as
``rootkeys.plugin.services.iam.iam_root_access_key_absent`` (Prowler 5.30 and later find
it through the ``prowler.checks.aws`` entry point) and also works with
``prowler aws --checks-folder checks`` on older Prowler.
"""

from rootkeys.prowler_check import RootAccessKeyCheck


class iam_root_access_key_absent(RootAccessKeyCheck):  # noqa: N801 - Prowler's naming rule
    """Fails when the root user has any access key."""
