"""Live scans: the caller's own account, or many accounts reached through a role.

The credentials come from boto3's standard chain (environment, profile, SSO, instance
role), optionally through ``--role-arn``. ``sts:GetCallerIdentity`` names the account and
its partition; then each account is evaluated by ``rootkeys.aws.evaluate_account``, the
same engine the Prowler check runs. Throttling and 5xx answers are retried by botocore's
standard retry mode; every account gets exactly one finding, whatever fails.

Calls made: ``sts:GetCallerIdentity`` once, ``sts:AssumeRole`` once per account reached
through a role (and once for ``--role-arn``), ``organizations:ListAccounts`` (paged) with
``--organization``, ``iam:ListOrganizationsFeatures`` once, and per account the three IAM
reads of ``rootkeys.aws``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from rootkeys import __version__
from rootkeys.aws import AWS_ERRORS, ReportWait, error_code, evaluate_account, read_root_management
from rootkeys.decision import Options
from rootkeys.evidence import Failure
from rootkeys.organization import Member, list_members, select
from rootkeys.results import AccountResult, could_not_evaluate, iam_region, partition_of_arn

log = logging.getLogger(__name__)

# The calls a scan adds to rootkeys.aws's; the README's "rootkeys scan" section lists them.
SCAN_ACTIONS = ("sts:GetCallerIdentity", "sts:AssumeRole", "organizations:ListAccounts")
SESSION_NAME = "rootkeys-scan"
DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"
# Used for sts:GetCallerIdentity when neither --region nor the profile names a region.
DEFAULT_REGION = "us-east-1"
REGION_PARTITIONS = (
    ("us-gov-", "aws-us-gov"), ("cn-", "aws-cn"), ("us-isob-", "aws-iso-b"), ("us-iso-", "aws-iso"),
)


class CredentialError(Exception):
    """The scan could not start: no usable credentials, or the caller is unknown."""

    def __init__(self, message: str, failure: Failure) -> None:
        super().__init__(message)
        self.failure = failure


@dataclass(frozen=True)
class Connection:
    """How to reach AWS: where the credentials come from, and botocore's limits."""

    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    region: str | None = None
    max_attempts: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 30.0


@dataclass(frozen=True)
class ScanRequest:
    """What to scan. Without ``organization`` or ``accounts``, the caller's account only."""

    connection: Connection = Connection()
    organization: bool = False
    accounts: tuple[str, ...] = ()
    shard: tuple[int, int] | None = None
    org_role: str = DEFAULT_ORG_ROLE
    workers: int = 16
    options: Options = Options()
    wait: ReportWait = ReportWait()

    @property
    def many(self) -> bool:
        return self.organization or bool(self.accounts)


@dataclass(frozen=True)
class Caller:
    account_id: str
    partition: str
    arn: str


@dataclass
class ScanOutcome:
    """The findings, one per scanned account in account order, and what was skipped."""

    results: list[AccountResult]
    name: str
    auth_method: str
    skipped: list[Member] = field(default_factory=list)


def client_config(connection: Connection, pool: int = 10) -> Config:
    """botocore's standard retry mode and timeouts; ``pool`` connections per client."""
    return Config(
        retries={"mode": "standard", "total_max_attempts": connection.max_attempts},
        connect_timeout=connection.connect_timeout,
        read_timeout=connection.read_timeout,
        max_pool_connections=pool,
        user_agent_extra=f"rootkeys/{__version__}",
    )


def run(
    request: ScanRequest, on_start: Callable[[int], Callable[[], None]] | None = None
) -> ScanOutcome:
    """Scan; ``on_start(total)`` returns a callback called once per account done.

    Raises ``CredentialError`` when the caller cannot be identified and no account was
    named; when accounts are named (``--accounts``, ``--role-arn``), each gets a MANUAL
    finding naming the failed call instead.
    """
    try:
        session, caller = connect(request.connection)
    except CredentialError as error:
        return _unreachable(request, error)

    if request.many:
        return _scan_many(session, caller, request, on_start)
    result = _scan_caller(session, caller, request)
    return ScanOutcome([result], caller.account_id, _auth_method(session, request))


def connect(connection: Connection) -> tuple[boto3.Session, Caller]:
    """A session with the caller's credentials (after ``--role-arn``), and who it is."""
    try:
        session = boto3.Session(profile_name=connection.profile)
    except ProfileNotFound as error:
        profile = error.kwargs.get("profile", connection.profile)
        message = f"the AWS profile {profile!r} is not in the AWS config files"
        failure = Failure("loading the AWS profile", "ProfileNotFound", f"profile {profile!r}")
        raise CredentialError(message, failure) from None

    if connection.role_arn:
        session = _assume_session(session, connection)
    return session, identify(session, connection)


