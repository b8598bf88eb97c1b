"""Escaping for text from data that reaches the browser: inside map popups, tooltips and labels (:func:`text`), and
inside Streamlit's Markdown — st.markdown, st.caption, st.info/warning/error/success, widget labels and help (:func:`md`).

folium writes tooltip/popup HTML into JavaScript template literals and sets it as innerHTML, so a
value must be safe both as HTML and inside a backtick string: ``<``, ``&``, quotes, backticks, ``$``
and backslashes all become character references. Markdown would turn ``![x](http://…)`` in a park's 主导产业 into an
image the viewer's browser fetches, ``[x](…)`` into a link, ``$…$`` into formulas and ``:red[…]`` into colour:
:func:`md` backslash-escapes every character Markdown gives a meaning to.
"""

from __future__ import annotations

import html
import re

_EXTRA = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~$:=^\"'"})


def text(value) -> str:
    """``value`` as inert text for HTML and JS-template contexts (None → empty string)."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True).translate(_EXTRA)


_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")


def md(value) -> str:
    """``value`` as literal text inside Streamlit Markdown (None → empty string); newlines become spaces. GFM turns a
    bare ``http://…``, ``www.…`` or e-mail address into a link even when escaped, so an invisible zero-width space is put
    into those."""
    if value is None:
        return ""
    text = _AUTOLINK.sub(lambda m: {"://": ":\u200b//", "@": "@\u200b"}.get(m.group(0), m.group(0)[:3] + "\u200b."),
                         " ".join(str(value).splitlines()))
    return text.translate(_MARKDOWN)
