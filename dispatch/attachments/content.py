"""What a file is, read from its bytes: never from its name or the type the browser declared.

Accepted: photos (JPEG, PNG, GIF, WebP, HEIC/HEIF from phones), PDF, and office
documents: Word, Excel and PowerPoint (2007 and later: a zip whose parts say
which; older: an OLE compound file whose streams say which) and OpenDocument
(a zip whose first member, `mimetype`, says which). Anything else (HTML, a
script, an executable, a plain zip) is refused. The checks are the few magic
numbers below, not a library's guess over hundreds of formats.
"""
from __future__ import annotations

import struct
import unicodedata
import zipfile
from pathlib import Path

import olefile

JPEG, PNG, GIF, WEBP, HEIC, PDF = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/heic",
                                   "application/pdf")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"
ODF = ("application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
       "application/vnd.oasis.opendocument.presentation", "application/vnd.oasis.opendocument.graphics")
# the part a 2007+ office zip must hold to be that kind of document
OOXML_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
# the stream an older office file must hold to be that kind of document
OLE_STREAMS = ((["WordDocument"], DOC), (["Workbook"], XLS), (["Book"], XLS), (["PowerPoint Document"], PPT))
# HEIF brands written by phones' cameras (ISO/IEC 23008-12)
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# office zips hold a few hundred parts; a zip of many thousands is not a document (and costs to list)
MAX_ZIP_MEMBERS = 10_000
# ... nor is one whose central directory (the member list zipfile reads whole) is larger than that many entries
MAX_ZIP_DIRECTORY_BYTES = MAX_ZIP_MEMBERS * 128
# the end-of-central-directory record: 22 bytes, then a comment of up to 65 535
EOCD_MAGIC, EOCD_SIZE, EOCD_SEARCH = b"PK\x05\x06", 22, 22 + 65_535

EXTENSIONS = {JPEG: ".jpg", PNG: ".png", GIF: ".gif", WEBP: ".webp", HEIC: ".heic", PDF: ".pdf",
              DOCX: ".docx", XLSX: ".xlsx", PPTX: ".pptx", DOC: ".doc", XLS: ".xls", PPT: ".ppt",
              ODF[0]: ".odt", ODF[1]: ".ods", ODF[2]: ".odp", ODF[3]: ".odg"}


def _image(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return HEIC
    return None


def _member_list_is_small(path: Path) -> bool:
    """What the archive's end record declares (members, and the size of the list zipfile would read), checked
    from its last bytes before anything is listed: a list too long to be a document is never read."""
    with path.open("rb") as stream:
        stream.seek(0, 2)
        end = stream.tell()
        stream.seek(max(0, end - EOCD_SEARCH))
        tail = stream.read()
    at = tail.rfind(EOCD_MAGIC)
    if at < 0 or len(tail) - at < EOCD_SIZE:
        return False
    _disk, _start, _here, members, directory_bytes, _offset = struct.unpack("<HHHHII", tail[at + 4:at + 20])
    # 0xFFFF / 0xFFFFFFFF: the real figures are in a ZIP64 record, which no office document needs
    return members <= MAX_ZIP_MEMBERS and directory_bytes <= MAX_ZIP_DIRECTORY_BYTES


def _office_zip(path: Path) -> str | None:
    try:
        if not _member_list_is_small(path):
            return None
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                return None
            names = {info.filename for info in infos}
            if infos and infos[0].filename == "mimetype" and infos[0].file_size < 100:
                declared = archive.read(infos[0]).decode("ascii", "replace").strip()
                return declared if declared in ODF else None
            if "[Content_Types].xml" in names:
                return next((kind for part, kind in OOXML_PARTS if part in names), None)
    # a broken archive, or one packed with a compression method zipfile lacks (NotImplementedError): not an
    # office document we can vouch for, so the upload is refused as an unknown type
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    return None


def _office_ole(path: Path) -> str | None:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return next((kind for stream, kind in OLE_STREAMS if ole.exists("/".join(stream))), None)
    except (OSError, ValueError, IndexError, KeyError, TypeError, RecursionError):
        # olefile raises what the malformed structure led it to; any of them means: not a document
        return None


def sniff(path: Path) -> str | None:
    """The accepted content type of the file at `path`, or None when it is none of them."""
    with path.open("rb") as stream:
        head = stream.read(32)
    if kind := _image(head):
        return kind
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(ZIP_MAGIC):
        return _office_zip(path)
    if head.startswith(OLE_MAGIC):
        return _office_ole(path)
    return None


MAX_NAME = 200


def safe_name(raw: str | None, content_type: str) -> str:
    """The name the user gave, as metadata only: no folders, no control characters, not too long.

    Never used as a path (files are stored by their hash); pages show it escaped.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name or f"attachment{EXTENSIONS.get(content_type, '')}"
