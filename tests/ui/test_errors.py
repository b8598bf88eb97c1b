"""One handler for every page error: a Chinese sentence with a reference number on the page, the traceback in the log."""

from __future__ import annotations

import errno
import logging

from streamlit.testing.v1 import AppTest

from imports.sheet import LedgerError
from store import ConflictError
from ui import errors
from ui.safe_html import md


def test_messages_are_chinese_and_carry_the_reference():
    ref = errors.reference()
    assert ref.startswith("E") and len(ref) == len("E20241201-093015-7f3a")
    assert errors.message_for(ConflictError(), ref) == f"该记录已被他人修改，请刷新后重试（参考编号 {ref}）"
    assert errors.message_for(LedgerError("没有找到表头"), ref).startswith("没有找到表头")
    full = errors.message_for(OSError(errno.ENOSPC, "No space left on device"), ref)
    assert "磁盘空间已满" in full and ref in full
    other = errors.message_for(KeyError("project_id"), ref)
    assert "页面出错了" in other and ref in other and "project_id" not in other  # no internals on the page


def page_that_fails():
    import streamlit as st

    from ui import errors

    try:
        raise KeyError("internal detail")
    except KeyError as exc:
        assert errors.on_script_error(exc) is True
    st.write("after")


def test_the_handler_shows_a_chinese_error_and_logs_the_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="parkmap.errors"):
        at = AppTest.from_function(page_that_fails).run()
    assert not at.exception
    (shown,) = [e.value for e in at.error]
    assert "页面出错了" in shown and "internal detail" not in shown
    ref = shown.split("参考编号")[1].split("告知")[0].strip().replace("\\", "")
    assert ref in caplog.text and "KeyError" in caplog.text


def test_markdown_from_data_stays_text():
    assert md("![x](http://198.51.100.7/a.png)") == "\\!\\[x\\]\\(http\\:\u200b//198\\.51\\.100\\.7/a\\.png\\)"
    assert md("www.example.com") == "www\u200b\\.example\\.com" and md("a@b.cn") == "a@\u200bb\\.cn"
    assert md("$x$ :red[警告] **粗**") == "\\$x\\$ \\:red\\[警告\\] \\*\\*粗\\*\\*"
    assert md(None) == "" and md("第一行\n第二行") == "第一行 第二行"
