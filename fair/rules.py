"""The domain's value rules, one home each: what a priority, an id and a currency may be.

Every layer checks input against these (the importer, the use cases, the JSON API and its
OpenAPI document, the pages' forms, the socket.io handlers), so a rule changes here once.
"""

from __future__ import annotations

import re
from typing import Final

# How much a side wants a meeting: 1 (nice to have) to 5 (must meet).
PRIORITIES: Final = (1, 2, 3, 4, 5)
LOWEST_PRIORITY: Final = PRIORITIES[0]
HIGHEST_PRIORITY: Final = PRIORITIES[-1]
# A new request's priority when the sender names none (portal, API, roadshow stage).
DEFAULT_PRIORITY: Final = 3
# The receiver's side of a request's weight while they have not rated it (fair.planning).
DEFAULT_TO_PRIORITY: Final = 3

# Ids and version numbers are 32-bit integers in the database; a larger one in a URL or
# an event would overflow the driver, so it is refused as not found or invalid first.
MAX_ID: Final = 2**31 - 1

# A currency is an ISO 4217 code: three capital letters (fair currency, rates, deals).
CURRENCY_CODE: Final = re.compile(r"[A-Z]{3}")
DEFAULT_CURRENCY: Final = "USD"


def is_currency(code: object) -> bool:
    """Whether `code` is written as an ISO 4217 currency code (`USD`, `CNY`, `KRW`)."""
    return isinstance(code, str) and CURRENCY_CODE.fullmatch(code) is not None


# Roles a company may register itself for (`fair.registration`); interpreters are the
# organiser's to add.
REGISTRATION_ROLES: Final[tuple[str, ...]] = ("exhibitor", "buyer", "service")
