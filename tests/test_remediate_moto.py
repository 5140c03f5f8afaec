"""The moto extension for ``rootkeys remediate``: ``sts:AssumeRoot`` and root sessions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.iam.aws_managed_policies import aws_managed_policies_data

from tests.support.moto_assume_root import (
    DELETE_ROOT_CREDENTIALS_ACTIONS,
    TASK_ACTIONS,
    RootSessions,
    install,
    root_key_id,
)
from tests.support.moto_root import RootModel
from tests.support.scan_run import make_organization
from tests.support.server import ACCOUNT, MotoServer

DELETE_TASK = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
USED = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


@pytest.fixture
def sessions(moto: MotoServer) -> Iterator[RootSessions]:
    issued = install()
    issued.reset()
    yield issued
    issued.reset()


@pytest.fixture
def member(moto: MotoServer, root: RootModel, sessions: RootSessions) -> str:
    """A member account whose root user has an active key (slot 1) and an inactive one."""
    [account] = make_organization(moto, 1)
    root.features = ["RootCredentialsManagement"]
    root.add_key(account, 1, active=True, last_used=USED, service="s3", region="eu-west-1")
    root.add_key(account, 2, active=False)
    return account


def root_client(moto: MotoServer, service: str, account: str, policy: str = DELETE_TASK) -> Any:
    credentials = moto.client("sts").assume_root(
        TargetPrincipal=account, TaskPolicyArn={"arn": policy}, DurationSeconds=900
    )["Credentials"]
    return boto3.client(
        service, endpoint_url=moto.url, region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def error_of(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.mark.parametrize("task", sorted(TASK_ACTIONS))
def test_task_actions_are_those_of_aws_managed_policy(task: str) -> None:
    policy = json.loads(aws_managed_policies_data)[task]

    [deny_others, *_] = policy["Document"]["Statement"]

    assert policy["Path"] == "/root-task/"
    assert (deny_others["Effect"], deny_others["Resource"]) == ("Deny", "*")
    assert set(deny_others["NotAction"]) == TASK_ACTIONS[task]


def test_every_root_task_policy_of_aws_is_modelled() -> None:
    policies = json.loads(aws_managed_policies_data)

    tasks = {name for name, policy in policies.items() if policy["Path"] == "/root-task/"}

    assert tasks == set(TASK_ACTIONS)
    assert "iam:UpdateAccessKey" not in DELETE_ROOT_CREDENTIALS_ACTIONS


def test_root_session_lists_keys_with_ids_and_last_use(moto: MotoServer, member: str) -> None:
    iam = root_client(moto, "iam", member)

    keys = iam.list_access_keys()["AccessKeyMetadata"]
    used = [iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"]) for k in keys]

    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [
        (f"AKIA{member}RK01", "Active"), (f"AKIA{member}RK02", "Inactive"),
    ]
    assert used[0]["AccessKeyLastUsed"] == {
        "LastUsedDate": USED, "ServiceName": "s3", "Region": "eu-west-1",
    }
    assert used[1]["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}


def test_root_session_deletes_one_key_and_summary_follows(
    moto: MotoServer, root: RootModel, member: str
) -> None:
    iam = root_client(moto, "iam", member)

    iam.delete_access_key(AccessKeyId=root_key_id(member, 1))

    assert [key.slot for key in root.keys[member]] == [2]
    iam.delete_access_key(AccessKeyId=root_key_id(member, 2))
    assert iam.list_access_keys()["AccessKeyMetadata"] == []
    assert root.count("delete_access_key", member) == 2


@pytest.mark.parametrize(
    ("service", "call", "action"),
    [
        pytest.param("iam", lambda c, a: c.update_access_key(
            AccessKeyId=root_key_id(a, 1), Status="Inactive"), "iam:UpdateAccessKey",
            id="update-access-key"),
        pytest.param("iam", lambda c, a: c.list_users(), "iam:ListUsers", id="list-users"),
        pytest.param("iam", lambda c, a: c.list_access_keys(UserName="alice"),
                     "iam:ListAccessKeys", id="named-user"),
        pytest.param("sts", lambda c, a: c.get_caller_identity(), "sts:GetCallerIdentity",
                     id="caller-identity"),
        pytest.param("organizations", lambda c, a: c.list_accounts(),
                     "organizations:ListAccounts", id="json-protocol"),
    ],
)
def test_root_session_refuses_actions_outside_its_task(
    moto: MotoServer, root: RootModel, member: str, service: str, call: Any, action: str
) -> None:
    client = root_client(moto, service, member)

    code, message = error_of(lambda: call(client, member))

    assert code == "AccessDenied"
    assert message == f"User: arn:aws:iam::{member}:root is not authorized to perform: {action}"
    assert [key.active for key in root.keys[member]] == [True, False]


def test_widened_task_allows_deactivating(
    moto: MotoServer, root: RootModel, member: str, sessions: RootSessions
) -> None:
    sessions.allow("IAMDeleteRootUserCredentials", "iam:UpdateAccessKey")
    iam = root_client(moto, "iam", member)

    iam.update_access_key(AccessKeyId=root_key_id(member, 1), Status="Inactive")

    assert [key.active for key in root.keys[member]] == [False, False]


def test_session_records_its_task_policy(
    moto: MotoServer, member: str, sessions: RootSessions
) -> None:
    audit = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"

    root_client(moto, "iam", member, audit)

    [session] = sessions.issued.values()
    assert (session.account, session.task_policy_arn, session.task) == (
        member, audit, "IAMAuditRootUserCredentials",
    )
    assert session.caller == f"arn:aws:iam::{ACCOUNT}:root"


@pytest.mark.parametrize(
    ("target", "policy", "features", "expected"),
    [
        pytest.param("member", "arn:aws:iam::aws:policy/AdministratorAccess",
                     ["RootCredentialsManagement"],
                     ("ValidationError",
                      "arn:aws:iam::aws:policy/AdministratorAccess is not a root-task policy"),
                     id="not-a-root-task"),
        pytest.param("management", DELETE_TASK, ["RootCredentialsManagement"],
                     ("AccessDenied", "AssumeRoot cannot target the management account"),
                     id="management-account"),
        pytest.param("999999999999", DELETE_TASK, ["RootCredentialsManagement"],
                     ("AccessDenied", "999999999999 is not a member of the organization"),
                     id="not-a-member"),
        pytest.param("member", DELETE_TASK, [],
                     ("AccessDenied", "RootCredentialsManagement is not enabled for the "
                      "organization"), id="feature-off"),
        pytest.param("member", "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy",
                     ["RootCredentialsManagement"],
                     ("AccessDenied", "RootSessions is not enabled for the organization"),
                     id="root-sessions-off"),
    ],
)
def test_assume_root_refusals(
    moto: MotoServer, root: RootModel, member: str, target: str, policy: str,
    features: list[str], expected: tuple[str, str],
) -> None:
    root.features = features
    account = {"member": member, "management": ACCOUNT}.get(target, target)

    refusal = error_of(lambda: root_client(moto, "iam", account, policy))

    assert refusal == expected


def test_assume_root_takes_injected_fault_for_one_account(
    moto: MotoServer, root: RootModel, member: str
) -> None:
    root.fail("assume_root", "AccessDenied", account=member)

    refusal = error_of(lambda: root_client(moto, "iam", member))

    assert refusal == ("AccessDenied", "injected by the test")
    assert root.count("assume_root", member) == 1
