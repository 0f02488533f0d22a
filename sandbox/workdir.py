"""The server's own file I/O in the writable area a test shares with it. Stdlib only.

Whatever a test leaves there (a directory or FIFO where a file is expected, a symlink out, a 3000-deep tree,
directories with mode 000), these functions neither fail nor follow it: reads take regular files only, writes
replace whatever holds the name, and removal walks a tree with one open descriptor at a time (no recursion, no
path longer than one name), opening up each directory's permissions before it enters.
"""
from __future__ import annotations

import os
import stat

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def _open_dir(parent_fd: int, name: str) -> int:
    try:
        os.chmod(name, 0o700, dir_fd=parent_fd)  # a test may have made it unreadable (as root this is not needed)
    except OSError:
        pass
    return os.open(name, DIR_FLAGS, dir_fd=parent_fd)


def _empty_files(fd: int) -> list[str]:
    """Remove every non-directory and every empty directory in the directory `fd`; the other subdirectories."""
    pending = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.name, dir_fd=fd)
                continue
            try:
                os.rmdir(entry.name, dir_fd=fd)
            except OSError:
                pending.append(entry.name)
    return pending


def remove(parent_fd: int, name: str) -> None:
    """Remove the entry `name` of the directory open as `parent_fd`, whatever it is and however deep."""
    if not stat.S_ISDIR(os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode):
        os.unlink(name, dir_fd=parent_fd)
        return
    fd = _open_dir(parent_fd, name)
    stack = [(name, _empty_files(fd))]  # (directory name, its subdirectories still to remove); fd = the last one
    while stack:
        current, pending = stack[-1]
        if pending:
            child = pending.pop()
            inner = _open_dir(fd, child)
            os.close(fd)
            fd = inner
            stack.append((child, _empty_files(fd)))
            continue
        stack.pop()
        parent = os.open("..", DIR_FLAGS, dir_fd=fd) if stack else parent_fd
        os.close(fd)
        os.rmdir(current, dir_fd=parent)
        fd = parent


def wipe(folder: str | os.PathLike, keep: tuple[str, ...] = ()) -> None:
    """Remove everything in `folder` but the names in `keep`."""
    try:
        fd = os.open(folder, DIR_FLAGS)
    except FileNotFoundError:
        return
    try:
        for name in os.listdir(fd):
            if name not in keep:
                remove(fd, name)
    finally:
        os.close(fd)


def clear(path: str | os.PathLike) -> None:
    """Remove whatever holds `path` (a file, a link, a tree); nothing if nothing does."""
    parent = os.open(os.path.dirname(path) or ".", DIR_FLAGS)
    try:
        remove(parent, os.path.basename(path))
    except FileNotFoundError:
        pass
    finally:
        os.close(parent)


def read_bytes(path: str | os.PathLike, limit: int) -> bytes:
    """Up to `limit` bytes of a regular file; b"" for anything else (a directory, FIFO, link, nothing)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # checked on the descriptor: a directory opens too
            return b""
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return b""
    finally:
        os.close(fd)


def write(path: str | os.PathLike, data: bytes, owner: int | None = None, mode: int = 0o644) -> None:
    """A fresh regular file at `path` (replacing whatever held the name, never writing through a link), owned by
    `owner` when given (the server runs as root then)."""
    clear(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        if owner is not None:
            os.fchown(fd, owner, owner)
        os.fchmod(fd, mode)


def make_dir(path: str | os.PathLike, owner: int | None = None) -> None:
    """A fresh empty directory (mode 700; `owner`'s when given, so only that uid and root can enter it)."""
    clear(path)
    os.mkdir(path, 0o700)
    if owner is not None:
        os.chown(path, owner, owner, follow_symlinks=False)
