"""Parsing of Kubernetes CPU and memory quantities, so requests can be compared with limits.

Every form the API server accepts (k8s.io/apimachinery pkg/api/resource, ``ParseQuantity``
in quantity.go and the suffixes of suffix.go): a decimal number (``1``, ``1.5``, ``.5``, ``2.``)
with a binary suffix (``Ki`` .. ``Ei``), a decimal one (``n``, ``u``, ``m``, ``k``, ``M`` .. ``E``) or an exponent
(``1e3``, ``5E-3``). A sign is accepted there too; requests and limits must be positive here.
"""

from __future__ import annotations

import decimal
import math
import re
from decimal import Decimal

QUANTITY = re.compile(
    r"(?P<sign>[+-]?)(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]{1,3})?"
)
CPU_ALLOWED = "a positive CPU quantity such as '250m', '1', '0.5' or '1.5' (cores, or millicores with 'm')"
MEMORY_ALLOWED = "a positive memory quantity such as '256Mi', '1Gi', '1.5Gi', '500M' or '1e9' (bytes)"

_FACTORS = {
    None: Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    **{suffix: Decimal(1000) ** power for power, suffix in enumerate("kMGTPE", start=1)},
    **{f"{suffix}i": Decimal(1024) ** power for power, suffix in enumerate("KMGTPE", start=1)},
}


def quantity(value: object) -> Decimal | None:
    """The amount a Kubernetes quantity stands for (cores for CPU, bytes for memory), or None if it is not one."""
    match = QUANTITY.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    suffix = match["suffix"]
    number = Decimal(match["sign"] + match["number"])
    with decimal.localcontext() as context:
        context.prec = 60
        if suffix and suffix[0] in "eE":
            return number.scaleb(int(suffix[1:]))
        return number * _FACTORS[suffix]


def is_cpu(value: object) -> bool:
    amount = quantity(value)
    return amount is not None and amount > 0


def is_memory(value: object) -> bool:
    amount = quantity(value)
    return amount is not None and amount > 0


def cpu_millicores(value: str) -> Decimal:
    """Whole millicores, rounded up as the API server rounds a finer CPU quantity."""
    amount = quantity(value)
    if amount is None:
        raise ValueError(f"not a CPU quantity: {value[:40]!r}")
    return Decimal(math.ceil(amount * 1000))


def memory_bytes(value: str) -> int:
    """Whole bytes, rounded up as the API server rounds a fractional byte count."""
    amount = quantity(value)
    if amount is None:
        raise ValueError(f"not a memory quantity: {value[:40]!r}")
    return math.ceil(amount)
