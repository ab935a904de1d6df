"""Freeze the program's clock for a test module, so its fixed dates and the code agree on now."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import holidays
import pytest
import time_machine


def frozen_at(moment: datetime, *, tick: bool = True) -> Any:
    """Return an autouse fixture that puts the clock at `moment` for every test of the module.

    With `tick` the clock moves on from there, so code that waits for time to pass still can.
    """

    @pytest.fixture(autouse=True)
    def _frozen_clock() -> Iterator[time_machine.Traveller]:
        with time_machine.travel(moment, tick=tick) as traveller:
            yield traveller

    return _frozen_clock


def clear_weekday(weekday: int, *, after: date, weeks: int = 4) -> date:
    """Return the first such weekday on or after `after` whose next `weeks` weeks hold no holiday.

    Series skip French public holidays, so a test counting weekly sessions starts where none falls.
    """
    day = after + timedelta(days=(weekday - after.weekday()) % 7)
    closed = holidays.country_holidays("FR", years=range(day.year, day.year + 2))
    while any(day + timedelta(weeks=n) in closed for n in range(weeks)):
        day += timedelta(weeks=1)
    return day
