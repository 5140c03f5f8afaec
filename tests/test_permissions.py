"""The IAM permissions: the README's policy, the code's list, and the calls really made."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from moto import settings

from rootkeys.aws import (
    ACCOUNT_ACTIONS,
    ORGANIZATION_ACTIONS,
    ReportWait,
    evaluate_account,
    read_root_management,
)
from rootkeys.decision import Status
from tests.support.moto_root import RootModel
from tests.support.server import ACCOUNT, MotoServer

README = Path(__file__).parents[1] / "README.md"
DECLARED = [*ACCOUNT_ACTIONS, *ORGANIZATION_ACTIONS]
WAIT = ReportWait(timeout=2.0, first_pause=0.05, max_pause=0.2)
KEY_1 = "The root user has 1 access key: key 1 is active, last rotated 2024-01-02, no recorded use."


def readme_policy() -> dict[str, Any]:
    """The one ```json block of the README, parsed."""
    [block] = re.findall(r"^```json\n(.*?)^```", README.read_text("utf-8"), re.M | re.S)
    policy: dict[str, Any] = json.loads(block)
    return policy


def policy_actions(policy: dict[str, Any]) -> list[str]:
    return [action for statement in policy["Statement"] for action in statement["Action"]]


def client_as_policy_user(moto: MotoServer, policy: dict[str, Any]) -> Any:
    """An IAM client of a user allowed only ``policy``; policy enforcement turned on."""
    admin = moto.client("iam")
    admin.create_user(UserName="scanner")
    document = json.dumps(policy)
    admin.put_user_policy(UserName="scanner", PolicyName="readme", PolicyDocument=document)
    key = admin.create_access_key(UserName="scanner")["AccessKey"]
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    return moto.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def record_calls(client: Any) -> list[str]:
    """The IAM actions this client sends, in order, recorded by botocore's own events."""
    calls: list[str] = []

    def record(model: Any, **kwargs: Any) -> None:
        calls.append(f"iam:{model.name}")

    client.meta.events.register("before-call.iam", record)
    return calls


def scan(client: Any) -> Any:
    """What the Prowler adapter does with the scan's client."""
    return evaluate_account(
        client, ACCOUNT, "aws", wait=WAIT, root_management=read_root_management(client)
    )


def test_readme_policy_lists_exactly_the_declared_actions() -> None:
    policy = readme_policy()

    assert policy_actions(policy) == DECLARED
    assert [statement["Effect"] for statement in policy["Statement"]] == ["Allow"]
    assert [statement["Resource"] for statement in policy["Statement"]] == ["*"]


@pytest.mark.parametrize(
    "refuse_generate",
    [pytest.param(False, id="report-generated"), pytest.param(True, id="generate-refused")],
)
def test_evaluation_calls_only_declared_actions(
    moto: MotoServer, root: RootModel, refuse_generate: bool
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    if refuse_generate:
        root.fail("generate_credential_report", "AccessDenied")
    client = moto.client("iam")
    calls = record_calls(client)

    result = scan(client)

    assert result.verdict.status is Status.FAIL
    assert sorted(set(calls)) == sorted(DECLARED)


def test_readme_policy_alone_gives_full_finding(moto: MotoServer, root: RootModel) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.features = ["RootCredentialsManagement"]
    client = client_as_policy_user(moto, readme_policy())

    result = scan(client)

    assert result.verdict.status is Status.FAIL
    assert result.verdict.status_extended == KEY_1
    assert result.root_management is True


def test_readme_policy_without_optional_action_still_decides(
    moto: MotoServer, root: RootModel
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    policy = readme_policy()
    policy["Statement"][0]["Action"] = list(ACCOUNT_ACTIONS)
    client = client_as_policy_user(moto, policy)

    result = scan(client)

    assert result.verdict.status_extended == KEY_1
    assert result.root_management is None
