"""How spend and usage are written for people: money in the account's currency, token and request
counts ("1.2 M tokens", "3,100 requests"). Pure."""

from __future__ import annotations

from connectors.contract.spend import MICROS

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def money(micros: float, currency: str) -> str:
    """`$1,234.50`, `€12.00`, `1,234.50 CHF`."""
    units = micros / MICROS
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{units:,.2f}" if symbol else f"{units:,.2f} {currency.upper()}"


def count(n: float, unit: str) -> str:
    """Millions as `1.2 M tokens`, fewer with thousands separators: `3,100 requests`."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:,.1f} M {unit}"
    return f"{n:,.0f} {unit if n != 1 else unit.removesuffix('s')}"


def ratio(value: float, base: float) -> str:
    """`3.4×` the base; `new` where the base is nothing."""
    return f"{value / base:,.1f}×" if base > 0 else "new"
