"""Section titles and column labels of the readable export, read from a YAML catalogue."""

from __future__ import annotations

from pathlib import Path

from gateway.catalogue import load_catalogue, render

CORE_LABELS = Path(__file__).parent / "texts" / "labels.yaml"


def section_texts(
    name: str, *, path: Path = CORE_LABELS, language: str = "fr"
) -> tuple[str, dict[str, str]]:
    """Return a source's title and field labels from a catalogue keyed "<name>.<field>"."""
    catalogue = load_catalogue(path)
    prefix = f"{name}."
    labels = {
        key.removeprefix(prefix): render(texts, language)
        for key, texts in catalogue.items()
        if key.startswith(prefix) and key != f"{name}.title"
    }
    return render(catalogue[f"{name}.title"], language), labels
