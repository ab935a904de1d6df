import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from broadcast.importfile import (
    ImportFileError,
    ImportResult,
    ImportRow,
    LineWarning,
    MergedLines,
    RejectedLine,
    SharedPhone,
    read_user_file,
)

# A file as a social centre keeps it: saved by Excel as "CSV (séparateur : point-virgule)",
# so Windows-1252 with CRLF, a blank line, a line of empty cells, duplicates, bad numbers and a
# remark spanning two lines (line 12-13).
MESSY_CSV = (
    "Nom;Prénom;Tél portable;Langue;Catégories;Site;Date d'inscription;Remarque\r\n"
    "DUPONT;Jean;06 12 34 56 78;français;Isolé, À risque;Nîmes centre;12/03/2020;\r\n"
    "\r\n"
    "Martin;Amina;12 34;arabe;;;;\r\n"
    "Haile;Selam;;tigrinya;;;;\r\n"
    "Dupont;;+33 6 12 34 56 78;;Colis;;;\r\n"
    ";;;;;;;\r\n"
    "Karimi;Ahmad;0033 7 98 76 54 32;dari;Colis / Atelier;Nîmes centre;;\r\n"
    "Nguyen;Thi;07.98.76.54.32;vietnamien;;;;\r\n"
    "Ruiz;Ana;06 00 00 00 0;;;;;\r\n"
    "Lopez;Maria;612345679;klingon;;;;\r\n"
    'Durand;Paul;06 11 22 33 44;fr;;;;"Appeler\r\naprès 18h"\r\n'
    "Bernard;Luc;abc;fr;;;;\r\n"
).encode("cp1252")


def person(*lines: int, phone: str | None, **fields: object) -> ImportRow:
    values: dict[str, object] = {
        "first_name": None,
        "last_name": None,
        "language": None,
        "site": None,
        "tags": frozenset(),
        "telegram_chat_id": None,
        "email": None,
    }
    values.update(fields)
    return ImportRow(lines=lines, phone=phone, **values)  # type: ignore[arg-type]


def test_messy_windows_csv_gives_the_exact_report() -> None:
    result = read_user_file(MESSY_CSV, filename="usagers.csv")

    assert result.rows == (
        person(
            2,
            6,
            phone="+33612345678",
            first_name="Jean",
            last_name="DUPONT",
            language="fr",
            site="Nîmes centre",
            tags=frozenset({"isole", "a-risque", "colis"}),
        ),
        person(
            8,
            phone="+33798765432",
            first_name="Ahmad",
            last_name="Karimi",
            language="fa",
            site="Nîmes centre",
            tags=frozenset({"colis", "atelier"}),
        ),
        # Another name on the same number: a relative sharing the phone, kept apart.
        person(
            9,
            phone="+33798765432",
            first_name="Thi",
            last_name="Nguyen",
            language="vi",
            shared_phone=True,
        ),
        person(11, phone="+33612345679", first_name="Maria", last_name="Lopez"),
        person(12, phone="+33611223344", first_name="Paul", last_name="Durand", language="fr"),
    )
    assert result.rejected == (
        RejectedLine(
            4,
            "numéro de téléphone invalide : « 12 34 »",
            "Martin; Amina; 12 34; arabe",
            "invalid_phone",
        ),
        RejectedLine(5, "aucun moyen de contact", "Haile; Selam; ; tigrinya", "no_contact"),
        RejectedLine(
            10,
            "numéro de téléphone invalide : « 06 00 00 00 0 »",
            "Ruiz; Ana; 06 00 00 00 0",
            "invalid_phone",
        ),
        RejectedLine(
            14, "numéro de téléphone invalide : « abc »", "Bernard; Luc; abc; fr", "invalid_phone"
        ),
    )
    assert result.merged == (MergedLines(line=2, merged_lines=(6,), conflicts=()),)
    assert result.shared_phones == (SharedPhone(line=8, other_lines=(9,)),)
    assert result.warnings == (
        LineWarning(
            9,
            "même téléphone que la ligne 8 pour une autre personne : fiche à part, jointe par ce "
            "contact",
            "shared_phone",
        ),
        LineWarning(11, "langue inconnue : « klingon », laissée vide", "unknown_language"),
    )
    assert result.columns == (
        ("Nom", "last_name"),
        ("Prénom", "first_name"),
        ("Tél portable", "phone"),
        ("Langue", "language"),
        ("Catégories", "tags"),
        ("Site", "site"),
    )
    assert result.ignored_columns == ("Date d'inscription", "Remarque")
    assert (result.header_line, result.format, result.encoding, result.delimiter) == (
        1,
        "csv",
        "cp1252",
        ";",
    )


