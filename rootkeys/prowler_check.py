"""The Prowler adapter: runs the rootkeys engine inside a Prowler scan.

It uses the scan's own boto3 session (and so Prowler's retry and timeout settings) and
makes only the calls the decision needs; Prowler's IAM service, which lists every user,
role and policy, is never loaded. Settings come from the ``aws`` section of the file
that ``prowler --config-file`` loads:

* ``root_access_key_inactive_keys_pass`` (default false): inactive root keys pass;
* ``root_access_key_report_wait_seconds`` (default 60): how long to wait for the
  credential report.
"""

from __future__ import annotations

import logging
from typing import Any

from prowler.lib.check.models import Check, Check_Report_AWS
from prowler.providers.common.provider import Provider

from rootkeys.aws import ReportWait, evaluate_account, read_root_management
from rootkeys.catalog import control
from rootkeys.decision import Options, Status
from rootkeys.results import ROOT_RESOURCE_NAME, AccountResult, could_not_evaluate, iam_region

log = logging.getLogger(__name__)


INACTIVE_PASS = "root_access_key_inactive_keys_pass"
REPORT_WAIT = "root_access_key_report_wait_seconds"


class ConfigError(ValueError):
    """A setting of this check in Prowler's config file has a value it cannot use."""


def options_from_config(config: dict[str, Any] | None) -> tuple[Options, ReportWait]:
    """Read this check's settings from Prowler's audit config; refuse odd values."""
    config = config or {}
    inactive_pass = config.get(INACTIVE_PASS, False)
    if not isinstance(inactive_pass, bool):
        raise ConfigError(f"{INACTIVE_PASS} must be true or false, not {inactive_pass!r}")

    wait = config.get(REPORT_WAIT, ReportWait.timeout)
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not 0 < wait <= 3600:
        raise ConfigError(f"{REPORT_WAIT} must be a number of seconds from 1 to 3600, not {wait!r}")
    return Options(inactive_keys_pass=inactive_pass), ReportWait(timeout=float(wait))


class RootAccessKeyCheck(Check):
    """Base of ``iam_root_access_key_absent``; Prowler wants the subclass to carry the name."""

    def execute(self) -> list[Check_Report_AWS]:
        provider = Provider.get_global_provider()
        account_id = provider.identity.account
        partition = provider.identity.partition
        # The partition's IAM region, the same one `rootkeys scan` files findings under.
        region = iam_region(partition)

        try:
            result = self._evaluate(provider, account_id, partition, region)
        except ConfigError as error:
            log.error("account %s: check not run: %s", account_id, error)
            reason = f"Prowler's config file is invalid for this check: {error}"
            result = AccountResult(account_id, partition, could_not_evaluate(reason))
        except Exception as error:  # noqa: BLE001 - Prowler drops the finding of a raising check
            log.error("account %s: check failed: %s", account_id, type(error).__name__)
            reason = f"the check failed with {type(error).__name__}"
            result = AccountResult(account_id, partition, could_not_evaluate(reason))

        return [self.to_report(result, region)]

    def _evaluate(
        self, provider: Any, account_id: str, partition: str, region: str
    ) -> AccountResult:
        options, wait = options_from_config(provider.audit_config)
        iam = provider.session.current_session.client("iam", region_name=region)
        root_management = read_root_management(iam)
        return evaluate_account(iam, account_id, partition, options, wait, root_management)

    def to_report(self, result: AccountResult, region: str) -> Check_Report_AWS:
        """One Prowler finding for one account."""
        report = Check_Report_AWS(metadata=self.metadata(), resource=_resource(result))
        report.status = result.verdict.status.value
        report.status_extended = result.verdict.status_extended
        report.resource_id = ROOT_RESOURCE_NAME
        report.resource_arn = result.resource_arn
        report.region = region

        if result.root_management and result.verdict.status is Status.FAIL:
            centralized = control()["remediation_centralized"]
            report.check_metadata.Remediation.Recommendation.Text = centralized
        return report


def _resource(result: AccountResult) -> dict[str, Any]:
    keys = [
        {"slot": key.slot, "active": key.active, "last_used_service": key.last_used_service}
        for key in result.verdict.keys
    ]
    return {
        "account_id": result.account_id,
        "arn": result.resource_arn,
        "root_credentials_management": result.root_management,
        "access_keys": keys,
    }
