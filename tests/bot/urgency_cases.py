"""One message per kind of urgency and language, as people write them (typos and SMS spelling)."""

from __future__ import annotations

# The two messages of the first trial, which produced normal tickets.
STREET_WITH_BABY = "Je dors dehors ce soir avec mon bébé"
BEATEN_BY_HUSBAND = "Je suis seule avec mes enfants, mon mari me frappe"

CASES: dict[str, dict[str, str]] = {
    "street_tonight": {
        "fr": "jdor dehor depui 3 nuit svp aidez moi",
        "en": "i have nowhere to sleep tonight",
        "ar": "ana fi shari3 mafi makan anam",
        "ti": "ሎሚ ለይቲ ኣብ ጎደና ክድቅስ እየ",
        "fa": "امشب جای خواب ندارم",
        "ps": "زه په سړک کې ویده یم",
    },
    "baby_pregnancy": {
        "fr": "je suis ensseinte de 6 mois",
        "en": "I am pregant and need a doctor",
        "ar": "انا حامل في الشهر السابع",
        "ti": "ነፍሰ ጾር እየ ሓገዝ የድልየኒ",
        "fa": "من حامله هستم و دکتر میخواهم",
        "ps": "زه امیندواره یم ډاکټر ته اړتیا لرم",
    },
    "minor_alone": {
        "fr": "jai 16 ans je sui tout seul en france",
        "en": "im 16 years old and alone here",
        "ar": "عمري 16 سنه وانا لوحدي بدون اهلي",
        "ti": "ዕድመይ 16 እዩ ብዘይ ስድራ እየ ዘሎኹ",
        "fa": "۱۶ سالمه و بدون خانواده اینجام",
        "ps": "زه ۱۶ کلن یم او بې کورنۍ یم",
    },
    "violence": {
        "fr": "mon copain me menasse de me tuer",
        "en": "my husband beats me every night",
        "ar": "زوجي يضربني كل يوم",
        "ti": "ሰብኣየ ይወቕዓኒ እዩ",
        "fa": "شوهرم منو کتک میزنه",
        "ps": "میړه مې ما وهي",
    },
    "suicide": {
        "fr": "jen peux plus je veux mourir",
        "en": "i want to kill myself",
        "ar": "بدي انتحر ما بدي اعيش",
        "ti": "ርእሰይ ክቐትል ደልየ",
        "fa": "میخوام خودکشی کنم",
        "ps": "غواړم ځان ووژنم",
    },
    "medical": {
        "fr": "mon fils respire plus il est tout bleu",
        "en": "my wife is bleeding a lot please",
        "ar": "ابني عندو حراره 40 وتشنجات",
        "ti": "ደም ይፈስሰኒ ኣሎ ብዙሕ",
        "fa": "پدرم بیهوش شده",
        "ps": "زما ورور بې هوښه شو",
    },
    "expulsion": {
        "fr": "jai recu une OQTF je doit partir avant le 12/12",
        "en": "they will deport me tomorrow",
        "ar": "عندي قرار ترحيل بكره",
        "ti": "ጽባሕ ክሰጉጉኒ እዮም oqtf",
        "fa": "فردا منو دیپورت میکنند",
        "ps": "سبا مې دیپورټ کوي",
    },
}

# What the emergency answer says in each language: the words around the numbers.
EMERGENCY_WORDS = {
    "fr": "appelez",
    "en": "call",
    "ar": "اتصل",
    "ti": "ደውሉ",
    "fa": "تماس بگیرید",
    "ps": "زنګ ووهئ",
}
# The numbers each kind of danger gets at once; the others get none.
NUMBERS = {
    "street_tonight": ("115",),
    "minor_alone": ("119",),
    "violence": ("17", "112", "3919", "119"),
    "suicide": ("3114", "15", "112"),
    "medical": ("15", "112"),
}


def params() -> list[tuple[str, str, str]]:
    """Return (category, language, message) for every case."""
    return [
        (category, lang, text) for category, texts in CASES.items() for lang, text in texts.items()
    ]
