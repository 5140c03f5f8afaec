"""The mapping ids the issue asks for, as Prowler writes them into a finding."""

# The mapping ids of the issue, as Prowler writes them into a finding's compliance field.
ISSUE_MAPPING: dict[str, list[str]] = {
    "CIS-1.2": ["1.12"],
    "CIS-1.4": ["1.4"],
    "CIS-1.5": ["1.4"],
    "CIS-2.0": ["1.4"],
    "CIS-3.0": ["1.4"],
    "CIS-4.0.1": ["1.4"],
    "CIS-5.0": ["1.3"],
    "CIS-6.0": ["2.3"],
    "CIS-7.0": ["2.4"],
    "CIS-Controls-v7": ["4.3"],
    "CIS-Controls-v8.1": ["4.7"],
    "AWS-Foundational-Security-Best-Practices": ["IAM.4"],
}
