"""layers.attachments: the type from the bytes, the size limit, content stored once per hash, thumbnails, decompression
bombs, county scope, and the bytes kept out of the audit log."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import date

import geopandas as gpd
import pytest
from PIL import Image

import layers
from layers import attachments, idle_assets, projects
from layers.attachments import AttachmentError
from store import audit, undo

U = "测试员"


def image_bytes(fmt: str = "PNG", size=(1200, 800), mode: str = "RGB", colour="red", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **save)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ZIP = b"PK\x03\x04" + b"\x00" * 40


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels in a few dozen bytes (what a decompression bomb looks like to a
    reader that trusts the header)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


@pytest.fixture
def records(con, toy):
    """Project P1 and asset A1 in county A, project P2 in county B."""
    projects.insert(con, gpd.GeoDataFrame([
        {"project_id": "P1", "name": "甲项目", "stage": "注册", "county_adcode": toy.a, "geometry": toy.point_a},
        {"project_id": "P2", "name": "乙项目", "stage": "注册", "county_adcode": toy.b, "geometry": toy.point_b},
    ], geometry="geometry", crs=toy.crs), user=U)
    idle_assets.insert(con, gpd.GeoDataFrame([{"asset_id": "A1", "name": "老粮站", "county_adcode": toy.a, "stage": "签约",
                                              "geometry": toy.point_a}], geometry="geometry", crs=toy.crs), user=U)
    return toy


def counts(con) -> tuple[int, int]:
    return (con.execute("SELECT count(*) FROM attachments").fetchone()[0],
            con.execute("SELECT count(*) FROM attachment_blobs").fetchone()[0])


def test_tables_are_registered(con):
    assert attachments.SPEC in layers.SPECS and attachments.BLOBS in layers.SPECS
    assert counts(con) == (0, 0)


@pytest.mark.parametrize(("raw", "mime"), [
    (image_bytes("JPEG"), "image/jpeg"), (image_bytes("PNG"), "image/png"), (PDF, "application/pdf"),
    (image_bytes("TIFF"), "image/tiff"), (image_bytes("TIFF", mode="1", colour=1, compression="group4"), "image/tiff"),
])
def test_accepted_types_are_told_by_their_bytes(raw, mime):
    assert attachments.sniff(raw, "无扩展名").mime == mime


@pytest.mark.parametrize("raw", [HTML, SVG, EXE, ZIP, b"GIF89a" + b"\x00" * 20, "纯文本".encode()])
def test_other_types_are_refused_whatever_the_name(raw):
    with pytest.raises(AttachmentError, match="不是允许的类型：佐证材料只接受JPEG、PNG 图片，PDF 文件，TIFF 扫描件"):
        attachments.sniff(raw, "照片.jpg")


def test_html_named_png_is_refused_and_nothing_is_stored(con, records):
    batches = con.execute("SELECT count(*) FROM batches").fetchone()[0]
    with pytest.raises(AttachmentError, match="文件“开工照片.png”不是允许的类型"):
        attachments.add(con, "projects", "P1", "开工", HTML, "开工照片.png", user=U)
    assert counts(con) == (0, 0)
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == batches


def test_pdf_named_jpg_is_kept_as_a_pdf(con, records):
    aid = attachments.add(con, "projects", "P1", "开工", PDF, "施工许可证.jpg", user=U)
    (row,) = attachments.load(con, record_ids=["P1"]).to_dict("records")
    assert (row["filename"], row["mime"], row["has_thumbnail"], row["size_bytes"]) == ("施工许可证.jpg", "application/pdf", False, len(PDF))
    assert attachments.download_name(row["filename"], row["mime"]) == "施工许可证.pdf"
    assert attachments.content(con, aid) == PDF
    assert attachments.thumbnails(con, [aid]) == {}


def test_download_names_keep_a_right_extension():
    assert attachments.download_name("现场.JPEG", "image/jpeg") == "现场.JPEG"
    assert attachments.download_name("扫描.tiff", "image/tiff") == "扫描.tiff"
    assert attachments.download_name("合同", "application/pdf") == "合同.pdf"


def test_empty_and_too_large_files_are_refused(con, records, monkeypatch):
    with pytest.raises(AttachmentError, match="文件“空.pdf”是空的"):
        attachments.add(con, "projects", "P1", "开工", b"", "空.pdf", user=U)
    big = PDF + b"0" * (30 * 1024)
    assert attachments.max_bytes() == 10 * 1024 * 1024  # the default
    attachments.add(con, "projects", "P1", "开工", big, "大.pdf", user=U)
    monkeypatch.setenv("PARKMAP_ATTACHMENT_MB", "0.02")  # 20 KB
    with pytest.raises(AttachmentError, match="文件“大2.pdf”有 30 KB，超过 20 KB 的上限：请压缩或分开上传"):
        attachments.add(con, "projects", "P1", "开工", big + b"1", "大2.pdf", user=U)
    monkeypatch.setenv("PARKMAP_ATTACHMENT_MB", "不是数字")
    assert attachments.max_bytes() == 10 * 1024 * 1024
    assert counts(con) == (1, 1)


def test_size_refusal_names_both_sizes(monkeypatch):
    monkeypatch.setenv("PARKMAP_ATTACHMENT_MB", "1")
    with pytest.raises(AttachmentError, match="文件“扫描.pdf”有 1.5 MB，超过 1 MB 的上限"):
        attachments.sniff(PDF + b"0" * int(1.5 * 1024 * 1024), "扫描.pdf")


def test_content_is_stored_once_per_hash(con, records):
    photo = image_bytes("JPEG")
    first = attachments.add(con, "projects", "P1", "开工", photo, "现场1.jpg", user=U)
    again = attachments.add(con, "projects", "P1", "开工", photo, "现场1-副本.jpg", user=U)  # a second click
    other = attachments.add(con, "projects", "P2", "开工", photo, "现场.jpg", user=U)
    投产 = attachments.add(con, "projects", "P1", "投产", photo, "现场1.jpg", user=U)
    assert again == first and len({first, other, 投产}) == 3
    assert counts(con) == (3, 1)
    digests = set(attachments.load(con)["sha256"])
    assert len(digests) == 1 and digests == {__import__("hashlib").sha256(photo).hexdigest()}


def test_images_get_a_small_jpeg_thumbnail(con, records):
    aid = attachments.add(con, "projects", "P1", "开工", image_bytes("PNG", (1200, 800)), "现场.png", user=U)
    thumb = attachments.thumbnails(con, [aid])[aid]
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.format == "JPEG" and max(im.size) == attachments.THUMB_PX and im.size == (240, 160)
        assert im.getpixel((10, 10))[0] > 200  # still red


@pytest.mark.parametrize(("raw", "kind"), [
    (image_bytes("PNG", (300, 300), "RGBA", (0, 0, 255, 0)), "transparent PNG"),
    (image_bytes("PNG", (300, 200), "I;16", 30000), "16-bit grey scan"),
    (image_bytes("TIFF", (2480, 3508), "1", 1, compression="group4"), "A4 fax-compressed scan"),
    (image_bytes("PNG", (50, 50), "P"), "palette"),
])
def test_every_kind_of_image_gets_a_thumbnail(raw, kind):
    thumb = attachments.thumbnail(raw, attachments.sniff(raw))
    assert thumb is not None, kind
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.format == "JPEG" and max(im.size) <= attachments.THUMB_PX


def test_a_rotated_phone_photo_is_shown_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    raw = image_bytes("JPEG", (400, 200), exif=exif.tobytes())
    with Image.open(io.BytesIO(attachments.thumbnail(raw, attachments.sniff(raw)))) as im:
        assert im.height > im.width


@pytest.mark.parametrize(("width", "height"), [(8000, 7000), (10000, 10000), (30000, 30000)])
def test_decompression_bombs_are_refused_without_decoding(con, records, width, height):
    """Over our limit; over Pillow's warning threshold; over Pillow's error threshold: refused alike, no warning."""
    bomb = png_header(width, height)
    with pytest.raises(AttachmentError, match="像素"):
        attachments.add(con, "projects", "P1", "开工", bomb, "bomb.png", user=U)
    assert counts(con) == (0, 0)


@pytest.mark.parametrize("raw", [b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, image_bytes("JPEG")[:200], b"II*\x00" + b"\x00" * 50])
def test_broken_images_are_refused(raw):
    with pytest.raises(AttachmentError, match="无法读取，文件可能已损坏"):
        attachments.thumbnail(raw, attachments.sniff(raw), "坏.png")


def test_the_bytes_never_reach_the_audit_log(con, records):
    photo = image_bytes("PNG", (600, 400))
    with audit.batch(con, user="李四", kind="stage", label="开工") as made:
        aid = attachments.add(con, "projects", "P1", "开工", photo, "现场.png", user="李四")
    rows = audit.load(con, batch_id=made.batch_id)
    assert list(rows["table_name"]) == ["attachments"]  # the blob table is content-addressed, not logged row by row
    (entry,) = rows.to_dict("records")
    assert (entry["user_name"], entry["record_id"], entry["action"]) == ("李四", aid, "insert")
    logged = json.dumps(entry["changes"], ensure_ascii=False)
    assert entry["changes"]["sha256"][1] == __import__("hashlib").sha256(photo).hexdigest()
    assert photo[:64].hex() not in logged and "WKB:" not in logged and len(logged) < 1000
    everything = " ".join(c for (c,) in con.execute("SELECT CAST(changes AS VARCHAR) FROM audit_log").fetchall())
    assert photo[8:40].hex() not in everything


def test_an_upload_can_be_undone(con, records):
    with audit.batch(con, user=U, kind="edit", label="上传") as made:
        attachments.add(con, "projects", "P1", "开工", PDF, "许可证.pdf", user=U)
    undo.undo(con, made.batch_id, layers.SPEC_BY_TABLE, user="管理员")
    assert attachments.load(con).empty


def test_records_of_other_counties_are_out_of_reach(con, records):
    with pytest.raises(AttachmentError, match="没有编号为 P2 的项目"):
        attachments.add(con, "projects", "P2", "开工", PDF, "许可证.pdf", user=U, counties=(records.a,))
    with pytest.raises(AttachmentError, match="没有编号为 P9 的项目"):
        attachments.add(con, "projects", "P9", "开工", PDF, "许可证.pdf", user=U)
    mine = attachments.add(con, "projects", "P1", "开工", PDF, "许可证.pdf", user=U, counties=(records.a,))
    theirs = attachments.add(con, "projects", "P2", "开工", image_bytes(), "现场.png", user=U)
    asset = attachments.add(con, "idle_assets", "A1", "盘活合同", PDF, "合同.pdf", user=U)
    assert set(attachments.load(con, county=(records.a,))["attachment_id"]) == {mine, asset}
    assert set(attachments.load(con, county=records.b)["attachment_id"]) == {theirs}
    assert attachments.load(con, county=()).empty
    assert set(attachments.load(con, record_table="idle_assets")["attachment_id"]) == {asset}
    with pytest.raises(AttachmentError, match=f"没有编号为 {theirs} 的佐证材料"):
        attachments.content(con, theirs, counties=(records.a,))
    assert attachments.thumbnails(con, [theirs], counties=(records.a,)) == {}
    assert attachments.thumbnails(con, [theirs], counties=(records.b,)).keys() == {theirs}


def test_purpose_and_record_table_are_checked(con, records):
    with pytest.raises(AttachmentError, match="未知的佐证材料用途“开会”"):
        attachments.add(con, "projects", "P1", "开会", PDF, "a.pdf", user=U)
    with pytest.raises(AttachmentError, match="未知的佐证材料用途“盘活合同”"):
        attachments.add(con, "projects", "P1", "盘活合同", PDF, "a.pdf", user=U)
    with pytest.raises(AttachmentError, match="未知的佐证材料用途"):
        attachments.add(con, "parks", "X", "开工", PDF, "a.pdf", user=U)


def test_file_names_lose_folders_and_control_characters(con, records):
    attachments.add(con, "projects", "P1", "开工", PDF, "..\\..\\C:/tmp/\x00许可\n证.pdf", user=U)
    attachments.add(con, "projects", "P1", "投产", PDF, "/", user=U)
    assert list(attachments.load(con)["filename"]) == ["许可证.pdf", "附件"]


def test_belonging_and_held(con, records):
    a = attachments.add(con, "projects", "P1", "开工", PDF, "许可证.pdf", user=U, submission_id="S1")
    b = attachments.add(con, "projects", "P2", "开工", PDF, "许可证.pdf", user=U)
    assert attachments.held(con, "projects", "P1", ["开工"]) == ["许可证.pdf"]
    assert attachments.held(con, "projects", "P1", ["投产"]) == []
    assert attachments.belonging(con, [a], "projects", "P1") == ["许可证.pdf"]
    with pytest.raises(AttachmentError, match=f"佐证材料 {b} 不属于项目 P1"):
        attachments.belonging(con, [a, b], "projects", "P1")
    assert list(attachments.load(con, submission_id="S1")["attachment_id"]) == [a]
    assert date.today() == attachments.load(con)["uploaded_at"].iloc[0].date()


def test_a_park_user_reaches_only_the_files_of_its_parks_projects(con, records):
    from layers._scope import make

    projects.insert(con, gpd.GeoDataFrame([{"project_id": "P3", "name": "园区项目", "stage": "注册", "county_adcode": records.a,
                                            "park_id": "PK1", "geometry": records.point_a}], geometry="geometry", crs=records.crs), user=U)
    park = make((records.a,), ["PK1"])
    inside = attachments.add(con, "projects", "P3", "开工", PDF, "园区.pdf", user=U, counties=park)
    county = attachments.add(con, "projects", "P1", "开工", PDF, "县里.pdf", user=U)  # same county, not the park's
    asset = attachments.add(con, "idle_assets", "A1", "盘活合同", PDF, "合同.pdf", user=U)
    assert list(attachments.load(con, county=park)["attachment_id"]) == [inside]
    for record_table, record_id in (("projects", "P1"), ("idle_assets", "A1")):
        with pytest.raises(AttachmentError, match=f"没有编号为 {record_id} 的"):
            attachments.add(con, record_table, record_id, "盘活合同" if record_table == "idle_assets" else "开工", PDF, "x.pdf",
                            user=U, counties=park)
    for other in (county, asset):
        with pytest.raises(AttachmentError):
            attachments.content(con, other, counties=park)
