"""Message catalogues: texts kept as data, French first, with a French fallback."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_LANGUAGE = "fr"
GATEWAY_TEXTS = Path(__file__).parent / "texts" / "messages.yaml"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@cache
def load_catalogue(path: Path) -> dict[str, dict[str, str]]:
    """Read a YAML catalogue of key -> language -> text, refusing entries without French."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key, texts in data.items():
        if not isinstance(texts, dict) or DEFAULT_LANGUAGE not in texts:
            raise ValueError(f"{path.name}: « {key} » n'a pas de texte en français")
    return data


def render(texts: dict[str, str], language: str | None, **params: Any) -> str:
    """Pick the text in a language (French if missing) and fill its placeholders."""
    template = texts.get(language or DEFAULT_LANGUAGE) or texts[DEFAULT_LANGUAGE]
    return template.format_map(_Blank(params))


def gateway_text(key: str, language: str | None, **params: Any) -> str:
    return render(load_catalogue(GATEWAY_TEXTS)[key], language, **params)
