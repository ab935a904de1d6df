"""`lien broadcast …`: reach part or all of the user file, from the terminal.

The commands only read their options; the work lives in `cli_broadcast_work`, imported when a
command runs, so that `lien --help` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

broadcast_app = typer.Typer(
    help="Diffusions : prévenir tout ou partie du fichier usagers (SMS, Telegram).",
    no_args_is_help=True,
)
Sites = Annotated[list[str] | None, typer.Option("--site", help="Site (slug) ; répétable.")]
Tags = Annotated[
    list[str] | None, typer.Option("--tag", help="Étiquette (isolé, à risque…) : au moins une.")
]
NoTags = Annotated[list[str] | None, typer.Option("--exclude-tag", help="Étiquette à exclure.")]
Languages = Annotated[list[str] | None, typer.Option("--language", help="Langue (fr, ar…).")]
Channels = Annotated[list[str] | None, typer.Option("--channel", help="sms, telegram, simulator.")]
Event = Annotated[int | None, typer.Option("--event", help="Inscrits à cet événement.")]
Within = Annotated[
    int | None, typer.Option("--contacted-within", help="Contact dans les N derniers jours.")
]
Silent = Annotated[
    int | None, typer.Option("--not-contacted-for", help="Sans contact depuis N jours.")
]
Org = Annotated[
    str | None, typer.Option("--org", help="Organisation (slug), s'il y en a plusieurs.")
]
Texts = Annotated[
    list[str] | None,
    typer.Option("--text", help="« fr:Bonjour {prénom}… » ; une par langue, le français requis."),
]
TextsFile = Annotated[
    Path | None, typer.Option("--texts", help="Fichier YAML : une clé par langue (fr, ar…).")
]
Gsm = Annotated[
    bool, typer.Option("--gsm", help="Utiliser la formulation GSM-7 proposée (SMS moins cher).")
]
NoStop = Annotated[
    bool,
    typer.Option("--no-stop-notice", help="Ne pas ajouter « Répondez STOP… » en fin de texte."),
]
By = Annotated[str | None, typer.Option("--by", help="Votre nom de membre de l'équipe.")]
Id = Annotated[int, typer.Argument(help="Numéro de la diffusion.")]


# Each audience option of a command, and the field of the audience filter it fills.
_CRITERIA = {
    "site": "sites",
    "tag": "tags",
    "exclude_tag": "exclude_tags",
    "language": "languages",
    "channel": "channels",
    "event": "event_id",
    "contacted_within": "contacted_within_days",
    "not_contacted_for": "not_contacted_for_days",
}


def _criteria(options: dict[str, Any]) -> dict[str, Any]:
    """Return the audience filter's fields from a command's options (its `locals()`)."""
    return {field: options[option] for option, field in _CRITERIA.items()}


@broadcast_app.command()
def audience(
    site: Sites = None,
    tag: Tags = None,
    exclude_tag: NoTags = None,
    language: Languages = None,
    channel: Channels = None,
    event: Event = None,
    contacted_within: Within = None,
    not_contacted_for: Silent = None,
    org: Org = None,
) -> None:
    """Compter le public et en montrer un échantillon, sans rien envoyer."""
    from lien.cli import broadcast_work as work

    criteria = _criteria(locals())
    work.audience(criteria, org=org)


@broadcast_app.command()
def preview(
    text: Texts = None,
    texts: TextsFile = None,
    gsm: Gsm = False,
    no_stop_notice: NoStop = False,
    site: Sites = None,
    tag: Tags = None,
    exclude_tag: NoTags = None,
    language: Languages = None,
    channel: Channels = None,
    event: Event = None,
    contacted_within: Within = None,
    not_contacted_for: Silent = None,
    org: Org = None,
) -> None:
    """Montrer chaque texte tel qu'il partira : GSM-7 ou UCS-2, segments, coût par canal."""
    from lien.cli import broadcast_work as work

    criteria = _criteria(locals())
    work.preview(criteria, org=org, texts=work.Texts(text, texts, gsm, not no_stop_notice))


@broadcast_app.command()
def send(
    title: Annotated[str, typer.Option(help="Titre, pour l'équipe.")],
    text: Texts = None,
    texts: TextsFile = None,
    gsm: Gsm = False,
    no_stop_notice: NoStop = False,
    at: Annotated[
        str | None, typer.Option(help="Envoyer plus tard : « 2026-12-01 09:00 » (heure locale).")
    ] = None,
    urgent: Annotated[
        bool, typer.Option(help="Alerte urgente : part même en heures calmes, en priorité.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Ne pas demander de confirmation.")] = False,
    reply: Annotated[
        str | None,
        typer.Option(
            help="Ce que reçoit une personne qui répond (par défaut : « Merci, l'équipe a bien "
            "reçu votre message »)."
        ),
    ] = None,
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Renvoyer un texte déjà parti dans les 24 h vers une partie de ce public.",
        ),
    ] = False,
    by: By = None,
    site: Sites = None,
    tag: Tags = None,
    exclude_tag: NoTags = None,
    language: Languages = None,
    channel: Channels = None,
    event: Event = None,
    contacted_within: Within = None,
    not_contacted_for: Silent = None,
    org: Org = None,
) -> None:
    """Envoyer une diffusion (maintenant ou à une heure donnée), après aperçu et confirmation."""
    from lien.cli import broadcast_work as work

    criteria = _criteria(locals())
    work.send(
        criteria,
        org=org,
        texts=work.Texts(text, texts, gsm, not no_stop_notice),
        title=title,
        at=at,
        urgent=urgent,
        confirm=not yes,
        by=by,
        confirm_repeat=again,
        reply_text=reply,
    )


@broadcast_app.command()
def approve(broadcast_id: Id, by: Annotated[str, typer.Option(help="Votre nom.")]) -> None:
    """Valider une diffusion qui attend une deuxième personne."""
    from lien.cli import broadcast_work as work

    work.approve(broadcast_id, by=by)


@broadcast_app.command()
def cancel(broadcast_id: Id, by: By = None) -> None:
    """Annuler : ce qui n'est pas encore parti ne partira pas."""
    from lien.cli import broadcast_work as work

    work.cancel(broadcast_id, by=by)


@broadcast_app.command()
def status(broadcast_id: Id) -> None:
    """Où en est une diffusion : en file, envoyés, remis, échecs, désinscrits, réponses."""
    from lien.cli import broadcast_work as work

    work.status(broadcast_id)


@broadcast_app.command("list")
def list_broadcasts(limit: Annotated[int, typer.Option(help="Combien.")] = 20) -> None:
    """Les dernières diffusions."""
    from lien.cli import broadcast_work as work

    work.recent(limit)


@broadcast_app.command()
def export(
    broadcast_id: Id,
    output: Annotated[
        Path | None, typer.Option(help="Fichier CSV (sinon la sortie standard).")
    ] = None,
) -> None:
    """Exporter l'état de chaque destinataire en CSV (séparateur point-virgule)."""
    from lien.cli import broadcast_work as work

    work.export(broadcast_id, output=output)


@broadcast_app.command()
def approval(
    above: Annotated[int | None, typer.Option(help="Validation au-delà de ce nombre.")] = None,
    never: Annotated[bool, typer.Option(help="Ne jamais demander de validation.")] = False,
    org: Org = None,
) -> None:
    """Régler la taille au-delà de laquelle une deuxième personne doit valider."""
    from lien.cli import broadcast_work as work

    work.approval(org=org, above=above, never=never)
