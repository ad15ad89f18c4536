"""Money and percents as text, in the desk's one way of writing each.

For a reader: «1 520 400,40», «12,5 %». Thousands are grouped with a no-break space and the
decimal mark is a comma whatever the active language's settings say, so every page, message
and CLI line of the desk looks the same.

As data (the JSON kept with an upload or a reconciliation, the CLI's --json): «1520400.40», two
places and a dot, read back by `money_from_data`. Condo's wire format is its own
(integration/condo/money.py: the client imports nothing of billing), though the text is the same.

Money stays Decimal; this only writes and reads it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from billing.money import quantize_money

NBSP = "\xa0"


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    return NBSP.join([digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))])


def format_number(value: Decimal | int | str | None, places: int) -> str:
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    # Half up, as Russian accounting rounds (billing.money); format() alone would round half even.
    rounded = abs(number).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    # The sign of what is shown: -0,004 is «0,00», but -0,005 rounds half up to «-0,01».
    sign = "-" if number < 0 and rounded else ""
    return f"{sign}{_group(whole)}{',' + fraction if fraction else ''}"


def money_data(value: Decimal) -> str:
    """«1520.40»: rounded half up to kopecks (billing.money), never exponent notation; never «-0.00»."""
    rounded = quantize_money(value)
    return f"{rounded:f}" if rounded else "0.00"


def money_from_data(text: str | None) -> Decimal | None:
    """The amount `money_data` wrote; None for a missing one (None or "")."""
    if text is None or text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise ValueError(f"not a decimal amount: {text!r}") from error


def format_count(value: int | None) -> str:
    """«12 345»: a count, thousands grouped like money."""
    return format_number(value, 0)


def format_money(value: Decimal | int | str | None) -> str:
    """«1 520,40»; a negative amount «-12,00» (a hyphen-minus: Excel reads a pasted number)."""
    return format_number(value, 2)


def format_quantity(value: Decimal | int | str | None) -> str:
    """A volume or a tariff: «1 234,5», «25,12», «3»; no trailing zeros, never exponent notation."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    exponent = number.normalize().as_tuple().exponent
    return format_number(number, -exponent if isinstance(exponent, int) and exponent < 0 else 0)


def format_mebibytes(size: int) -> str:
    """A file's size for a message: «1,5 МБ» (2**20 bytes a megabyte, one decimal place)."""
    return f"{format_number(Decimal(size) / (1 << 20), 1)} МБ"


def format_kibibytes(size: int) -> str:
    """A PDF's size for a message: «380,0 КиБ»."""
    return f"{format_number(Decimal(size) / 1024, 1)} КиБ"


def format_percent(value: Decimal | str | None, places: int = 1) -> str:
    """«12,5 %», «+0,5 %» is the caller's choice of sign; trailing zeros of a whole number dropped («50 %»)."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    if number == number.to_integral_value():
        places = 0
    return f"{format_number(number, places)}{NBSP}%"


def format_change(value: Decimal | str | None) -> str:
    """A change with its sign: «+0,5 %», «-12,0 %», «0 %»."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    return f"+{format_percent(number)}" if number > 0 else format_percent(number)
