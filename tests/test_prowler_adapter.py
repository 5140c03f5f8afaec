"""The Prowler adapter in this process: the real check class, a stand-in provider.

The provider carries only what the check reads from Prowler's global provider: the
identity, the audit config, and a session whose clients reach the moto server. Faults
are injected at the session or at the API, never by patching rootkeys.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from prowler.lib.check.models import Check_Report_AWS
from prowler.providers.aws.aws_provider import AwsProvider
from prowler.providers.common.provider import Provider

from rootkeys.catalog import CHECK_ID, control
from rootkeys.prowler_check import RootAccessKeyCheck
from tests.support.moto_root import RootModel
from tests.support.server import ACCOUNT, MotoServer

CHECK_MODULE = f"rootkeys.plugin.services.iam.{CHECK_ID}.{CHECK_ID}"
KEY_1_ACTIVE = (
    "The root user has 1 access key: key 1 is active, last rotated 2024-01-02, no recorded use."
)
COULD_NOT = "Could not evaluate the root user's access keys: "


class StandInProvider:
    """What the check reads of Prowler's AWS provider, and nothing more."""

    type = "aws"
    # Prowler's own rule for the scan's global region, so a test sees what a scan sees.
    get_global_region = AwsProvider.get_global_region

    def __init__(self, session: Any, partition: str, audit_config: dict[str, Any]) -> None:
        self._identity = SimpleNamespace(account=ACCOUNT, partition=partition)
        self.identity = self._identity
        self.session = SimpleNamespace(current_session=session)
        self.audit_config = audit_config


