"""`lien telegram`: the Telegram channel's webhook."""

from __future__ import annotations

import asyncio

import typer

from lien.cli.startup import load_settings
from lien.settings import Settings

telegram_app = typer.Typer(help="Canal Telegram.", no_args_is_help=True)


@telegram_app.command("set-webhook")
def telegram_set_webhook() -> None:
    """Déclarer à Telegram l'adresse LIEN_PUBLIC_URL/webhooks/telegram avec le secret."""
    settings = load_settings()
    if (reason := settings.telegram_disabled_reason()) is not None:
        typer.echo(f"Telegram n'est pas configuré : {reason}", err=True)
        raise typer.Exit(2)
    url = f"{settings.base_url}/webhooks/telegram"
    ok = asyncio.run(_set_webhook(settings, url))
    typer.echo(f"Webhook {'enregistré' if ok else 'refusé'} : {url}")
    if not ok:
        raise typer.Exit(1)


async def _set_webhook(settings: Settings, url: str) -> bool:
    from gateway.channels.telegram import TelegramChannel

    channel = TelegramChannel(
        token=settings.telegram_bot_token or "", api_url=settings.telegram_api_url
    )
    await channel.start()
    try:
        return await channel.set_webhook(url, settings.telegram_webhook_secret or "")
    finally:
        await channel.stop()
