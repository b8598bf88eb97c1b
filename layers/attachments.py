"""佐证材料 attachments: photos, PDFs and scans kept with a project or an idle asset as evidence of a change.

A file's type is decided from its bytes, never from its name: JPEG, PNG, PDF and TIFF scans are accepted; anything
else (HTML, SVG, office files, archives, executables …) is refused with a Chinese reason, whatever its extension, as is
a file over the size limit (``PARKMAP_ATTACHMENT_MB``, default 10) or an image too large to decode safely (a
decompression bomb). Every image is decoded once (a broken one is refused) and gets a small JPEG thumbnail for
cards and review lists; a PDF has none.

Two tables. ``attachments``: one row per file attached to a record (which record, for what — ``purpose``: 开工, 投产,
到位资金, 盘活完成, 盘活合同 … —, name, type, size, SHA-256, who, when, the 上报 it came with), audited like any
row. ``attachment_blobs``: the bytes and the thumbnail, stored once per SHA-256. The blob table is content-addressed
and never updated, so it is written with plain SQL and kept out of the audit log — the attachment's audit row names
the hash and the size, which identify the bytes exactly, and an upload's batch can be undone like any other (the undo
removes the attachment row; bytes no row refers to any more are harmless).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from layers._scope import record_in_scope, records_sql
from layers.vocab import ASSET_STAGES, PROJECT_STAGES
from store import audit, tables

SPEC = tables.TableSpec(
    table="attachments",
    key="attachment_id",
    columns=(
        ("attachment_id", "VARCHAR"),
        ("record_table", "VARCHAR NOT NULL"),  # projects / idle_assets
        ("record_id", "VARCHAR NOT NULL"),
        ("purpose", "VARCHAR NOT NULL"),  # 开工 / 投产 / 到位资金 / 盘活完成 / 盘活合同 …
        ("filename", "VARCHAR NOT NULL"),
        ("mime", "VARCHAR NOT NULL"),
        ("size_bytes", "BIGINT NOT NULL"),
        ("sha256", "VARCHAR NOT NULL"),  # → attachment_blobs
        ("uploaded_by", "VARCHAR NOT NULL"),
        ("uploaded_at", "TIMESTAMP NOT NULL"),
        ("submission_id", "VARCHAR"),  # the 上报 the file came with, if any
    ),
    has_geometry=False,
)
BLOBS = tables.TableSpec(
    table="attachment_blobs",
    key="sha256",
    columns=(("sha256", "VARCHAR"), ("content", "BLOB NOT NULL"), ("thumbnail", "BLOB")),
    has_geometry=False,
)
#: record table → (key column, what it is called)
RECORDS = {"projects": ("project_id", "项目"), "idle_assets": ("asset_id", "闲置资产")}
#: what a file may be attached for, per record table: a stage it evidences, or 到位资金 / 盘活合同
PURPOSES = {"projects": (*PROJECT_STAGES, "到位资金"), "idle_assets": (*ASSET_STAGES, "盘活合同")}


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str
    label: str

    @property
    def image(self) -> bool:
        return self.mime.startswith("image/")


#: (leading bytes, type): the only files accepted
SIGNATURES = (
    (b"\xff\xd8\xff", FileType("image/jpeg", "jpg", "JPEG 图片")),
    (b"\x89PNG\r\n\x1a\n", FileType("image/png", "png", "PNG 图片")),
    (b"%PDF-", FileType("application/pdf", "pdf", "PDF 文件")),
    (b"II*\x00", FileType("image/tiff", "tif", "TIFF 扫描件")),
    (b"MM\x00*", FileType("image/tiff", "tif", "TIFF 扫描件")),
)
ALLOWED = "JPEG、PNG 图片，PDF 文件，TIFF 扫描件"
#: What the upload widget offers (the bytes decide, this only filters the file dialog).
EXTENSIONS = ("jpg", "jpeg", "png", "pdf", "tif", "tiff")
DEFAULT_MB = 10
#: Images larger than this are refused before they are decoded (a 48-megapixel phone photo fits; a bomb does not).
MAX_PIXELS = 50_000_000
THUMB_PX = 240
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF"}


class AttachmentError(ValueError):
    """A file refused (type, size, broken image) or an attachment not found; the message is Chinese."""


def max_bytes() -> int:
    """The size limit in bytes (``PARKMAP_ATTACHMENT_MB`` megabytes, default 10)."""
    try:
        mb = float(os.environ.get("PARKMAP_ATTACHMENT_MB") or DEFAULT_MB)
    except ValueError:
        mb = DEFAULT_MB
    return int(max(mb, 0.01) * 1024 * 1024)


def size_text(n: int) -> str:
    """A file size as people say it: ``1.5 MB``, ``30 KB``."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


