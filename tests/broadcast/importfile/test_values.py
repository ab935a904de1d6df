import pytest

from broadcast.importfile.columns import field_for_heading, normalize_heading
from broadcast.importfile.values import (
    clean_text,
    parse_email,
    parse_language,
    parse_tags,
    parse_telegram_chat_id,
)


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Nom", "last_name"),
        ("NOM DE FAMILLE", "last_name"),
        ("Prénom", "first_name"),
        ("prenom", "first_name"),
        ("Prénom(s)", "first_name"),
        ("Téléphone", "phone"),
        ("telephone", "phone"),
        ("Tél.", "phone"),
        ("Portable", "phone"),
        ("Mobile", "phone"),
        ("Numéro", "phone"),
        ("N°", "phone"),
        ("GSM", "phone"),
        ("Numéro de téléphone", "phone"),
        ("Langue", "language"),
        ("Language", "language"),
        ("Langue parlée", "language"),
        ("Site", "site"),
        ("Nom du site", "site"),
        ("Tags", "tags"),
        ("Catégorie", "tags"),
        ("categories", "tags"),
        ("Catégories ", "tags"),
        ("Telegram", "telegram_chat_id"),
        ("Telegram ID", "telegram_chat_id"),
        ("E-mail", "email"),
        ("Courriel", "email"),
        ("Numéro d'adhérent", None),
        ("Nom prénom", None),
        ("Date de naissance", None),
        ("Adresse", None),
    ],
)
def test_usual_headings(heading: str, field: str | None) -> None:
    assert field_for_heading(heading, column_map={}) == field


def test_explicit_map_wins_over_usual_headings() -> None:
    assert field_for_heading("Portable", column_map={"portable": "site"}) == "site"


def test_heading_normalisation_ignores_case_accents_and_punctuation() -> None:
    assert normalize_heading("  Tél.  Portable ") == "tel portable"
    assert normalize_heading("NOM_DE_FAMILLE") == "nom de famille"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("français", "fr"),
        ("Francais", "fr"),
        ("FR", "fr"),
        ("anglais", "en"),
        ("English", "en"),
        ("en", "en"),
        ("arabe", "ar"),
        ("Arabic", "ar"),
        ("ar", "ar"),
        ("tigrinya", "ti"),
        ("ti", "ti"),
        ("dari", "fa"),
        ("persan", "fa"),
        ("pachto", "ps"),
        ("Pashto", "ps"),
        ("ps", "ps"),
        ("espagnol", "es"),
        ("ru", "ru"),
        ("fr-FR", "fr"),
        ("arabe / français", "ar"),
        ("klingon", None),
        ("xx", None),
        ("?", None),
    ],
)
def test_languages(written: str, code: str | None) -> None:
    assert parse_language(written) == code


@pytest.mark.parametrize(
    ("cell", "tags"),
    [
        ("Isolé, À risque", {"isole": "Isolé", "a-risque": "À risque"}),
        (
            "colis; atelier /  Jeunes  |femmes",
            {"colis": "colis", "atelier": "atelier", "jeune": "Jeunes", "femme": "femmes"},
        ),
        ("  ,;", {}),
        ("Personnes   âgées", {"personne-age": "Personnes âgées"}),
        ("ISOLEES; isolé·e", {"isole": "ISOLEES"}),
    ],
)
def test_tags(cell: str, tags: dict[str, str]) -> None:
    assert parse_tags(cell) == tags


@pytest.mark.parametrize(
    ("cell", "chat_id"),
    [("123456789", 123456789), (" -1001234 ", -1001234), ("@sara", None), ("12a", None)],
)
def test_telegram_chat_ids(cell: str, chat_id: int | None) -> None:
    assert parse_telegram_chat_id(cell) == chat_id


def test_emails_and_text() -> None:
    assert parse_email(" a.b@example.org ") == "a.b@example.org"
    assert parse_email("pas-un-mail") is None
    assert clean_text("  Jean   Pierre ") == "Jean Pierre"
    assert clean_text("   ") is None
