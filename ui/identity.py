"""Who is using the page, for the audit trail. Until sign-in exists every page user is 「本机用户」; with it, this is the
one place that names the signed-in user."""

from __future__ import annotations

PAGE_USER = "本机用户"


def user() -> str:
    """The name written to the audit trail for this session's writes."""
    return PAGE_USER