def clean_name(filename: str | None) -> str:
    """The file's own name without any folder, control characters or leading dots, at most 120 characters."""
    name = re.split(r"[\\/]", str(filename or ""))[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[-120:] or "附件"


def sniff(raw: bytes, filename: str | None = None) -> FileType:
    """The type of ``raw`` from its leading bytes; :class:`AttachmentError` for an empty, too large or other file."""
    name = clean_name(filename)
    if not raw:
        raise AttachmentError(f"文件“{name}”是空的")
    if len(raw) > max_bytes():
        raise AttachmentError(f"文件“{name}”有 {size_text(len(raw))}，超过 {size_text(max_bytes())} 的上限：请压缩或分开上传")
    for magic, kind in SIGNATURES:
        if raw.startswith(magic):
            return kind
    raise AttachmentError(f"文件“{name}”不是允许的类型：佐证材料只接受{ALLOWED}（按文件内容判断，与扩展名无关）")


def thumbnail(raw: bytes, kind: FileType, filename: str | None = None) -> bytes | None:
    """Decode an image (refusing a broken one or a decompression bomb) and return a JPEG of at most
    :data:`THUMB_PX` pixels a side; None for a PDF, or for an image whose colours cannot be shown small."""
    if not kind.image:
        return None
    from PIL import Image, ImageOps

    name = clean_name(filename)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # a bomb is refused, never decoded with a warning
        try:
            with Image.open(io.BytesIO(raw), formats=[_PIL_FORMATS[kind.mime]]) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise AttachmentError(f"图片“{name}”有 {im.width}×{im.height} 像素，超过 {MAX_PIXELS // 10000} 万像素的上限，"
                                          "疑似异常文件：请缩小后上传")
                im.draft("RGB", (THUMB_PX * 2, THUMB_PX * 2))  # JPEG: decode at a reduced scale
                im.load()
                image = im.copy()
        except AttachmentError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise AttachmentError(f"图片“{name}”像素过多，疑似异常文件，不能上传") from exc
        except Exception as exc:  # noqa: BLE001 - any decoder failure on untrusted bytes is a refusal, not an error page
            raise AttachmentError(f"图片“{name}”无法读取，文件可能已损坏") from exc
    try:
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        elif image.mode.startswith("I") or image.mode == "F":  # 16-bit and float scans: scale to 8 bits
            image = ImageOps.autocontrast(image.convert("F").point(lambda v: v / 256).convert("L")).convert("RGB")
        else:
            image = image.convert("RGB")
        image.thumbnail((THUMB_PX, THUMB_PX))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        return out.getvalue()
    except Exception:  # noqa: BLE001 - the file decoded: keep it, only without a picture on the card
        return None


def download_name(filename: str, mime: str) -> str:
    """``filename`` with the extension of its real type (a PDF uploaded as 许可证.jpg downloads as 许可证.pdf)."""
    extension = next(k.extension for _, k in SIGNATURES if k.mime == mime)
    stem, dot, ext = filename.rpartition(".")
    if dot and ext.lower() in ({"jpg", "jpeg"} if extension == "jpg" else {"tif", "tiff"} if extension == "tif" else {extension}):
        return filename
    return f"{stem if dot else filename}.{extension}"


def _check_record(con, record_table: str, record_id: str, counties) -> None:
    """:class:`AttachmentError` when there is no such record within ``counties`` (the writer's scope, :mod:`layers._scope`)."""
    if record_table not in RECORDS:
        raise AttachmentError(f"不能给“{record_table}”上传佐证材料")
    if not record_in_scope(con, record_table, record_id, counties):  # another county's (or park's) record: as if absent
        raise AttachmentError(f"没有编号为 {record_id} 的{RECORDS[record_table][1]}")


def add(con: duckdb.DuckDBPyConnection, record_table: str, record_id: str, purpose: str, raw: bytes, filename: str, *,
        user: str, counties: Sequence[str] | None = None, submission_id: str | None = None) -> str:
    """Attach ``raw`` (a file as uploaded) to one record of ``record_table`` (within ``counties``, the writer's scope) for
    ``purpose``; audited under ``user``. Returns the attachment id — the existing one when the same bytes are already
    attached to that record for that purpose (a second click uploads nothing twice)."""
    if purpose not in PURPOSES.get(record_table, ()):
        raise AttachmentError(f"未知的佐证材料用途“{purpose}”，可选：{'、'.join(PURPOSES.get(record_table, ()))}")
    raw = bytes(raw)
    name = clean_name(filename)
    kind = sniff(raw, name)
    thumb = thumbnail(raw, kind, name)  # decoded before the write lock is taken
    digest = hashlib.sha256(raw).hexdigest()
    with audit.batch(con, user=user, kind="edit", label=f"上传佐证材料 {name}"):
        _check_record(con, record_table, record_id, counties)
        same = con.execute("SELECT attachment_id FROM attachments WHERE record_table = ? AND record_id = ? AND purpose = ? "
                           "AND sha256 = ?", [record_table, record_id, purpose, digest]).fetchone()
        if same:
            return same[0]
        con.execute("INSERT INTO attachment_blobs (sha256, content, thumbnail, created_at, created_by, updated_at, updated_by, "
                    "row_version) VALUES (?, ?, ?, current_timestamp, ?, current_timestamp, ?, 1) ON CONFLICT (sha256) DO NOTHING",
                    [digest, raw, thumb, user, user])
        attachment_id = f"F{datetime.now():%Y%m%d}-{secrets.token_hex(4)}"
        tables.insert(con, SPEC, [{"attachment_id": attachment_id, "record_table": record_table, "record_id": str(record_id),
                                   "purpose": purpose, "filename": name, "mime": kind.mime, "size_bytes": len(raw),
                                   "sha256": digest, "uploaded_by": user, "uploaded_at": datetime.now(),
                                   "submission_id": submission_id}], user=user)
    return attachment_id


def _scope(county) -> tuple[list[str], list]:
    """WHERE fragments limiting attachments to those of records within the scope (:mod:`layers._scope`; None = all)."""
    if county is None:
        return [], []
    parts, params = [], []
    for table in RECORDS:
        sql, values = records_sql(table, county)
        parts.append(f"(a.record_table = '{table}' AND a.record_id IN (SELECT CAST(k AS VARCHAR) FROM ({sql}) AS s(k)))")
        params += values
    return ["(" + " OR ".join(parts) + ")"], params


def load(con: duckdb.DuckDBPyConnection, *, record_table: str | None = None, record_ids: Sequence[str] | None = None,
         county: str | Sequence[str] | None = None, purposes: Sequence[str] | None = None,
         submission_id: str | None = None) -> pd.DataFrame:
    """Attachments (metadata only, never the bytes), oldest first per record, with ``has_thumbnail``."""
    where, params = _scope(county)
    for column, values in (("a.record_table", None if record_table is None else [record_table]), ("a.record_id", record_ids),
                           ("a.purpose", purposes), ("a.submission_id", None if submission_id is None else [submission_id])):
        if values is not None:
            values = [str(v) for v in values]
            where.append(f"{column} IN ({', '.join('?' for _ in values)})" if values else "FALSE")
            params += values
    columns = ", ".join(f"a.{c}" for c in (*SPEC.names, "row_version"))
    sql = (f"SELECT {columns}, b.thumbnail IS NOT NULL AS has_thumbnail FROM attachments a "
           f"LEFT JOIN attachment_blobs b ON b.sha256 = a.sha256")
    if where:
        sql += " WHERE " + " AND ".join(where)
    return con.execute(sql + " ORDER BY a.record_table, a.record_id, a.uploaded_at, a.attachment_id", params).df()


def _blob(con, attachment_id: str, column: str, counties: Sequence[str] | None) -> bytes | None:
    where, params = _scope(counties)
    row = con.execute(f"SELECT b.{column} FROM attachments a JOIN attachment_blobs b ON b.sha256 = a.sha256 "
                      f"WHERE {' AND '.join(['a.attachment_id = ?', *where])}", [attachment_id, *params]).fetchone()
    return None if row is None or row[0] is None else bytes(row[0])


def content(con: duckdb.DuckDBPyConnection, attachment_id: str, *, counties: Sequence[str] | None = None) -> bytes:
    """The file's bytes as uploaded; :class:`AttachmentError` when there is no such attachment (in ``counties``)."""
    raw = _blob(con, attachment_id, "content", counties)
    if raw is None:
        raise AttachmentError(f"没有编号为 {attachment_id} 的佐证材料")
    return raw


def thumbnails(con: duckdb.DuckDBPyConnection, attachment_ids: Sequence[str], *,
               counties: Sequence[str] | None = None) -> dict[str, bytes]:
    """attachment id → its JPEG thumbnail, for those that have one (in ``counties``)."""
    ids = [str(a) for a in attachment_ids]
    if not ids:
        return {}
    where, params = _scope(counties)
    marks = ", ".join("?" for _ in ids)
    where = [f"a.attachment_id IN ({marks})", "b.thumbnail IS NOT NULL", *where]
    rows = con.execute("SELECT a.attachment_id, b.thumbnail FROM attachments a JOIN attachment_blobs b ON b.sha256 = a.sha256 "
                       f"WHERE {' AND '.join(where)}", [*ids, *params]).fetchall()
    return {a: bytes(t) for a, t in rows}


def held(con: duckdb.DuckDBPyConnection, record_table: str, record_id: str, purposes: Sequence[str]) -> list[str]:
    """File names of the record's attachments for any of ``purposes`` (empty: no such evidence yet)."""
    marks = ", ".join("?" for _ in purposes)
    rows = con.execute(f"SELECT filename FROM attachments WHERE record_table = ? AND record_id = ? AND purpose IN ({marks}) "
                       "ORDER BY uploaded_at, attachment_id", [record_table, str(record_id), *purposes]).fetchall()
    return [n for (n,) in rows]


def belonging(con: duckdb.DuckDBPyConnection, attachment_ids: Sequence[str], record_table: str, record_id: str) -> list[str]:
    """The file names of ``attachment_ids``; :class:`AttachmentError` if any of them is not attached to that record."""
    ids = [str(a) for a in attachment_ids]
    if not ids:
        return []
    rows = dict(con.execute(f"SELECT attachment_id, filename FROM attachments WHERE record_table = ? AND record_id = ? "
                            f"AND attachment_id IN ({', '.join('?' for _ in ids)})", [record_table, str(record_id), *ids]).fetchall())
    if stray := [a for a in ids if a not in rows]:
        raise AttachmentError(f"佐证材料 {'、'.join(stray)} 不属于{RECORDS[record_table][1]} {record_id}")
    return [rows[a] for a in ids]
