"""Parse the dates people and documents write."""

from __future__ import annotations

import datetime as dt
import re

from tracker_rag.errors import InvalidDateError

_ISO_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_WRITTEN_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d")


def parse_date(value: str, *, what: str = "date") -> dt.date:
    """Parse `YYYY-MM-DD` (a time part is ignored) or a written date.

    Args:
        value: The text to parse, e.g. `2026-03-16` or `Mar 16, 2026`.
        what: Names the input in the error message.

    Raises:
        InvalidDateError: The text is not a date in one of the accepted forms.
    """
    text = value.strip()
    match = _ISO_PREFIX.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError as exc:
            raise InvalidDateError(
                f"{what} {value!r} is not a real date: {exc}"
            ) from exc
    for pattern in _WRITTEN_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidDateError(
        f"{what} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-16"
    )


def date_as_int(value: dt.date) -> int:
    """Encode a date as YYYYMMDD, an integer that stores can compare."""
    return value.year * 10000 + value.month * 100 + value.day


def date_from_int(value: int) -> dt.date:
    """Decode a YYYYMMDD integer."""
    return dt.date(value // 10000, value // 100 % 100, value % 100)
