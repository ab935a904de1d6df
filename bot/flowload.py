"""Load flow files and report on them; a broken flow is refused with where and why."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.flowcheck import Findings, check_flow
from bot.flowdef import Flow, FlowError
from bot.yamlread import describe_errors, read_yaml

FLOWS_FOLDER = Path(__file__).parent / "flows"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlowFileReport:
    """What `check_flows` found in one file."""

    file: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing_translations: dict[str, list[str]] = field(default_factory=dict)
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    unreviewed: list[str] = field(default_factory=list)

    def coverage_line(self) -> str:
        """Return the share of texts written in each language, unreviewed ones marked."""
        parts = []
        for lang, (done, total) in self.coverage.items():
            share = f"{done}/{total} ({done / total:.0%})" if total else "0/0"
            parts.append(f"{lang} {share}{' à relire' if lang in self.unreviewed else ''}")
        return f"{self.file}: textes traduits par langue : {', '.join(parts)}"


@dataclass(frozen=True)
class FlowReport:
    """What `check_flows` found in a folder of flow files."""

    files: list[FlowFileReport]

    @property
    def ok(self) -> bool:
        """Tell whether every flow can be loaded."""
        return not any(report.errors for report in self.files)

    def lines(self) -> list[str]:
        """Return the report as lines to print, one problem per line."""
        lines = []
        for report in self.files:
            lines += [f"{report.file}: error: {error}" for error in report.errors]
            lines += [f"{report.file}: warning: {warning}" for warning in report.warnings]
            for lang, places in sorted(report.missing_translations.items()):
                lines.append(f"{report.file}: {len(places)} text(s) without {lang}")
                lines += [f"  - {place}" for place in places]
            if report.coverage:
                lines.append(report.coverage_line())
        return lines


def _examine(path: Path) -> tuple[Flow | None, Findings]:
    """Return the flow in a file (None when it cannot be built) and everything found wrong."""
    try:
        raw = read_yaml(path)
    except ValueError as exc:
        return None, Findings(errors=[str(exc)])
    if not isinstance(raw, dict):
        return None, Findings(errors=["a flow file is a mapping with start, languages and nodes"])
    raw.setdefault("id", path.stem)
    try:
        flow = Flow.model_validate(raw)
    except ValidationError as exc:
        return None, Findings(errors=describe_errors(exc, raw))
    return flow, check_flow(flow)


def load_flow(path: Path) -> Flow:
    """Return the flow defined in a YAML file; raise FlowError naming each mistake."""
    flow, findings = _examine(path)
    if flow is None or findings.errors:
        raise FlowError([f"{path.name}: {error}" for error in findings.errors])
    for warning in findings.warnings:
        logger.warning("%s: %s", path.name, warning)
    return flow


def load_flows(folder: Path = FLOWS_FOLDER) -> dict[str, Flow]:
    """Return every flow of a folder by id; raise FlowError on the first broken file."""
    flows: dict[str, Flow] = {}
    for path in sorted(folder.glob("*.yaml")):
        flow = load_flow(path)
        if flow.id in flows:
            raise FlowError([f'{path.name}: flow id "{flow.id}" is already used by another file'])
        flows[flow.id] = flow
    return flows


def check_flows(folder: Path = FLOWS_FOLDER) -> FlowReport:
    """Return the errors, warnings and missing translations of every flow file in a folder."""
    reports = []
    for path in sorted(folder.glob("*.yaml")):
        flow, findings = _examine(path)
        reports.append(
            FlowFileReport(
                file=path.name,
                errors=findings.errors,
                warnings=findings.warnings,
                missing_translations=findings.missing_translations,
                coverage=findings.coverage,
                unreviewed=list(flow.unreviewed_languages) if flow else [],
            )
        )
    return FlowReport(files=reports)