BOM_CSV = (
    "\ufeffprénom,nom,téléphone,language,tags,telegram id,email\n"
    'Selam,Haile,,ti,"Isolé; Femmes",123456789,selam@example.org\n'
    "Yonas,Tesfay,+32 470 12 34 56,English,,555,\n"
    "Amani,,,ar,,@amani,\n"
    "Sara,,0612345678,fa-AF,,@sara,pas-un-mail\n"
    "Selam,H.,,,jeunes,123456789,\n"
    "Selam,Haile,06 98 76 54 32,,,123456789,\n"
    "Awet,,07 98 76 54 32,,,555,\n"
).encode()


def test_utf8_bom_comma_csv_with_telegram_ids() -> None:
    result = read_user_file(BOM_CSV, filename="export.csv")

    assert result.rows == (
        person(
            2,
            6,
            7,
            phone="+33698765432",
            first_name="Selam",
            last_name="Haile",
            language="ti",
            tags=frozenset({"isole", "femme", "jeune"}),
            telegram_chat_id=123456789,
            email="selam@example.org",
        ),
        person(
            3,
            phone="+32470123456",
            first_name="Yonas",
            last_name="Tesfay",
            language="en",
            telegram_chat_id=555,
        ),
        person(5, phone="+33612345678", first_name="Sara", language="fa"),
        person(8, phone="+33798765432", first_name="Awet"),
    )
    assert result.rejected == (
        RejectedLine(
            4,
            "identifiant Telegram invalide : « @amani »",
            "Amani; ; ; ar; ; @amani",
            "invalid_telegram",
        ),
    )
    # Line 7 gives a number to the Telegram-only person of line 2: same account, same person.
    assert result.merged == (MergedLines(line=2, merged_lines=(6, 7), conflicts=("last_name",)),)
    assert result.warnings == (
        LineWarning(
            5, "identifiant Telegram invalide : « @sara », ignoré", "invalid_telegram_ignored"
        ),
        LineWarning(5, "adresse e-mail invalide : « pas-un-mail », ignorée", "invalid_email"),
        LineWarning(
            8,
            "identifiant Telegram « 555 » déjà donné ligne 3 pour un autre numéro, ignoré",
            "telegram_taken",
        ),
    )
    assert result.ignored_columns == ()
    assert (result.encoding, result.delimiter) == ("utf-8-sig", ",")


