"""Check uploaded files and store them in the corpus folder."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from fastapi import UploadFile

from tracker_rag.api.errors import ApiError
from tracker_rag.ingest.loaders import SUPPORTED_SUFFIXES
from tracker_rag.storage import write_bytes_atomically

UPLOAD_FOLDERS = ("sources", "articles")


def safe_file_name(name: str | None) -> str:
    """Return the upload's file name if it stays a plain name inside the folder.

    Raises:
        ApiError: 400 for names with folders, `..`, absolute paths, hidden files
            or control characters.
    """
    if not name or not name.strip():
        raise ApiError(400, "files: an uploaded file has no file name", "files")
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if (
        posix.is_absolute()
        or windows.is_absolute()
        or len(posix.parts) != 1
        or len(windows.parts) != 1
        or name in (".", "..")
        or name.startswith(".")
        or any(ord(character) < 32 or ord(character) == 127 for character in name)
    ):
        raise ApiError(
            400,
            f"files: file name {name!r} must be a plain name inside the corpus folder",
            "files",
        )
    return name


def check_suffix(name: str) -> None:
    """Refuse file types the loaders cannot read (415)."""
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise ApiError(
            415, f"files: {name!r} is not a supported type ({allowed})", "files"
        )


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    """Read an upload, refusing one over the size limit (413)."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise ApiError(
            413,
            f"files: {upload.filename!r} is over the limit of {limit:,} bytes",
            "files",
        )
    return data


async def store_uploads(
    uploads: list[UploadFile], corpus_dir: Path, folder: str, limit: int
) -> list[str]:
    """Check every upload first, then write them all; return their corpus paths."""
    if folder not in UPLOAD_FOLDERS:
        raise ApiError(
            400, f"folder: must be one of {', '.join(UPLOAD_FOLDERS)}", "folder"
        )
    checked: list[tuple[str, bytes]] = []
    for upload in uploads:
        name = safe_file_name(upload.filename)
        check_suffix(name)
        checked.append((name, await read_limited(upload, limit)))
    target = corpus_dir / folder
    stored = []
    for name, data in checked:
        write_bytes_atomically(target / name, data)
        stored.append(f"{folder}/{name}")
    return stored
