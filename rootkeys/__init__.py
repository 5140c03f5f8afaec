"""rootkeys: proves that the root user of each AWS account has no access keys."""

__version__ = "0.1.0"
