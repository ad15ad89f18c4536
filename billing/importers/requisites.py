"""A payee's requisites: INN, BIC and bank account with their check digits (Bank of Russia rules).

Condo shows a receipt's payee only once its support approved the bank account; a typo found
here, at import, spares a batch the round trip.
"""

from __future__ import annotations

from decimal import Decimal

from billing.importers.checks import CellError

_TIN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_TIN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_TIN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3) * 7 + (7, 1)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def tin_is_valid(tin: str) -> bool:
    """INN of an organization (10 digits) or a person/sole trader (12), with its check digits."""
    if not tin.isascii() or not tin.isdigit():
        return False
    if len(tin) == 10:
        return _check_digit(tin, _TIN10_WEIGHTS) == int(tin[9])
    if len(tin) == 12:
        return _check_digit(tin, _TIN12_WEIGHTS_11) == int(tin[10]) and _check_digit(tin, _TIN12_WEIGHTS_12) == int(
            tin[11]
        )
    return False


def bic_is_valid(bic: str) -> bool:
    """A Russian BIC: 9 digits, starting with 04 (banks) or 01 (the Treasury's TOFK)."""
    return len(bic) == 9 and bic.isascii() and bic.isdigit() and bic[:2] in ("04", "01")


def _bank_prefix(bic: str) -> str:
    # Bank of Russia order 515: an account in a cash settlement centre (BIC ends 000/001/002)
    # is keyed with "0" + digits 5-6 of the BIC; an account in a bank with digits 7-9.
    return "0" + bic[4:6] if bic[6:] in ("000", "001", "002") else bic[6:]


def bank_account_is_valid(account: str, bic: str) -> bool:
    """20 digits whose control key (digit 9) matches the BIC by the Bank of Russia algorithm."""
    if len(account) != 20 or not account.isascii() or not account.isdigit() or not bic_is_valid(bic):
        return False
    digits = _bank_prefix(bic) + account
    return sum(int(d) * w % 10 for d, w in zip(digits, _ACCOUNT_WEIGHTS)) % 10 == 0


def bank_account_with_key(account: str, bic: str) -> str:
    """The same 20-digit account with its control key set (demo data and tests)."""
    base = account[:8] + "0" + account[9:]
    digits = _bank_prefix(bic) + base
    key = sum(int(d) * w % 10 for d, w in zip(digits, _ACCOUNT_WEIGHTS)) % 10 * 3 % 10
    return base[:8] + str(key) + base[9:]


def requisite_digits(raw: object, *, name: str) -> str:
    """TIN, BIC and bank account are text; a number cell would lose leading zeros (BICs start with 0)."""
    if raw is None or raw == "":
        return ""
    if isinstance(raw, (bool, float, Decimal, int)):
        raise CellError(f"{name} записан числом: задайте столбцу текстовый формат (ведущие нули теряются)")
    return str(raw).strip()


def recipient_problems(tin: str, bic: str, bank_account: str) -> list[tuple[str, str, str]]:
    """(field, value, message) for each requisite that fails its check."""
    problems = []
    if not tin_is_valid(tin):
        problems.append(("tin", tin, "ИНН получателя должен содержать 10 или 12 цифр с верными контрольными цифрами"))
    if not bic_is_valid(bic):
        problems.append(("bic", bic, "БИК должен содержать 9 цифр и начинаться с 04 или 01"))
    elif not bank_account_is_valid(bank_account, bic):
        if len(bank_account) != 20 or not bank_account.isdigit():
            message = "расчётный счёт должен содержать 20 цифр"
        else:
            message = "контрольный ключ расчётного счёта не сходится с БИК"
        problems.append(("bank_account", bank_account, message))
    return problems
