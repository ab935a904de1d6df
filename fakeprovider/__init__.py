"""A local fake of the Twilio REST API and the Telegram Bot API, reached over loopback.

The real `twilio` and `python-telegram-bot` libraries talk to it, so tests, benchmarks and
fault or soak runs exercise Lien's real client code without the internet.
"""

from fakeprovider.app import create_fake_provider_app
from fakeprovider.faults import ANY_METHOD, Fault
from fakeprovider.remote import RemoteFakeProvider
from fakeprovider.server import FakeProviderServer
from fakeprovider.state import (
    DEFAULT_TELEGRAM_TOKEN,
    DEFAULT_TWILIO_SID,
    DEFAULT_TWILIO_TOKEN,
    FakeProviderState,
    RecordedCall,
    SentCallback,
    StatusCallbackSettings,
)

__all__ = [
    "ANY_METHOD",
    "DEFAULT_TELEGRAM_TOKEN",
    "DEFAULT_TWILIO_SID",
    "DEFAULT_TWILIO_TOKEN",
    "FakeProviderServer",
    "FakeProviderState",
    "Fault",
    "RecordedCall",
    "RemoteFakeProvider",
    "SentCallback",
    "StatusCallbackSettings",
    "create_fake_provider_app",
]
