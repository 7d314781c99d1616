"""Email: composed from templates in French or English, queued in the outbox table, and
delivered by SMTP when ``PARTICIPE_SMTP_URL`` is set.

Sending is two steps so that no request waits for a mail server: :func:`queue_message`
writes the message to the outbox inside the caller's transaction, and
:func:`deliver_pending` (run after the response, or by ``participe outbox send``) hands
queued messages to SMTP. Without SMTP the outbox is where messages stay, for
``participe outbox`` and the back office to show.
"""

from core.mail.delivery import deliver_pending
from core.mail.mailer import Mailer
from core.mail.messages import ComposedMail, MailTemplates
from core.mail.outbox import latest_messages, queue_message
from core.mail.smtp import SmtpConfig

__all__ = [
    "ComposedMail",
    "MailTemplates",
    "Mailer",
    "SmtpConfig",
    "deliver_pending",
    "latest_messages",
    "queue_message",
]