def identify(session: boto3.Session, connection: Connection) -> Caller:
    """The caller's account and partition, from ``sts:GetCallerIdentity``."""
    sts = session.client("sts", region_name=_region(session, connection),
                         config=client_config(connection))
    try:
        identity = sts.get_caller_identity()
    except AWS_ERRORS as error:
        failure = Failure("sts:GetCallerIdentity", error_code(error))
        raise CredentialError(_identity_problem(failure), failure) from None

    arn = str(identity["Arn"])
    partition = partition_of_arn(arn) or "aws"
    log.info("account %s: scanning as %s", identity["Account"], arn)
    return Caller(str(identity["Account"]), partition, arn)


def _identity_problem(failure: Failure) -> str:
    if failure.code == "NoCredentialsError":
        return (
            f"no AWS credentials found ({failure}); give --profile, or set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    return f"cannot identify the caller: {failure}"


def _region(session: boto3.Session, connection: Connection) -> str:
    return connection.region or session.region_name or DEFAULT_REGION


def _assume_session(base: boto3.Session, connection: Connection) -> boto3.Session:
    sts = base.client("sts", region_name=_region(base, connection),
                      config=client_config(connection))
    role_arn = str(connection.role_arn)
    try:
        credentials = assume_role(sts, role_arn, connection.external_id)
    except AWS_ERRORS as error:
        failure = Failure("sts:AssumeRole", error_code(error))
        raise CredentialError(f"cannot assume {role_arn}: {failure}", failure) from None

    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=_region(base, connection),
    )


def assume_role(sts: Any, role_arn: str, external_id: str | None = None) -> dict[str, Any]:
    """Temporary credentials for ``role_arn``; raises what botocore raises."""
    extra = {"ExternalId": external_id} if external_id else {}
    response = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME, **extra)
    return dict(response["Credentials"])


def _unreachable(request: ScanRequest, error: CredentialError) -> ScanOutcome:
    """MANUAL findings for the accounts the user named; otherwise the error stands."""
    named = _named_accounts(request)
    if not named:
        raise error

    partition = _partition_guess(request.connection)
    verdict = could_not_evaluate(str(error.failure))
    for account in named:
        log.error("account %s: not scanned: %s", account, error.failure)
    results = [AccountResult(account, partition, verdict) for account in named]
    return ScanOutcome(results, named[0] if len(named) == 1 else "accounts", "none")


def _named_accounts(request: ScanRequest) -> list[str]:
    if request.accounts:
        return select(list(request.accounts), request.shard)
    role = request.connection.role_arn
    if role and not request.organization and len(role.split(":")) > 4:
        return [role.split(":")[4]]
    return []


def _partition_guess(connection: Connection) -> str:
    """The partition of accounts never reached: the role ARN's, or the region's."""
    if connection.role_arn:
        return partition_of_arn(connection.role_arn) or "aws"
    region = connection.region or ""
    # No session here: the credential error may be a profile that cannot be loaded.
    for prefix, partition in REGION_PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


def _auth_method(session: boto3.Session, request: ScanRequest) -> str:
    credentials = session.get_credentials()
    method = credentials.method if credentials else "unknown"
    if request.connection.role_arn:
        method = f"sts:AssumeRole into {request.connection.role_arn}"
    if request.many:
        method += f", then sts:AssumeRole into each account's {request.org_role}"
    return method


def _scan_caller(session: boto3.Session, caller: Caller, request: ScanRequest) -> AccountResult:
    iam = session.client("iam", region_name=iam_region(caller.partition),
                         config=client_config(request.connection))
    root_management = read_root_management(iam)
    return evaluate_account(
        iam, caller.account_id, caller.partition, request.options, request.wait, root_management
    )


def _scan_many(
    session: boto3.Session,
    caller: Caller,
    request: ScanRequest,
    on_start: Callable[[int], Callable[[], None]] | None,
) -> ScanOutcome:
    chosen, skipped = _choose(session, caller, request)
    scanner = MemberScanner(session, caller, request)
    done = on_start(len(chosen)) if on_start and chosen else None

    results = scan_members(scanner, chosen, request.workers, done)
    return ScanOutcome(results, _output_name(caller, request), _auth_method(session, request),
                       skipped)


