"""The rows the reader builds are the rows ImportRow's own constructor builds."""

import dataclasses

import pytest

from broadcast.importfile.results import ImportRow, new_import_row


def test_a_row_built_quickly_is_the_row_the_constructor_builds() -> None:
    fields = {
        "lines": (3,),
        "phone": "+33612345678",
        "first_name": "Élodie",
        "last_name": "Martin",
        "language": "fr",
        "site": "Narbonne",
        "tags": frozenset({"isole"}),
        "telegram_chat_id": 42,
        "email": "e@m.fr",
        "other_phones": (("+33468123456", "fixed"),),
        "written_tags": (("isole", "Isolée"),),
    }
    quick = new_import_row(**fields)  # type: ignore[arg-type]
    built = ImportRow(**fields)  # type: ignore[arg-type]
    assert repr(quick) == repr(built)
    assert quick == built and hash(quick) == hash(built)
    assert dataclasses.replace(quick, shared_phone=True).shared_phone
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.phone = None  # type: ignore[misc]
