"""Number parsing: thousands separators, decimals, full-width digits, Chinese numerals."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.extract.numbers import (
    NumberFormatError,
    parse_arabic,
    parse_chinese,
    parse_number,
    parse_percent_words,
)

amounts_in_cents = st.integers(min_value=0, max_value=10**13)


def _written(cents: int, decimals: int, separators: bool) -> str:
    value = Decimal(cents) / 100
    text = f"{value:,.{decimals}f}" if separators else f"{value:.{decimals}f}"
    return text


@given(amounts_in_cents, st.sampled_from([0, 1, 2, 4, 6]), st.booleans())
def test_arabic_round_trip_keeps_value_and_precision(cents: int, decimals: int, separators: bool) -> None:
    text = _written(cents, decimals, separators)
    parsed = parse_arabic(text)
    assert parsed.decimals == decimals
    assert parsed.value == Decimal(text.replace(",", ""))


@given(amounts_in_cents, st.sampled_from([0, 2]))
def test_full_width_digits_parse_after_nfkc(cents: int, decimals: int) -> None:
    ascii_text = _written(cents, decimals, separators=True)
    full_width = ascii_text.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))
    assert parse_arabic(unicodedata.normalize("NFKC", full_width)) == parse_arabic(ascii_text)


@given(st.integers(min_value=1, max_value=10**8))
def test_chinese_numerals_round_trip(value: int) -> None:
    assert parse_chinese(cn2an.an2cn(value)).value == value


@pytest.mark.parametrize(
    ("text", "value", "decimals"),
    [("10,771,094.97", Decimal("10771094.97"), 2), ("43", Decimal(43), 0), ("54.208316", Decimal("54.208316"), 6),
     ("十二万五千", Decimal(125000), 0), ("九十五点五", Decimal("95.5"), 1)],
)
def test_examples(text: str, value: Decimal, decimals: int) -> None:
    parsed = parse_number(text)
    assert (parsed.value, parsed.decimals) == (value, decimals)


@pytest.mark.parametrize("text", ["1,2", "2,4,7", "1.2.3", "", "abc", "12,34.5"])
def test_malformed_numbers_are_rejected(text: str) -> None:
    with pytest.raises(NumberFormatError):
        parse_number(text)


def test_written_out_percentage() -> None:
    assert parse_percent_words("百分之九十五").value == 95
