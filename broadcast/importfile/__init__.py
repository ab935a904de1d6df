"""Importing an association's existing user file: CSV or Excel, messy headings, duplicates."""

from broadcast.importfile.reader import read_user_file
from broadcast.importfile.results import (
    ImportFileError,
    ImportResult,
    ImportRow,
    LineWarning,
    MergedLines,
    RejectedLine,
)

__all__ = [
    "ImportFileError",
    "ImportResult",
    "ImportRow",
    "LineWarning",
    "MergedLines",
    "RejectedLine",
    "read_user_file",
]
