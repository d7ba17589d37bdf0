"""JSON bodies: a body that is not JSON is a parse error of the source, said the same way everywhere.

Pure. Hostile JSON is refused the same way: nesting deeper than the parser's recursion limit and
integers longer than Python's `int` string-conversion limit (4,300 digits) are "not JSON" too,
never a crash of the caller."""

from __future__ import annotations

import json
import sys
from typing import Any

from connectors.contract.errors import ParseError


def load(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise ParseError("not JSON: nested too deeply") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"not JSON: {exc}") from exc
    except ValueError:  # int() over its digit limit
        raise ParseError(f"not JSON: a number longer than {sys.get_int_max_str_digits()} digits") from None
