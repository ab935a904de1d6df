import io
import zipfile

import pytest

from broadcast.importfile import ImportFileError
from broadcast.importfile.sheet import SheetRow, read_sheet


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Nom;Tél\nÉlodie;06\n".encode(), "utf-8"),
        ("Nom;Tél\nÉlodie;06\n".encode("utf-8-sig"), "utf-8-sig"),
        ("Nom;Tél\nÉlodie;06\n".encode("cp1252"), "cp1252"),
        ("Nom;Tél\nÉlodie;06\n".encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_excel_saves(data: bytes, encoding: str) -> None:
    sheet = read_sheet(data, filename="f.csv")
    assert sheet.encoding == encoding
    assert sheet.rows == (SheetRow(1, ("Nom", "Tél")), SheetRow(2, ("Élodie", "06")))


def test_cp1252_only_characters_are_read_right() -> None:
    data = "Nom;Note\nŒuvre;l’été…\n".encode("cp1252")
    assert read_sheet(data, filename="f.csv").rows[1].cells == ("Œuvre", "l’été…")


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiter_is_sniffed(delimiter: str) -> None:
    lines = [["Nom", "Téléphone", "Tags"], ["Dupont", "06 12", "a, b; c"], ["Ba", "07", "d|e"]]
    quoted = [
        delimiter.join(f'"{cell}"' if any(c in cell for c in ";,\t|") else cell for cell in line)
        for line in lines
    ]
    sheet = read_sheet("\n".join(quoted).encode(), filename="f.csv")
    assert sheet.delimiter == delimiter
    assert [row.cells for row in sheet.rows] == [tuple(line) for line in lines]


def test_delimiter_is_sniffed_from_the_first_lines_however_long() -> None:
    # A long note with a comma on the first lines, filling more than 4 KiB: the semicolon of
    # the lines below still decides.
    notes = [f"{'x' * 300},y" for _ in range(14)]
    phones = [f"Ba;06 12 34 56 {i:02d}" for i in range(36)]
    sheet = read_sheet("\n".join(["Nom;Téléphone", *notes, *phones]).encode(), filename="f.csv")
    assert sheet.delimiter == ";"
    assert sheet.rows[-1].cells == ("Ba", "06 12 34 56 35")


def test_excel_sep_hint_line_is_obeyed_and_counted() -> None:
    sheet = read_sheet(b"sep=,\r\nNom;Prenom,Tel\r\nA;B,06\r\n", filename="f.csv")
    assert sheet.delimiter == ","
    assert sheet.rows == (SheetRow(2, ("Nom;Prenom", "Tel")), SheetRow(3, ("A;B", "06")))


def test_lines_are_numbered_as_an_editor_shows_them() -> None:
    data = b'Nom;Tel\r\n\r\n"Du\r\npont";06\r\nBa;07'
    sheet = read_sheet(data, filename="f.csv")
    assert sheet.rows == (
        SheetRow(1, ("Nom", "Tel")),
        SheetRow(2, ()),
        SheetRow(3, ("Du\r\npont", "06")),
        SheetRow(5, ("Ba", "07")),
    )


def _zip_with(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "vide.csv", "le fichier « vide.csv » est vide"),
        (b" \r\n\r\n", "vide.csv", "le fichier « vide.csv » est vide"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "ancien.xls",
            "le format du fichier « ancien.xls » n'est pas pris en charge : "
            "enregistrez-le en .xlsx ou en .csv",
        ),
        (
            _zip_with("content.xml"),
            "calc.ods",
            "le format du fichier « calc.ods » n'est pas pris en charge : "
            "enregistrez-le en .xlsx ou en .csv",
        ),
        (_zip_with("hello.txt"), "casse.xlsx", "le classeur Excel « casse.xlsx » est illisible"),
        (
            b"%PDF-1.4\n\x00\x01\x02binary",
            "scan.pdf",
            "le fichier « scan.pdf » n'est pas un tableau lisible (ni CSV ni Excel)",
        ),
        (
            b"\x81\x8d\x8f\x90\x9d",
            "bizarre.csv",
            "le fichier « bizarre.csv » n'est pas un tableau lisible (ni CSV ni Excel)",
        ),
    ],
)
def test_unreadable_files_are_refused_in_french(data: bytes, filename: str, message: str) -> None:
    with pytest.raises(ImportFileError) as error:
        read_sheet(data, filename=filename)
    assert str(error.value) == message
    assert isinstance(error.value, ValueError)


def test_rows_of_one_line_each_are_numbered_one_by_one() -> None:
    # Blank lines, a lone carriage return and quotes that close on their line.
    data = b'Nom;Tel\n\nA;06\rB;07\r\n"C";"08"\n'
    sheet = read_sheet(data, filename="f.csv")
    assert sheet.rows == (
        SheetRow(1, ("Nom", "Tel")),
        SheetRow(2, ()),
        SheetRow(3, ("A", "06")),
        SheetRow(4, ("B", "07")),
        SheetRow(5, ("C", "08")),
    )
    assert all(type(row) is SheetRow for row in sheet.rows)
