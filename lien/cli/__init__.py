"""The `lien` command: one Typer app, one module per group of commands, one start-up for all."""

from __future__ import annotations

import contextlib

import typer

from lien.cli.broadcast import broadcast_app
from lien.cli.database import db_app
from lien.cli.events import events_app, mail_app
from lien.cli.flows import flows_app
from lien.cli.imports import import_app
from lien.cli.inbox import inbox_app
from lien.cli.organisations import organisation_app, site_app
from lien.cli.outbox import outbox_app
from lien.cli.privacy import privacy_app
from lien.cli.run import chat, serve, worker
from lien.cli.staff import staff_app
from lien.cli.tags import tags_app
from lien.cli.telegram import telegram_app
from lien.cli.tokens import token_app

app = typer.Typer(
    help="Lien — passerelle de messages pour les associations (SMS, Telegram, simulateur).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
for command in (serve, worker, chat):
    app.command()(command)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(telegram_app, name="telegram")
app.add_typer(outbox_app, name="outbox")
app.add_typer(inbox_app, name="inbox")
app.add_typer(events_app, name="events")
app.add_typer(mail_app, name="mail")
app.add_typer(staff_app, name="staff")
app.add_typer(privacy_app, name="privacy")
app.add_typer(flows_app, name="flows")
app.add_typer(broadcast_app, name="broadcast")
app.add_typer(import_app, name="import")
app.add_typer(tags_app, name="tags")
app.add_typer(organisation_app, name="organisation")
app.add_typer(site_app, name="site")


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        app(prog_name="lien")
