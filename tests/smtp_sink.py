"""A real SMTP server on 127.0.0.1 for tests, reachable as Airflow's smtp_default."""

from __future__ import annotations

import email
import json
import socket
from contextlib import contextmanager
from email.message import Message
from urllib.parse import quote

from aiosmtpd.controller import Controller


class Inbox:
    """Collects every message the server accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_conn_uri(port: int) -> str:
    """Airflow connection URI for plain SMTP on the port (no TLS: the test server has no certificate)."""
    extra = json.dumps({"disable_tls": True, "disable_ssl": True, "timeout": 5, "retry_limit": 0})
    return f"smtp://127.0.0.1:{port}?__extra__={quote(extra)}"


@contextmanager
def smtp_sink():
    """Start an SMTP server; yield (inbox, connection uri)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, smtp_conn_uri(port)
    finally:
        controller.stop()


def body_text(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "".join(part.get_payload(decode=True).decode() for part in parts
                   if part.get_content_type() in ("text/html", "text/plain"))
