"""Names people read for the codes stored in the tables (statuses, channels, roles…)."""

from __future__ import annotations

from lien.console.i18n import N_
from notifications.labels import ENROLMENT_WORDS

ROLE_LABELS = {
    "admin": N_("Administration"),
    "staff": N_("Équipe"),
    "volunteer": N_("Bénévole"),
}
CHANNEL_LABELS = {
    "sms": N_("SMS"),
    "telegram": N_("Telegram"),
    "simulator": N_("Simulateur"),
}
STATUS_LABELS = {
    "queued": N_("en file d'attente"),
    "sending": N_("en cours d'envoi"),
    "unknown": N_("envoi incertain"),
    "sent": N_("envoyé"),
    "delivered": N_("remis"),
    "read": N_("lu"),
    "undelivered": N_("non remis"),
    "failed": N_("échec"),
    "suppressed": N_("bloqué (STOP)"),
    "expired": N_("expiré"),
    "cancelled": N_("annulé"),
    "received": N_("reçu"),
}
ORIGIN_LABELS = {
    "person": N_("la personne"),
    "staff": N_("l'équipe"),
    "keyword": N_("mot-clé"),
    "flow": N_("accueil automatique"),
    "reminder": N_("rappel"),
    "broadcast": N_("diffusion"),
    "consent": N_("consentement"),
}
# Who took an inbound message: the gateway's own names; domains add theirs as they come.
HANDLER_LABELS = {
    "inbox": N_("l'équipe (messages reçus)"),
    "keyword": N_("mot-clé STOP ou START"),
}
CONSENT_LABELS = {
    "opt_in": N_("accepte les messages"),
    "opt_out": N_("refuse les messages"),
}
CONSENT_SOURCES = {
    "keyword": N_("mot-clé envoyé par la personne"),
    "staff": N_("saisi par l'équipe"),
    "provider_error": N_("signalé par l'opérateur"),
    "import": N_("fichier importé"),
    "signed_paper": N_("papier signé"),
    "in_person": N_("à l'oral"),
    "by_phone": N_("par téléphone"),
}
AUDIT_LABELS = {
    "beneficiary.update": N_("Fiche modifiée"),
    "settings.sending_window": N_("Fenêtre d'envoi modifiée"),
    "staff.create": N_("Compte créé"),
    "staff.activate": N_("Compte réactivé"),
    "staff.deactivate": N_("Compte désactivé"),
    "staff.unlock": N_("Compte débloqué"),
    "staff.password": N_("Mot de passe changé"),
    "simulator.message": N_("Message écrit avec le simulateur"),
    "staff.sessions_end": N_("Sessions fermées sur les autres appareils"),
    "edit": N_("Fiche modifiée"),
    "create": N_("Fiche créée"),
    "consent": N_("Consentement modifié"),
    "add_contact": N_("Moyen de contact ajouté"),
    "export": N_("Données exportées"),
    "view_attachment": N_("Fichier envoyé par la personne consulté"),
    "erase": N_("Données effacées"),
    "mail.arrived": N_("Courrier arrivé"),
    "enrollment.create": N_("Inscription à une activité"),
}
FIELD_LABELS = {
    "first_name": N_("Prénom"),
    "last_name": N_("Nom"),
    "language": N_("Langue"),
    "site": N_("Site"),
    "preferred_channel": N_("Canal préféré"),
    "tags": N_("Étiquettes"),
}
# Tones for the status badges: they pair a colour with the text, never a colour alone.
STATUS_TONES = {
    "delivered": "ok",
    "read": "ok",
    "sent": "ok",
    "received": "info",
    "queued": "wait",
    "sending": "wait",
    "unknown": "warn",
    "undelivered": "bad",
    "failed": "bad",
    "suppressed": "bad",
    "expired": "warn",
    "cancelled": "warn",
}
NEED_LABELS = {
    "shelter": N_("Hébergement"),
    "health": N_("Santé"),
    "rights": N_("Droits et démarches"),
    "french": N_("Cours de français"),
    "food": N_("Alimentation"),
    "work": N_("Emploi"),
    "talk": N_("Écoute"),
}
PRIORITY_LABELS = {
    "urgent": N_("urgent"),
    "high": N_("prioritaire"),
    "normal": N_("normal"),
}
PRIORITY_TONES = {"urgent": "bad", "high": "warn", "normal": "info"}
TICKET_STATUS_LABELS = {
    "new": N_("nouveau"),
    "in_progress": N_("en cours"),
    "waiting": N_("attend la personne"),
    "resolved": N_("résolu"),
}
ANSWER_LABELS = {
    "confirmed": N_("confirmé"),
    "declined": N_("décliné"),
    "no_answer": N_("sans réponse"),
}
ANSWER_TONES = {"confirmed": "ok", "declined": "bad", "no_answer": "wait"}
# The reminders domain's words, translated here through the catalogue.
ENROLLMENT_LABELS = ENROLMENT_WORDS
SESSION_LABELS = {
    "scheduled": N_("prévue"),
    "moved": N_("déplacée"),
    "cancelled": N_("annulée"),
}
KIND_LABELS = {
    "workshop": N_("Atelier"),
    "distribution": N_("Distribution"),
    "office_hours": N_("Permanence"),
    "collective": N_("Action collective"),
}
SOURCE_LABELS = {
    "file": N_("fichier"),
    "edited": N_("fichier modifié par l'équipe"),
    "staff": N_("ajoutée par l'équipe"),
}
BROADCAST_LABELS = {
    "draft": N_("brouillon"),
    "pending_approval": N_("attend une validation"),
    "scheduled": N_("programmée"),
    "sending": N_("en cours d'envoi"),
    "done": N_("terminée"),
    "cancelled": N_("annulée"),
}
BROADCAST_TONES = {
    "draft": "info",
    "pending_approval": "warn",
    "scheduled": "wait",
    "sending": "wait",
    "done": "ok",
    "cancelled": "warn",
}
# What became of each recipient of a broadcast (broadcast.repository.BUCKETS).
BUCKET_LABELS = {
    "waiting": N_("à préparer"),
    "queued": N_("en file d'attente"),
    "sent": N_("envoyés"),
    "delivered": N_("remis"),
    "failed": N_("en échec"),
    "opted_out": N_("désinscrits (STOP)"),
    "cancelled": N_("annulés"),
    "unknown": N_("issue inconnue"),
}
# Tags the accueil adds by itself; tags typed by staff ("isolé") are already words.
TAG_LABELS = {
    "no_shelter_tonight": N_("sans hébergement ce soir"),
    "no_food_today": N_("sans repas aujourd'hui"),
    "health_emergency": N_("urgence de santé"),
    "minor_alone": N_("mineur seul"),
    "deadline": N_("échéance proche"),
}
# Why the accueil handed a person to the team.
REASON_LABELS = {
    "asked_for_person": N_("a demandé à parler à quelqu'un"),
    "reply_after_orientation": N_("a répondu après l'orientation"),
    "not_understood": N_("réponses non comprises"),
}
# The fields a column of the user file may fill (broadcast.importfile.columns.FIELDS).
IMPORT_FIELD_LABELS = {
    "last_name": N_("Nom"),
    "first_name": N_("Prénom"),
    "phone": N_("Téléphone"),
    "language": N_("Langue"),
    "site": N_("Site"),
    "tags": N_("Étiquettes (situation, public…)"),
    "telegram_chat_id": N_("Identifiant Telegram"),
    "email": N_("E-mail"),
}
# Where a session's reminder stands: not yet due, set aside (with its reason), or its message's.
REMINDER_LABELS = {
    **STATUS_LABELS,
    "planned": N_("prévu"),
    "skipped": N_("écarté"),
}
