"""Password rules after ANSSI and NIST SP 800-63B: length over composition (at least 12
characters, any characters, no forced mix of classes), and refusal of what an attacker
tries first — known common passwords, the person's own login id, names and birth date,
repeated or sequential characters, keyboard walks."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from dmp.auth.login_errors import WeakPassword

MIN_LENGTH = 12
# Long passphrases are welcome; the bound only stops absurd inputs reaching argon2.
MAX_LENGTH = 256
# Characters left once runs of 3+ repeated, sequential or keyboard-adjacent characters
# count as one: below this, the password is a pattern whatever its length.
MIN_EFFECTIVE_LENGTH = 8
MIN_DISTINCT = 5

_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e",
                       "$": "s", "5": "s", "7": "t", "+": "t", "8": "b", "9": "g"})  # fmt: skip
_SEPARATORS = re.compile(r"[\s\-_.'/]+")
_KEYBOARD_ROWS = (
    "azertyuiop", "qsdfghjklm", "wxcvbn",  # AZERTY
    "qwertyuiop", "asdfghjkl", "zxcvbnm",  # QWERTY
    "1234567890", "&é\"'(-è_çà",  # digits, and the unshifted AZERTY digit row
)  # fmt: skip
_ADJACENT = frozenset(
    pair for row in _KEYBOARD_ROWS for a, b in itertools.pairwise(row) for pair in ((a, b), (b, a))
)

MESSAGES_FR = {
    "too_short": f"il doit compter au moins {MIN_LENGTH} caractères",
    "too_long": f"il ne peut dépasser {MAX_LENGTH} caractères",
    "common": "il figure parmi les mots de passe les plus essayés par les attaquants",
    "contains_login_id": "il contient votre identifiant de connexion",
    "contains_name": "il contient votre nom ou votre prénom",
    "contains_birth_date": "il contient une date de naissance",
    "pattern": "il est fait de caractères répétés, qui se suivent ou voisins sur le clavier",
    "too_few_distinct": "il utilise trop peu de caractères différents",
    "same_as_current": "il est identique au mot de passe actuel",
}


@dataclass(frozen=True, slots=True)
class PasswordContext:
    """What an attacker knows about the person: checked against the new password."""

    login_id: str | None = None
    names: tuple[str, ...] = ()
    birth_dates: tuple[date, ...] = field(default_factory=tuple)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("dmp.auth").joinpath("data", "common_passwords.txt").read_text("utf-8")
    words = (line.strip() for line in text.splitlines())
    return frozenset(_fold(w) for w in words if w and not w.startswith("#"))


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: "Éléonore" and "eleonore" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _strip_affixes(text: str) -> str:
    """The word under "Soleil2024!": digits and symbols around it are what people add."""
    return re.sub(r"^[^a-z]+|[^a-z]+$", "", text)


def _is_common(folded: str) -> bool:
    words = common_passwords()
    joined = _SEPARATORS.sub("", folded)
    candidates = {folded, joined}
    for candidate in list(candidates):
        candidates.add(_strip_affixes(candidate))
        candidates.add(_strip_affixes(candidate.translate(_LEET)))
        # Leetspeak after the affixes are gone: "P4ssw0rd2024" is "password" + "2024".
        candidates.add(_strip_affixes(_strip_affixes(candidate).translate(_LEET)))
    return any(c in words for c in candidates if c)


def _continues(previous: str, current: str) -> bool:
    if previous == current or (previous, current) in _ADJACENT:
        return True
    return previous.isalnum() and current.isalnum() and abs(ord(current) - ord(previous)) == 1


def effective_length(text: str) -> int:
    """Length once every run of 3+ continuing characters ("aaaa", "1234", "azerty")
    counts as one character. Pairs are left alone: ordinary words are full of them."""
    total, run = 0, 1
    for previous, current in itertools.pairwise(text):
        if _continues(previous, current):
            run += 1
            continue
        total += 1 if run >= 3 else run
        run = 1
    return total + (1 if run >= 3 else run) if text else 0


def _is_periodic(text: str) -> bool:
    """ "abcabcabcabc", "Azerty1Azerty1": a short block repeated."""
    n = len(text)
    return any(text == (text[:k] * (n // k + 1))[:n] for k in range(1, n // 2 + 1) if n >= 2 * k)


def _name_parts(names: Iterable[str]) -> set[str]:
    parts: set[str] = set()
    for name in names:
        for part in re.split(r"[\s\-']+", _fold(name)):
            if len(part) >= 3:
                parts.add(part)
    return parts


def _date_forms(day: date) -> set[str]:
    d, m, y = day.day, day.month, day.year
    yy = y % 100
    return {
        f"{d:02d}{m:02d}{y}", f"{y}{m:02d}{d:02d}", f"{d:02d}{m:02d}{yy:02d}",
        f"{d}{m}{y}", f"{m:02d}{d:02d}{y}", f"{yy:02d}{m:02d}{d:02d}",
    }  # fmt: skip


def password_problems(password: str, context: PasswordContext | None = None) -> list[str]:
    """The stable codes of every rule the password breaks (empty when acceptable)."""
    context = context or PasswordContext()
    normalized = unicodedata.normalize("NFKC", password)
    problems: list[str] = []
    if len(normalized) < MIN_LENGTH:
        problems.append("too_short")
    if len(normalized) > MAX_LENGTH:
        return [*problems, "too_long"]
    folded = _fold(normalized)
    if _is_common(folded):
        problems.append("common")
    compact = _SEPARATORS.sub("", folded)
    login_id = _SEPARATORS.sub("", _fold(context.login_id or ""))
    if len(login_id) >= 4 and login_id in compact:
        problems.append("contains_login_id")
    deleet = compact.translate(_LEET)
    if any(part in compact or part in deleet for part in _name_parts(context.names)):
        problems.append("contains_name")
    digits_only = re.sub(r"\D", "", folded)
    if any(
        form in digits_only or form in compact
        for day in context.birth_dates
        for form in _date_forms(day)
    ):
        problems.append("contains_birth_date")
    # Case folded but accents kept: the AZERTY digit row is "&é"'(-è_çà".
    lowered = normalized.casefold()
    if effective_length(lowered) < MIN_EFFECTIVE_LENGTH or _is_periodic(lowered):
        problems.append("pattern")
    if len(set(lowered)) < MIN_DISTINCT:
        problems.append("too_few_distinct")
    return problems


def describe(problems: Iterable[str]) -> str:
    return "; ".join(MESSAGES_FR[p] for p in problems) + "."


def check_password(password: str, context: PasswordContext | None = None) -> None:
    """Raises ``WeakPassword`` listing every broken rule, so the person fixes them at once."""
    problems = password_problems(password, context)
    if problems:
        raise WeakPassword(detail=describe(problems), problems=problems)