class NoClientSession:
    """A session that cannot build any client, as with a broken botocore install."""

    def client(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no client for you")


@pytest.fixture
def aws_env(moto: MotoServer, home: Path, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """Every client built in this test reaches the moto server and reads no user config."""
    for name, value in moto.env(home).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    return moto


@pytest.fixture
def use_provider() -> Iterator[Any]:
    """Install a provider as Prowler's global one for the test, then put back the old one."""
    before = Provider._global

    def install(provider: Any) -> None:
        Provider.set_global_provider(provider)

    yield install
    Provider.set_global_provider(before)


@pytest.fixture
def check() -> RootAccessKeyCheck:
    module = importlib.import_module(CHECK_MODULE)
    instance: RootAccessKeyCheck = getattr(module, CHECK_ID)()
    return instance


def moto_session() -> boto3.Session:
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")


def run_check(
    check: RootAccessKeyCheck,
    use_provider: Any,
    partition: str = "aws",
    audit_config: dict[str, Any] | None = None,
    session: Any = None,
) -> Check_Report_AWS:
    """Run the check once and return its only report."""
    provider = StandInProvider(session or moto_session(), partition, audit_config or {})
    use_provider(provider)

    reports = check.execute()

    assert len(reports) == 1
    return reports[0]


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("partition", "region"),
    [
        pytest.param("aws", "us-east-1", id="commercial"),
        pytest.param("aws-us-gov", "us-gov-west-1", id="govcloud"),
        pytest.param("aws-cn", "cn-north-1", id="china"),
    ],
)
def test_partition_root_key_fails_with_partition_arn_and_iam_region(
    check: RootAccessKeyCheck, use_provider: Any, root: RootModel, partition: str, region: str
) -> None:
    root.add_key(ACCOUNT, 1, active=True)

    report = run_check(check, use_provider, partition)

    assert report.status == "FAIL"
    assert report.status_extended == KEY_1_ACTIVE
    assert report.resource_arn == f"arn:{partition}:iam::{ACCOUNT}:root"
    assert report.resource_id == "<root_account>"
    assert report.region == region
    assert report.check_metadata.CheckID == CHECK_ID


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("features", "remediation_key"),
    [
        pytest.param([], "recommendation", id="not-centralized"),
        pytest.param(["RootCredentialsManagement"], "remediation_centralized", id="centralized"),
    ],
)
def test_root_key_fail_remediation_follows_central_root_management(
    check: RootAccessKeyCheck,
    use_provider: Any,
    root: RootModel,
    features: list[str],
    remediation_key: str,
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.features = features

    report = run_check(check, use_provider)

    assert report.status == "FAIL"
    assert report.status_extended == KEY_1_ACTIVE
    assert report.check_metadata.Remediation.Recommendation.Text == control()[remediation_key]
    assert report.resource["root_credentials_management"] is bool(features)


@pytest.mark.usefixtures("aws_env")
def test_no_root_key_with_central_management_keeps_default_remediation(
    check: RootAccessKeyCheck, use_provider: Any, root: RootModel
) -> None:
    root.features = ["RootCredentialsManagement"]

    report = run_check(check, use_provider)

    assert report.status == "PASS"
    assert report.status_extended == (
        "The root user has no access keys, according to the account summary."
    )
    assert report.check_metadata.Remediation.Recommendation.Text == control()["recommendation"]


@pytest.mark.usefixtures("aws_env")
def test_inactive_keys_pass_audit_config_passes_inactive_key(
    check: RootAccessKeyCheck, use_provider: Any, root: RootModel
) -> None:
    root.add_key(ACCOUNT, 2, active=False)
    config = {"root_access_key_inactive_keys_pass": True}

    report = run_check(check, use_provider, audit_config=config)

    assert report.status == "PASS"
    assert report.status_extended == (
        "The root user has 1 access key, all inactive, which this scan's configuration "
        "accepts: key 2 is inactive, last rotated 2024-01-02, no recorded use."
    )


def _raise_at_the_api(**kwargs: Any) -> None:
    raise RuntimeError("the API answered in a way nobody planned for")


def call_raises() -> boto3.Session:
    """A real session whose GetAccountSummary raises an error botocore never raises."""
    session = moto_session()
    session.events.register("before-call.iam.GetAccountSummary", _raise_at_the_api)
    return session


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("make_session", "audit_config", "message", "logged"),
    [
        pytest.param(
            NoClientSession, {}, "the check failed with RuntimeError",
            f"account {ACCOUNT}: check failed: RuntimeError", id="session-builds-no-client",
        ),
        pytest.param(
            moto_session, {"root_access_key_report_wait_seconds": "soon"},
            "Prowler's config file is invalid for this check: "
            "root_access_key_report_wait_seconds must be a number of seconds from 1 to 3600, "
            "not 'soon'",
            f"account {ACCOUNT}: check not run: root_access_key_report_wait_seconds must be a "
            "number of seconds from 1 to 3600, not 'soon'",
            id="wait-setting-not-a-number",
        ),
        pytest.param(
            moto_session, {"root_access_key_inactive_keys_pass": "no"},
            "Prowler's config file is invalid for this check: "
            "root_access_key_inactive_keys_pass must be true or false, not 'no'",
            f"account {ACCOUNT}: check not run: root_access_key_inactive_keys_pass must be "
            "true or false, not 'no'",
            id="inactive-setting-a-string",
        ),
        pytest.param(
            call_raises, {}, "reading the evidence failed with RuntimeError",
            f"account {ACCOUNT}: reading the evidence failed: RuntimeError", id="call-raises",
        ),
    ],
)
def test_unexpected_error_gives_exactly_one_manual_report(
    check: RootAccessKeyCheck,
    use_provider: Any,
    root: RootModel,
    caplog: pytest.LogCaptureFixture,
    make_session: Any,
    audit_config: dict[str, Any],
    message: str,
    logged: str,
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    caplog.set_level(logging.ERROR, logger="rootkeys")

    report = run_check(check, use_provider, audit_config=audit_config, session=make_session())

    assert report.status == "MANUAL"
    assert report.status_extended == f"{COULD_NOT}{message}."
    assert report.resource_arn == f"arn:aws:iam::{ACCOUNT}:root"
    assert report.resource_id == "<root_account>"
    assert report.region == "us-east-1"
    assert [record.getMessage() for record in caplog.records] == [logged]
