"""Importing an association's existing user file: CSV or Excel, messy headings, duplicates."""

from broadcast.importfile.columns import FIELDS, IGNORE
from broadcast.importfile.proposal import ColumnProposal, ProposedColumn, propose_columns
from broadcast.importfile.reader import read_user_file
from broadcast.importfile.results import (
    ImportFileError,
    ImportResult,
    ImportRow,
    LineWarning,
    MergedLines,
    RejectedLine,
    SharedPhone,
    SheetSeen,
    TagSeen,
)

__all__ = [
    "FIELDS",
    "IGNORE",
    "ColumnProposal",
    "ImportFileError",
    "ImportResult",
    "ImportRow",
    "LineWarning",
    "MergedLines",
    "ProposedColumn",
    "RejectedLine",
    "SharedPhone",
    "SheetSeen",
    "TagSeen",
    "propose_columns",
    "read_user_file",
]
