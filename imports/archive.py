"""Zip archives from users (an .xlsx, a zipped Shapefile) opened without trusting them.

A zip declares each member's size; a zip bomb declares small sizes or a huge ratio, or lies and inflates far past
what it declares. :func:`open_zip` checks the declared sizes before anything is inflated, :func:`inflate` inflates
one member itself with a hard cap at the declared size (so a lying header is caught, whatever reader comes next),
and :func:`extract` writes members only inside the given folder (no ``../``, no absolute paths, no links).
Errors are :class:`UnsafeArchive` with a Chinese reason; callers wrap it in their own error.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

MAX_MEMBERS = 10_000
#: Total inflated size of all members, as declared and as verified.
MAX_INFLATED_BYTES = 1024 * 1024 * 1024
#: A member larger than RATIO_FLOOR may inflate at most MAX_RATIO times its compressed size (real sheets: 5–30×).
MAX_RATIO = 200
RATIO_FLOOR = 16 * 1024 * 1024
CHUNK = 1024 * 1024
_LOCAL_HEADER = b"PK\x03\x04"


class UnsafeArchive(ValueError):
    """The archive is corrupt or looks like an attack (zip bomb, zip-slip); the message is Chinese."""


def open_zip(raw: bytes) -> zipfile.ZipFile:
    """The archive in ``raw`` after checking member count, declared sizes, ratios, encryption and compression."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise UnsafeArchive("压缩包已损坏或不完整") from exc
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise UnsafeArchive(f"压缩包内文件过多（{len(members)} 个，上限 {MAX_MEMBERS} 个）")
    if len({info.filename for info in members}) != len(members):
        raise UnsafeArchive("压缩包内有重名的文件，疑似被篡改，已拒绝")
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise UnsafeArchive("压缩包设置了密码，请解除密码后再上传")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeArchive("压缩包使用了不支持的压缩方式，请用常规 zip 格式重新压缩")
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise UnsafeArchive(f"压缩包内文件的压缩比异常（约 {ratio:,.0f} 倍，正常表格不超过几十倍），疑似恶意文件（压缩炸弹），已拒绝")
    if total > MAX_INFLATED_BYTES:
        raise UnsafeArchive(f"压缩包解压后过大（约 {total / 1024 / 1024:,.0f} MB，上限 {MAX_INFLATED_BYTES // 1024 // 1024} MB），"
                            "疑似恶意文件（压缩炸弹），已拒绝")
    return archive


def inflate(raw: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes in chunks, inflated here from the raw compressed data and never past its declared size.

    Raises :class:`UnsafeArchive` when the data inflates to more (or less) than declared or fails its CRC.
    """
    start = info.header_offset
    if raw[start:start + 4] != _LOCAL_HEADER or start + 30 > len(raw):
        raise UnsafeArchive("压缩包已损坏或不完整")
    name_len, extra_len = struct.unpack_from("<HH", raw, start + 26)
    begin = start + 30 + name_len + extra_len
    data = memoryview(raw)[begin:begin + info.compress_size]
    if len(data) < info.compress_size:
        raise UnsafeArchive("压缩包已损坏或不完整")
    chunks = _stored(data) if info.compress_type == zipfile.ZIP_STORED else _deflated(data, info.file_size)
    total, crc = 0, 0
    for chunk in chunks:
        total += len(chunk)
        if total > info.file_size:
            raise UnsafeArchive("压缩包内文件的实际大小超过其声明的大小，疑似恶意文件，已拒绝")
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if total != info.file_size or crc != info.CRC:
        raise UnsafeArchive("压缩包已损坏（校验失败）")


def _stored(data: memoryview) -> Iterator[bytes]:
    for i in range(0, len(data), CHUNK):
        yield bytes(data[i:i + CHUNK])


def _deflated(data: memoryview, declared: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pos = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece = inflater.unconsumed_tail
            elif pos < len(data):
                piece, pos = data[pos:pos + CHUNK], pos + CHUNK
            else:
                return  # truncated stream: the size check in inflate() reports it
            # At most one byte past the declared size is ever produced, so a lying header costs nothing.
            yield inflater.decompress(piece, min(CHUNK, declared + 1))
    except zlib.error as exc:
        raise UnsafeArchive("压缩包已损坏（数据无法解压）") from exc


def read_member(raw: bytes, info: zipfile.ZipInfo) -> bytes:
    """The whole member, verified as by :func:`inflate`."""
    return b"".join(inflate(raw, info))


def verify(raw: bytes, archive: zipfile.ZipFile, skip: zipfile.ZipInfo | None = None) -> None:
    """Inflate every member but ``skip`` once (bounded by the declared sizes already checked), so none lies about its
    size to the reader that comes next."""
    for info in archive.infolist():
        if info is not skip:
            for _ in inflate(raw, info):
                pass


def safe_name(name: str) -> PurePosixPath | None:
    """The member's relative path, or None when it is absolute, climbs out with ``..`` or names a drive."""
    text = name.replace("\\", "/")
    path = PurePosixPath(text)
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":") or ".." in path.parts or "\x00" in text:
        return None
    return path


def extract(raw: bytes, archive: zipfile.ZipFile, folder: Path, keep=None) -> list[Path]:
    """Write the regular files of ``archive`` (those whose name ``keep(name)`` accepts) under ``folder``, sizes verified.

    Any unsafe name or link in the archive refuses the whole archive, kept or not.
    """
    root = folder.resolve()
    written = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        rel = safe_name(info.filename)
        mode = info.external_attr >> 16
        if rel is None or stat.S_ISLNK(mode):
            raise UnsafeArchive(f"压缩包内含有不安全的路径“{info.filename}”（指向压缩包以外），已拒绝")
        target = (root / rel).resolve()
        if not target.is_relative_to(root):
            raise UnsafeArchive(f"压缩包内含有不安全的路径“{info.filename}”（指向压缩包以外），已拒绝")
        if keep is not None and not keep(info.filename):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            for chunk in inflate(raw, info):
                out.write(chunk)
        written.append(target)
    return written
