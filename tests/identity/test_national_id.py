from __future__ import annotations

import pytest

from dmp.identity.errors import InvalidNationalId
from dmp.identity.national_id import parse_national_id


@pytest.mark.parametrize("valid", ["810003461033", "0751234567", "3750100018"])
def test_known_shapes_are_accepted(valid):
    assert parse_national_id(valid) == valid


@pytest.mark.parametrize("invalid", ["", "210003461033", "81000346103", "8100034610AB", "9123"])
def test_other_shapes_are_refused(invalid):
    with pytest.raises(InvalidNationalId):
        parse_national_id(invalid)
