"""One place for every page's errors: no page ever shows a traceback.

The server (``serve.py``) passes :func:`on_script_error` to ``st.App``; Streamlit calls it for any exception a page
script or a widget callback raises. It logs the traceback with a reference number and shows a Chinese sentence with
the same number instead, so a clerk can quote it and the administrator can find it in the log.
(``client.showErrorDetails`` is also off in ``.streamlit/config.toml``, in case anything slips past.)
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

import streamlit as st

from ui.safe_html import md

_LOG = logging.getLogger("parkmap.errors")


def reference() -> str:
    """A reference number for one error: ``E20241201-093015-7f3a``."""
    return f"E{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def message_for(ex: BaseException, ref: str) -> str:
    """The Chinese sentence shown for ``ex`` (an expected problem says what it is; anything else asks to retry)."""
    from imports.sheet import LedgerError
    from store import StoreError, disk_full

    if isinstance(ex, (StoreError, LedgerError)):
        return f"{ex}（参考编号 {ref}）"
    if disk_full(ex):
        return f"服务器磁盘空间已满，本次操作未完成，已有数据未受影响：请联系系统管理员清理磁盘后重试（参考编号 {ref}）"
    return f"页面出错了，本次操作未完成：请刷新页面后重试；如仍出错，请把参考编号 {ref} 告知系统管理员"


def on_script_error(ex: Exception) -> bool:
    """``st.App(on_script_error=…)``: log with a reference number, show it in Chinese, hide Streamlit's own display."""
    ref = reference()
    _LOG.error("页面错误 %s", ref, exc_info=ex)
    try:
        st.error(md(message_for(ex, ref)), icon="⚠️")
    except Exception:  # noqa: BLE001 - outside a script run there is nothing to show it in
        return False
    return True
