"""Outgoing mail for password resets: SMTP when EMAIL_SMTP_HOST is set, else the log.

Logging the link keeps resets usable in development without leaking anything to the caller.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from dxgen.runtime.config import Settings

log = logging.getLogger("dxgen.mail")


def send(settings: Settings, to: str, subject: str, text: str) -> None:
    if settings.email_transport == "log" or not settings.email_smtp_host:
        log.warning("mail to %s (no SMTP configured): %s\n%s", to, subject, text)
        return
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    smtp_class = smtplib.SMTP_SSL if settings.email_smtp_secure else smtplib.SMTP
    try:
        with smtp_class(settings.email_smtp_host, settings.email_smtp_port, timeout=10) as smtp:
            if not settings.email_smtp_secure and not settings.email_smtp_ignore_tls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.email_smtp_user:
                smtp.login(settings.email_smtp_user, settings.email_smtp_password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # the caller gets 204 either way (enumeration safety); the operator gets the failure
        log.exception("could not send mail to %s through %s", to, settings.email_smtp_host)