def _output_name(caller: Caller, request: ScanRequest) -> str:
    """The caller's account, and the shard, so that shards' files never collide."""
    if request.shard is None:
        return caller.account_id
    index, count = request.shard
    return f"{caller.account_id}-shard-{index}-of-{count}"


def _choose(
    session: boto3.Session, caller: Caller, request: ScanRequest
) -> tuple[list[Member], list[Member]]:
    """The accounts to scan and the ones skipped (suspended or closed)."""
    if not request.organization:
        ids = select(list(request.accounts), request.shard)
        return [Member(account) for account in ids], []

    org = session.client("organizations", region_name=iam_region(caller.partition),
                         config=client_config(request.connection))
    members = list_members(org)
    return _from_listing(members, request)


def _from_listing(
    members: list[Member], request: ScanRequest
) -> tuple[list[Member], list[Member]]:
    listed = {member.account_id: member for member in members}
    wanted = list(request.accounts) or list(listed)
    for account in wanted:
        if account not in listed:
            log.warning("account %s: not in the organization; scanning it anyway", account)
    ids = select(wanted, request.shard)

    chosen = [listed.get(account, Member(account)) for account in ids]
    return [m for m in chosen if not m.skipped], [m for m in chosen if m.skipped]


class MemberScanner:
    """Evaluates one account: the caller's with its own credentials, others via a role.

    boto3 sessions are not thread-safe, so clients are made under a lock; the clients
    themselves are shared between threads.
    """

    def __init__(self, session: boto3.Session, caller: Caller, request: ScanRequest) -> None:
        self.session = session
        self.caller = caller
        self.request = request
        self.config = client_config(request.connection)
        self._lock = threading.Lock()
        self.sts = self._client("sts", _region(session, request.connection),
                                pool=request.workers)
        self.caller_iam = self._client("iam", iam_region(caller.partition))
        self.root_management = read_root_management(self.caller_iam)

    def _client(self, service: str, region: str, pool: int = 10, **credentials: str) -> Any:
        config = self.config.merge(Config(max_pool_connections=pool))
        with self._lock:
            return self.session.client(service, region_name=region, config=config, **credentials)

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self.caller.partition}:iam::{account_id}:role/{self.request.org_role}"

    def scan(self, member: Member) -> AccountResult:
        """One account's finding; a role that cannot be assumed gives MANUAL."""
        iam = self.caller_iam
        if member.account_id != self.caller.account_id:
            iam = self._member_iam(member.account_id)
        if isinstance(iam, Failure):
            return self._manual(member, iam)

        result = evaluate_account(
            iam, member.account_id, self.caller.partition, self.request.options,
            self.request.wait, self.root_management,
        )
        return _named(result, member.name)

    def _member_iam(self, account_id: str) -> Any:
        role_arn = self.role_arn(account_id)
        try:
            credentials = assume_role(self.sts, role_arn)
        except AWS_ERRORS as error:
            log.error("account %s: sts:AssumeRole into %s failed: %s",
                      account_id, role_arn, error_code(error))
            return Failure("sts:AssumeRole", error_code(error))

        return self._client(
            "iam", iam_region(self.caller.partition),
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    def _manual(self, member: Member, failure: Failure) -> AccountResult:
        verdict = could_not_evaluate(str(failure))
        return AccountResult(member.account_id, self.caller.partition, verdict,
                             self.root_management, account_name=member.name)


def _named(result: AccountResult, name: str) -> AccountResult:
    return replace(result, account_name=name) if name else result


def scan_members(
    scanner: MemberScanner,
    members: Sequence[Member],
    workers: int,
    done: Callable[[], None] | None = None,
) -> list[AccountResult]:
    """Evaluate every member with at most ``workers`` threads; one result each, sorted."""
    results = []
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rootkeys")
    try:
        futures = {pool.submit(scanner.scan, member): member for member in members}
        for future in as_completed(futures):
            results.append(_result(future, futures[future], scanner))
            if done is not None:
                done()
    finally:
        # On Ctrl-C, drop the accounts not started instead of scanning them all first.
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(results, key=lambda result: result.account_id)


def _result(
    future: Future[AccountResult], member: Member, scanner: MemberScanner
) -> AccountResult:
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - never lose an account's finding
        log.error("account %s: scanning failed: %s", member.account_id, type(error).__name__)
        return scanner._manual(member, Failure("scan", type(error).__name__))
