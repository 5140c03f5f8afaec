"""A moto server on 127.0.0.1 in this process, and the environment that points at it."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import boto3
import requests
from moto import settings
from moto.server import ThreadedMotoServer

from tests.support.moto_root import RootModel, install

ACCOUNT = "123456789012"
# Any traffic not meant for loopback goes to a closed local port and fails at once.
DEAD_PROXY = "http://127.0.0.1:9"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    def __init__(self) -> None:
        self.model: RootModel = install()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        """Fresh moto state, a fresh root model, no policy enforcement."""
        requests.post(f"{self.url}/moto-api/reset", timeout=10)
        self.model.reset()
        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")

    def env(
        self, home: Path, access_key: str = "testing", secret: str = "testing"
    ) -> dict[str, str]:
        """Environment for a subprocess (prowler, rootkeys) that talks only to this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=self.url,
            AWS_ACCESS_KEY_ID=access_key,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=str(home / "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            HTTP_PROXY=DEAD_PROXY,
            HTTPS_PROXY=DEAD_PROXY,
            NO_PROXY="127.0.0.1,localhost",
            HOME=str(home),
        )
        return env

    def client(self, service: str, access_key: str = "testing", secret: str = "testing") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret,
        )

    def user_denied(self, actions: list[str]) -> tuple[str, str]:
        """Create a user allowed everything but ``actions``; turn on policy enforcement.

        Returns the user's access key id and secret (moto's fake ones).
        """
        iam = self.client("iam")
        iam.create_user(UserName="auditor")
        statements = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
        if actions:
            statements.append({"Effect": "Deny", "Action": actions, "Resource": "*"})
        policy = {"Version": "2012-10-17", "Statement": statements}
        document = json.dumps(policy)
        iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=document)
        key = iam.create_access_key(UserName="auditor")["AccessKey"]
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        return key["AccessKeyId"], key["SecretAccessKey"]
