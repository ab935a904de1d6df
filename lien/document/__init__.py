"""The readable export: one person's data as a French document to print or hand over."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from gateway.catalogue import load_catalogue, render

HERE = Path(__file__).parent
TEXTS = HERE / "texts.yaml"
# Columns holding codes (a status, a channel) that read better in words.
CODED = frozenset({"channel", "direction", "status", "kind", "source", "state", "action", "origin"})
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# A consent keyword's detail, "channel:word" ("simulator:stop").
_KEYWORD_ON = re.compile(r"^(sms|telegram|simulator|whatsapp):(\w+)$")


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["j2", "html"]))


class _Document:
    """What the template calls: texts, dates in local time, values in words."""

    def __init__(self, *, timezone: str, language: str) -> None:
        self.zone = ZoneInfo(timezone)
        self.language = language
        self.texts = load_catalogue(TEXTS)

    def text(self, key: str, **params: Any) -> str:
        return render(self.texts[key], self.language, **params)

    def when(self, value: str) -> str:
        moment = datetime.fromisoformat(value).astimezone(self.zone)
        return self.text(
            "document.at", date=moment.strftime("%d/%m/%Y"), time=moment.strftime("%H:%M")
        )

    def word(self, code: str) -> str:
        texts = self.texts.get(f"value.{code}")
        return code if texts is None else render(texts, self.language)

    def show(self, key: str, value: Any) -> Markup:
        if value is None:
            return Markup("")
        if isinstance(value, bool):
            return escape(self.text("document.yes" if value else "document.no"))
        if isinstance(value, str):
            if _ISO.match(value):
                return escape(self.when(value))
            if key == "detail" and (keyword := _KEYWORD_ON.match(value)):
                channel, word = keyword.groups()
                return escape(
                    self.text("document.keyword_on", word=word.upper(), channel=self.word(channel))
                )
            return escape(self.word(value) if key in CODED else value)
        if isinstance(value, dict):
            items = (
                Markup("{} : {}").format(self.word(k), self.show(k, v)) for k, v in value.items()
            )
            return Markup("<br>").join(items)
        if isinstance(value, list):
            if all(isinstance(item, dict) for item in value):
                lines = (self._line(item) for item in value)
                return Markup("<ul>{}</ul>").format(
                    Markup("").join(Markup("<li>{}</li>").format(line) for line in lines)
                )
            return escape(", ".join(self.word(str(item)) for item in value))
        return escape(str(value))

    def _line(self, item: dict[str, Any]) -> Markup:
        parts = [self.show(k, v) for k, v in item.items() if v not in (None, "")]
        return Markup(" — ").join(parts)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _organisation(export: dict[str, Any]) -> str | None:
    for section in export["sections"]:
        data = section["data"]
        if isinstance(data, dict) and data.get("organisation"):
            return str(data["organisation"])
    return None


def render_export_html(
    export: dict[str, Any], *, timezone: str = "Europe/Paris", language: str = "fr"
) -> str:
    """Render an export (from gateway.privacy.export.export_person) as a printable HTML page."""
    document = _Document(timezone=timezone, language=language)
    template = _environment().get_template("export.html.j2")
    return template.render(
        export=export,
        organisation=_organisation(export) or document.text("document.organisation"),
        text=document.text,
        when=document.when,
        show=document.show,
        columns_of=_columns,
    )
