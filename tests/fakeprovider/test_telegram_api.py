"""The fake Telegram Bot API, driven by the real python-telegram-bot library."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from fakeprovider import FakeProviderServer, Fault
from tests.fakeprovider.conftest import CHAT


async def test_telegram_bot_sends_messages_with_a_keyboard(
    bot: Bot, provider: FakeProviderServer
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="yes")]])

    first = await bot.send_message(chat_id=CHAT, text="Bonjour", reply_markup=keyboard)
    second = await bot.send_message(chat_id=CHAT, text="Encore")

    assert bot.username == "lien_123456789_bot"
    assert (first.message_id, second.message_id) == (1, 2)
    assert (first.chat.id, first.chat.type, first.text) == (CHAT, "private", "Bonjour")
    assert first.reply_markup == keyboard
    assert first.from_user is not None and first.from_user.id == bot.id
    sent = provider.state.telegram_calls("sendMessage")[0].params
    assert sent["reply_markup"] == keyboard.to_dict()
    assert provider.state.calls_to(CHAT) == 2


async def test_telegram_refuses_an_unknown_token(provider: FakeProviderServer) -> None:
    stranger = Bot("999:unknown", base_url=f"{provider.telegram_api_url}/bot")

    with pytest.raises(InvalidToken):
        await stranger.get_me()


async def test_telegram_edits_and_refuses_no_change(bot: Bot) -> None:
    sent = await bot.send_message(chat_id=CHAT, text="Bonjour")

    edited = await bot.edit_message_text("Bonsoir", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Bonsoir", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=99)

    assert isinstance(edited, Message) and edited.text == "Bonsoir"


async def test_telegram_webhook_settings(bot: Bot) -> None:
    await bot.set_webhook("https://lien.example/telegram", secret_token="s3cret_token")
    with pytest.raises(BadRequest, match="unallowed characters"):
        await bot.set_webhook("https://lien.example/telegram", secret_token="not/allowed")
    info = await bot.get_webhook_info()
    await bot.delete_webhook()

    assert info.url == "https://lien.example/telegram"
    assert (await bot.get_webhook_info()).url == ""


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_telegram_flood_control_and_blocked_bot(
    bot: Bot, provider: FakeProviderServer
) -> None:
    provider.state.inject("telegram", Fault.telegram_retry_after(7))
    provider.state.inject("telegram", Fault.telegram_blocked())

    with pytest.raises(RetryAfter) as flooded:
        await bot.send_message(chat_id=CHAT, text="Bonjour")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(chat_id=CHAT, text="Bonjour")

    assert flooded.value.retry_after in (7, timedelta(seconds=7))
    assert provider.state.calls_to(CHAT) == 0


async def test_telegram_drop_and_hang(bot: Bot, provider: FakeProviderServer) -> None:
    provider.state.inject("telegram", Fault.drop())
    provider.state.inject("telegram", Fault.hang())

    with pytest.raises(NetworkError):
        await bot.send_message(chat_id=CHAT, text="Bonjour")
    with pytest.raises(TimedOut):
        await bot.send_message(chat_id=CHAT, text="Bonjour", read_timeout=0.2)

    assert provider.state.calls_to(CHAT) == 1