def workbook_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Liste des usagers — 2020"])
    sheet.append([])
    sheet.append(["Nom", "Prénom", "Portable", "Langue", "Date de naissance", "Catégorie"])
    sheet.append(["Diallo", "Mamadou", 612345678, "fr", datetime(1990, 5, 4), "Jeunes"])
    sheet.append(["Ba", "Awa", 33698765432.0, "wolof", None, None])
    sheet.append([])
    sheet.append(["X", "Y", 1234, None, None, None])
    sheet.append(["Ba", "Awa", "06 98 76 54 32", None, None, "Colis"])
    workbook.create_sheet("Archives").append(["Nom", "Téléphone"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_workbook_with_numeric_phones_and_a_title_above_the_headings() -> None:
    result = read_user_file(workbook_bytes(), filename="usagers.xlsx")

    assert result.rows == (
        person(
            4,
            phone="+33612345678",
            first_name="Mamadou",
            last_name="Diallo",
            language="fr",
            tags=frozenset({"jeune"}),
        ),
        person(
            5,
            8,
            phone="+33698765432",
            first_name="Awa",
            last_name="Ba",
            language="wo",
            tags=frozenset({"colis"}),
        ),
    )
    assert result.rejected == (
        RejectedLine(7, "numéro de téléphone invalide : « 1234 »", "X; Y; 1234", "invalid_phone"),
    )
    assert result.merged == (MergedLines(line=5, merged_lines=(8,), conflicts=()),)
    assert result.ignored_columns == ("Date de naissance",)
    assert (result.header_line, result.format, result.encoding, result.delimiter) == (
        3,
        "xlsx",
        None,
        None,
    )


def test_a_date_cell_is_shown_as_a_date_when_rejected() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Téléphone", "Nom"])
    sheet.append([datetime(2020, 3, 12), "Dupont"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = read_user_file(buffer.getvalue(), filename="usagers.xlsx")

    assert result.rejected == (
        RejectedLine(
            2,
            "numéro de téléphone invalide : « 2020-03-12 »",
            "2020-03-12; Dupont",
            "invalid_phone",
        ),
    )


@pytest.mark.parametrize(
    ("data", "filename"),
    [(MESSY_CSV, "usagers.csv"), (BOM_CSV, "export.csv"), (workbook_bytes(), "usagers.xlsx")],
)
def test_reading_twice_gives_the_same_result(data: bytes, filename: str, tmp_path: Path) -> None:
    path = tmp_path / filename
    path.write_bytes(data)
    first = read_user_file(data, filename=filename)
    assert read_user_file(data, filename=filename) == first
    assert read_user_file(path, filename=filename) == first
    assert read_user_file(str(path), filename=filename) == first


def test_column_map_names_columns_the_usual_headings_miss() -> None:
    data = b"Contact;Qui\n06 12 34 56 78;Jean\n"

    result = read_user_file(
        data, filename="f.csv", column_map={"contact": "phone", "QUI": "first_name"}
    )

    assert result.rows == (person(2, phone="+33612345678", first_name="Jean"),)
    assert result.columns == (("Contact", "phone"), ("Qui", "first_name"))


def test_default_region_reads_national_numbers() -> None:
    data = b"telephone\n0470 12 34 56\n"

    result = read_user_file(data, filename="f.csv", default_region="BE")

    assert result.rows == (person(2, phone="+32470123456"),)


def test_a_file_without_contact_column_is_refused() -> None:
    with pytest.raises(ImportFileError) as error:
        read_user_file("Nom;Prénom;Adresse\nDupont;Jean;Nîmes\n".encode(), filename="liste.csv")
    assert str(error.value) == (
        "aucune colonne de téléphone ni d'identifiant Telegram dans « liste.csv » "
        "(colonnes lues : Nom, Prénom, Adresse)"
    )


def test_a_header_only_file_has_nothing_to_import() -> None:
    result = read_user_file(b"Nom;Telephone\r\n\r\n", filename="vide.csv")
    assert (result.rows, result.rejected, result.merged) == ((), (), ())


def test_a_value_repeated_on_several_lines_is_warned_about_on_each() -> None:
    data = (
        "Nom;Tel;Langue;Email;Situation;Public\n"
        "Ba;06 12 34 56 78;klingon;pas-un-mail;Isolée;isolé\n"
        "Diallo;06 12 34 56 79;klingon;pas-un-mail;Isolée;\n"
    ).encode()
    result = read_user_file(data, filename="f.csv")
    assert [(w.line, w.code) for w in result.warnings] == [
        (2, "unknown_language"),
        (2, "invalid_email"),
        (3, "unknown_language"),
        (3, "invalid_email"),
    ]
    # A tag in two columns keeps how the last one wrote it.
    assert [row.written_tags for row in result.rows] == [
        (("isole", "isolé"),),
        (("isole", "Isolée"),),
    ]


def test_results_are_plain_values() -> None:
    result = read_user_file(b"telephone\n0612345678\n", filename="f.csv")
    assert isinstance(result, ImportResult)
    assert result.rows[0].line == 2
    assert hash(result.rows[0])


def test_a_column_map_to_an_unknown_field_is_refused() -> None:
    with pytest.raises(ImportFileError) as error:
        read_user_file(b"Tel\n0612345678\n", filename="f.csv", column_map={"Tel": "mobile"})
    assert str(error.value) == "la colonne « Tel » est associée à un champ inconnu : « mobile »"


def test_a_missing_path_is_an_import_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as error:
        read_user_file(tmp_path / "absent.csv", filename="absent.csv")
    assert str(error.value) == "impossible d'ouvrir le fichier « absent.csv »"
