"""How the broadcast and import commands show their results in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from broadcast.audience import AudienceSummary
    from broadcast.cost import CostEstimate
    from broadcast.followup import Progress
    from broadcast.importfile import ColumnProposal
    from broadcast.importing import ImportReport
    from broadcast.preview import Preview, TextPreview
    from db.models import Broadcast

BUCKET_LABELS = {
    "waiting": "à mettre en file",
    "queued": "en file",
    "sent": "envoyés",
    "delivered": "remis",
    "failed": "échecs",
    "opted_out": "désinscrits",
    "cancelled": "annulés",
    "unknown": "issue inconnue",
}


def show_audience(console: Console, summary: AudienceSummary) -> None:
    console.print(f"[bold]{summary.people}[/bold] personne(s) dans ce public.")
    if summary.through_shared:
        console.print(
            f"{summary.count} message(s) : {summary.through_shared} personne(s) jointe(s) sur le "
            "numéro d'un proche, qui reçoit un seul message pour tous."
        )
    console.print("Par canal : " + _counts(summary.by_channel))
    console.print("Par langue : " + _counts(summary.by_language))
    table = Table("n°", "prénom", "nom", "langue", "site", "canal", title="Échantillon")
    for person in summary.sample:
        cells = (person.first_name, person.last_name, person.language, person.site)
        table.add_row(str(person.beneficiary_id), *(escape(c or "") for c in cells), person.channel)
    console.print(table)


def show_preview(console: Console, preview: Preview, currency: str) -> None:
    for text in preview.texts:
        _show_text(console, text, currency)
    console.print(
        f"[bold]Total : {preview.recipients} destinataire(s), "
        f"coût estimé {_money(preview.cost, currency)}[/bold]"
    )


def _show_text(console: Console, text: TextPreview, currency: str) -> None:
    readers = ", ".join(text.read_by) or "personne"
    console.rule(f"[bold]{text.language}[/bold] — lu par : {readers}")
    console.print(text.example, markup=False, highlight=False)
    console.print(
        f"{text.encoding}, {text.length} caractères, {text.segments} SMS par personne ; "
        f"{text.recipients} destinataire(s) ({_counts(text.by_channel)})"
    )
    if text.ucs2_chars:
        culprits = " ".join(text.ucs2_chars[:20])
        console.print(f"[yellow]Caractères qui font passer en UCS-2 :[/yellow] {culprits}")
    if text.suggestion:
        console.print("[green]Formulation GSM-7 proposée (option --gsm pour l'utiliser) :[/green]")
        console.print(text.suggestion, markup=False, highlight=False)
    if text.personalised_ucs2:
        console.print(
            f"{text.personalised_ucs2} personne(s) ont un prénom ou un site hors GSM-7 "
            "(leur SMS coûte plus)."
        )
    console.print(f"{text.sms_segments} segment(s) SMS, coût {_money(text.cost, currency)}")


def show_broadcast(console: Console, broadcast: Broadcast) -> None:
    when = (
        broadcast.send_at.isoformat(timespec="minutes") if broadcast.send_at else "dès que possible"
    )
    console.print(
        f"Diffusion n° {broadcast.id} « {broadcast.title} » : {broadcast.status}"
        f"{' (urgente)' if broadcast.urgent else ''}, envoi {when}, "
        f"{broadcast.recipient_count or 0} destinataire(s)."
    )


def show_progress(console: Console, progress: Progress) -> None:
    console.print(
        f"Diffusion n° {progress.broadcast_id} : {progress.status}, "
        f"{progress.recipients} destinataire(s), {progress.replies} réponse(s)."
    )
    table = Table("état", "nombre")
    for bucket, label in BUCKET_LABELS.items():
        table.add_row(label, str(progress.counts.get(bucket, 0)))
    console.print(table)


def show_import(console: Console, report: ImportReport) -> None:
    read = report.read
    mode = "[yellow]Essai à blanc : rien n'a été enregistré.[/yellow] " if report.dry_run else ""
    console.print(
        f"{mode}{len(read.rows)} personne(s) lue(s) : {report.created} créée(s), "
        f"{report.updated} complétée(s), {report.unchanged} inchangée(s) ; "
        f"{report.contacts_added} contact(s) ajouté(s)."
    )
    columns = ", ".join(f"{heading} → {field}" for heading, field in read.columns)
    console.print(f"Colonnes : {columns}", markup=False)
    ignored = ", ".join(read.ignored_columns) or "aucune"
    console.print(f"Colonnes écartées : {ignored}", markup=False)
    for sheet in read.sheets:
        console.print(f"Feuille « {sheet.name} » : {sheet.note}", markup=False)
    for tag in read.tags:
        label = report.tag_labels.get(tag.tag, tag.tag)
        new = " (nouvelle)" if tag.tag in report.tags_created else ""
        written = ", ".join(f"« {w} »" for w in tag.written)
        console.print(
            f"Étiquette {label}{new} : {tag.people} personne(s), écrite {written}", markup=False
        )
    for shared in read.shared_phones:
        lines = ", ".join(str(n) for n in shared.other_lines)
        console.print(
            f"Ligne {shared.line} : même téléphone que les lignes {lines}, personnes distinctes.",
            markup=False,
        )
    if report.sites_created:
        console.print("Sites créés : " + ", ".join(report.sites_created), markup=False)
    if report.rejected:
        table = Table(
            "ligne", "raison", "contenu", title=f"{len(report.rejected)} ligne(s) écartée(s)"
        )
        for line in report.rejected:
            table.add_row(str(line.line), escape(line.reason), escape(line.raw))
        console.print(table)
    for line in report.recontacts:
        console.print(f"Ligne {line.line} ({line.raw}) : {line.reason}.", markup=False)
    for merged in read.merged:
        lines = ", ".join(str(n) for n in merged.merged_lines)
        console.print(f"Ligne {merged.line} : doublons fusionnés (lignes {lines}).")
    for warning in read.warnings:
        console.print(f"Ligne {warning.line} : {warning.message}", markup=False)


def show_columns(console: Console, proposal: ColumnProposal) -> None:
    for sheet in proposal.sheets:
        console.print(f"Feuille « {sheet.name} » : {sheet.note}", markup=False)
    console.print(f"Intitulés trouvés ligne {proposal.header_line}.")
    table = Table("colonne", "champ", "exemples")
    for column in proposal.columns:
        field = column.field or "[yellow]écartée[/yellow]"
        table.add_row(escape(column.heading), field, escape(" | ".join(column.samples)))
    console.print(table)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items())) or "aucun"


def _money(cost: CostEstimate, currency: str) -> str:
    text = f"{cost.total:.4f} {currency}"
    if not cost.complete:
        text += f" (sans prix pour : {', '.join(cost.unpriced_channels)})"
    return text
