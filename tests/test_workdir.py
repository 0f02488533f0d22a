"""The sandbox server's own file I/O (sandbox/workdir.py) against what a test can leave in its work dir."""
from __future__ import annotations

import importlib.util
import os

from r1eval.sandbox.image import sandbox_dir

_spec = importlib.util.spec_from_file_location("sandbox_workdir", sandbox_dir() / "workdir.py")
workdir = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(workdir)


def _deep_tree(root, depth: int) -> None:
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):  # deeper than PATH_MAX allows as one path, made one level at a time
        os.mkdir("d", 0o700, dir_fd=fd)
        inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)


def test_wipe_removes_whatever_a_test_left_and_follows_no_link(tmp_path):
    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    _deep_tree(work, 3000)
    (work / "locked" / "inner").mkdir(parents=True)
    (work / "locked" / "inner" / "f").write_text("x")
    os.chmod(work / "locked" / "inner", 0)
    os.chmod(work / "locked", 0)
    os.mkfifo(work / "fifo")
    os.symlink(outside, work / "link")
    (work / "wide").mkdir()
    for n in range(2000):
        (work / "wide" / str(n)).mkdir()
    (work / "sol.py").write_text("print(1)")
    workdir.wipe(work, keep=("sol.py",))
    assert sorted(os.listdir(work)) == ["sol.py"]
    assert (outside / "keep.txt").read_text() == "mine"  # the link was removed, not followed


def test_reads_take_regular_files_only_and_writes_replace_anything(tmp_path):
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    os.symlink(tmp_path / "real", tmp_path / "link")
    (tmp_path / "real").write_bytes(b"secret")
    for name in ("dir", "fifo", "link", "missing"):
        assert workdir.read_bytes(tmp_path / name, 100) == b""
    assert workdir.read_bytes(tmp_path / "real", 3) == b"sec"
    _deep_tree(tmp_path / "dir", 50)
    for name in ("dir", "fifo", "link"):
        workdir.write(tmp_path / name, b"judge's", mode=0o400)
        assert (tmp_path / name).read_bytes() == b"judge's" and oct((tmp_path / name).stat().st_mode & 0o777) == "0o400"
    assert (tmp_path / "real").read_bytes() == b"secret"  # never written through the link
    workdir.make_dir(tmp_path / "real")
    assert (tmp_path / "real").is_dir() and not os.listdir(tmp_path / "real")
