"""One account's outcome, as every adapter and output format sees it."""

from __future__ import annotations

from dataclasses import dataclass

from rootkeys.decision import Status, Verdict

# The region whose endpoint serves IAM in each partition; findings are filed there.
IAM_REGIONS = {
    "aws": "us-east-1",
    "aws-us-gov": "us-gov-west-1",
    "aws-cn": "cn-north-1",
    "aws-iso": "us-iso-east-1",
    "aws-iso-b": "us-isob-east-1",
}
ROOT_RESOURCE_NAME = "<root_account>"


def iam_region(partition: str) -> str:
    """The IAM region of a partition; unknown partitions fall back to the commercial one."""
    return IAM_REGIONS.get(partition, "us-east-1")


def partition_of_arn(arn: str) -> str | None:
    """The partition named by an ARN, or None when the text is not an ARN."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[1]:
        return None
    return parts[1]


def could_not_evaluate(reason: str) -> Verdict:
    """The MANUAL verdict for an account whose evidence could not be read at all."""
    return Verdict(Status.MANUAL, f"Could not evaluate the root user's access keys: {reason}.")


@dataclass(frozen=True)
class AccountResult:
    account_id: str
    partition: str
    verdict: Verdict
    root_management: bool | None = None
    muted: bool = False
    account_name: str = ""

    @property
    def resource_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    @property
    def region(self) -> str:
        return iam_region(self.partition)

    @property
    def status(self) -> str:
        return "MUTED" if self.muted else self.verdict.status.value
