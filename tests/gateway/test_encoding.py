import pytest

from gateway.encoding import GSM7_BASIC, SmsAnalysis, analyze_sms, is_gsm7_char, segments_for


@pytest.mark.parametrize(
    ("text", "encoding", "ucs2_chars", "suggestion"),
    [
        ("Atelier cuisine mardi a 14h30.", "GSM-7", (), None),
        ("Réunion à l'accueil, où est Éric ? Ça commence.", "GSM-7", (), None),
        ("Soirée très animée à Nîmes", "UCS-2", ("î",), "Soirée très animée à Nimes"),
        ("Rendez-vous à l’accueil", "UCS-2", ("’",), "Rendez-vous à l'accueil"),
        (
            "L’atelier « français » reprend",
            "UCS-2",
            ("’", "«", "ç", "»"),
            'L\'atelier " francais " reprend',
        ),
        ("Fête de l'été : 5 € l'entrée", "UCS-2", ("ê",), "Fete de l'été : 5 € l'entrée"),
        ("Cœur, Être, À bientôt", "UCS-2", ("œ", "Ê", "À", "ô"), "Coeur, Etre, A bientot"),
        ("14h\u00a0: colis… 2–3 kg", "UCS-2", ("\u00a0", "…", "–"), "14h : colis... 2-3 kg"),
        ("مرحبا بكم", "UCS-2", ("م", "ر", "ح", "ب", "ا", "ك"), None),
        ("Bienvenue 😀", "UCS-2", ("😀",), None),
        ("Café à Nîmes 😀", "UCS-2", ("î", "😀"), None),
    ],
)
def test_encoding_and_suggestion(
    text: str, encoding: str, ucs2_chars: tuple[str, ...], suggestion: str | None
) -> None:
    analysis = analyze_sms(text)
    assert analysis.encoding == encoding
    assert analysis.ucs2_chars == ucs2_chars
    assert analysis.suggestion == suggestion


def test_suggestion_is_itself_gsm7_and_keeps_gsm_accents() -> None:
    analysis = analyze_sms("Élève très doué, où ça ? Ça y est, à demain !")
    assert analysis.ucs2_chars == ("ç",)
    assert analysis.suggestion == "Élève très doué, où ca ? Ça y est, à demain !"
    assert analyze_sms(analysis.suggestion).encoding == "GSM-7"


def test_the_table_follows_the_standard_for_french_letters() -> None:
    assert len(GSM7_BASIC) == 127
    for char in "éèàùÉÇ":
        assert is_gsm7_char(char), char
    for char in "çêôâîûëïœÈÀÊ’«»":
        assert not is_gsm7_char(char), char


@pytest.mark.parametrize(
    ("text", "length", "segments"),
    [
        ("", 0, 0),
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("a" * 306, 306, 2),
        ("a" * 307, 307, 3),
        ("é" * 160, 160, 1),
        ("a" * 158 + "€", 160, 1),
        ("a" * 159 + "€", 161, 2),
        ("[]{}~^|\\€\f", 20, 1),
        # The escape pair cannot straddle two parts: 152 + € does not fit in 153.
        ("a" * 152 + "€" + "a" * 152, 306, 3),
        ("a" * 151 + "€" + "a" * 153, 306, 2),
    ],
)
def test_gsm7_length_and_segments(text: str, length: int, segments: int) -> None:
    analysis = analyze_sms(text)
    assert analysis.encoding == "GSM-7"
    assert (analysis.length, analysis.segments) == (length, segments)


@pytest.mark.parametrize(
    ("text", "length", "segments"),
    [
        ("ê" * 70, 70, 1),
        ("ê" * 71, 71, 2),
        ("ê" * 134, 134, 2),
        ("ê" * 135, 135, 3),
        ("😀" * 35, 70, 1),
        ("ê" + "😀" * 35, 71, 2),
        # A surrogate pair cannot straddle two parts: 66 + 2 does not fit in 67.
        ("ê" * 66 + "😀" + "ê" * 66, 134, 3),
        ("ê" * 65 + "😀" + "ê" * 67, 134, 2),
        ("ا" * 70, 70, 1),
        ("ا" * 71, 71, 2),
        # Extension characters are one unit like any other once the text is UCS-2.
        ("ê€" * 35, 70, 1),
    ],
)
def test_ucs2_length_and_segments(text: str, length: int, segments: int) -> None:
    analysis = analyze_sms(text)
    assert analysis.encoding == "UCS-2"
    assert (analysis.length, analysis.segments) == (length, segments)


def test_one_forcing_character_switches_a_long_text_to_ucs2() -> None:
    gsm = "Distribution de colis alimentaires ce samedi de 9h à 12h au centre. " * 2
    assert analyze_sms(gsm).segments == 1
    assert analyze_sms(gsm + "’").segments == 3


def test_suggestion_needs_a_difference_and_a_full_gsm7_result() -> None:
    assert analyze_sms("Déjà vu").suggestion is None
    assert analyze_sms("Rendez-vous à l’accueil — مرحبا").suggestion is None


def test_segments_for_matches_the_analysis() -> None:
    assert segments_for("a" * 161) == 2
    assert segments_for("") == 0


def test_analysis_is_a_frozen_value() -> None:
    analysis = analyze_sms("Bonjour")
    assert analysis == SmsAnalysis("GSM-7", 7, 1, (), None)
    with pytest.raises(AttributeError):
        analysis.length = 3  # type: ignore[misc]
