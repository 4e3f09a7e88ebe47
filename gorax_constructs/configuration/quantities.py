"""Parsing of Kubernetes CPU and memory quantities, so requests can be compared with limits."""

from __future__ import annotations

import re
from decimal import Decimal

CPU_PATTERN = re.compile(r"^(?:[1-9][0-9]*m|[0-9]+(?:\.[0-9]{1,3})?)$")
MEMORY_PATTERN = re.compile(r"^(?P<number>[1-9][0-9]*)(?P<unit>Ki|Mi|Gi|Ti|k|M|G|T)?$")
CPU_ALLOWED = "a CPU quantity such as '250m' or '1' or '0.5' (millicores with 'm', or cores)"
MEMORY_ALLOWED = "a memory quantity such as '256Mi' or '1Gi' (an integer with Ki/Mi/Gi/Ti or k/M/G/T)"

_MEMORY_FACTORS = {
    None: 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def is_cpu(quantity: str) -> bool:
    return isinstance(quantity, str) and CPU_PATTERN.match(quantity) is not None and cpu_millicores(quantity) > 0


def is_memory(quantity: str) -> bool:
    return isinstance(quantity, str) and MEMORY_PATTERN.match(quantity) is not None


def cpu_millicores(quantity: str) -> Decimal:
    if quantity.endswith("m"):
        return Decimal(quantity[:-1])
    return Decimal(quantity) * 1000


def memory_bytes(quantity: str) -> int:
    match = MEMORY_PATTERN.match(quantity)
    if match is None:
        raise ValueError(f"not a memory quantity: {quantity!r}")
    return int(match["number"]) * _MEMORY_FACTORS[match["unit"]]
