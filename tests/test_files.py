"""Writing files whole, never through a link planted at the target's name, and cleaning up after a kill."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from autograd.files import TEMPORARY_SUFFIX, check_folder, make_folder, write_file

needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32",
                                 reason="symbolic links need privileges on Windows")


def test_write_file_writes_bytes_and_text(tmp_path):
    write_file(tmp_path / "a.bin", b"\x00\xff")
    write_file(tmp_path / "b.txt", "∂f/∂x = −1")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\xff"
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "∂f/∂x = −1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.txt"]


@needs_links
def test_a_link_at_the_target_is_replaced_and_the_file_it_points_to_is_untouched(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    precious = elsewhere / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    target = tmp_path / "page.html"
    target.symlink_to(precious)
    write_file(target, "<html></html>")
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert not target.is_symlink() and target.read_text(encoding="utf-8") == "<html></html>"


@needs_links
def test_a_dangling_link_at_the_target_is_replaced_and_nothing_is_created_where_it_points(tmp_path):
    target = tmp_path / "frame.svg"
    target.symlink_to(tmp_path / "nowhere" / "made.svg")
    write_file(target, b"<svg/>")
    assert not target.is_symlink() and target.read_bytes() == b"<svg/>"
    assert not (tmp_path / "nowhere").exists()


def test_the_permissions_are_the_umasks_as_for_any_file(tmp_path):
    if sys.platform == "win32":
        pytest.skip("no POSIX permissions")
    old = os.umask(0o022)
    try:
        write_file(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    from autograd.files import open_atomic

    target = tmp_path / "frames.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="renderer stopped"):
        with open_atomic(target) as file:
            file.write(b"half a new")
            raise RuntimeError("renderer stopped")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["frames.pdf"]


def test_a_folder_at_the_target_and_a_missing_folder_are_refused_by_name(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match="that is a folder"):
        write_file(tmp_path / "d", b"x")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_file(tmp_path / "nope" / "a.txt", b"x")
    (tmp_path / "f.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        write_file(tmp_path / "f.txt" / "a.txt", b"x")
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "keep"


def test_check_folder_and_make_folder(tmp_path):
    assert check_folder(tmp_path) == tmp_path
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_folder(tmp_path / "a" / "b")
    assert check_folder(tmp_path / "a" / "b", may_be_missing=True) == tmp_path / "a" / "b"
    made = make_folder(tmp_path / "a" / "b", who="write_frames")
    assert made.is_dir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match=r"write_frames\(.*'.*file' is a file, not a folder"):
        make_folder(tmp_path / "file" / "frames", who="write_frames")


def dead_pid():
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.skipif(sys.platform == "win32", reason="no cheap check of a process id there")
def test_stale_temporary_files_of_a_dead_writer_are_removed_on_the_next_write(tmp_path):
    target = tmp_path / "frame_000.svg"
    stale = tmp_path / f".frame_000.svg.{dead_pid()}.0a1b2c3d{TEMPORARY_SUFFIX}"
    stale.write_bytes(b"half")
    live = tmp_path / f".frame_000.svg.{os.getppid()}.0a1b2c3d{TEMPORARY_SUFFIX}"  # a running process's
    live.write_bytes(b"under way")
    other = tmp_path / f".notes.txt.{dead_pid()}.0a1b2c3d{TEMPORARY_SUFFIX}"  # another target's: not ours now
    other.write_bytes(b"half")
    unrelated = tmp_path / ".frame_000.svg.backup"
    unrelated.write_bytes(b"mine")
    write_file(target, b"<svg/>")
    assert not stale.exists()
    assert live.exists() and other.exists() and unrelated.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_write_killed_half_way_leaves_the_target_whole_and_a_recognisable_temporary_file(tmp_path):
    target = tmp_path / "steps.html"
    target.write_text("old page", encoding="utf-8")
    # The writer stops after writing half its data; then it is killed.
    script = textwrap.dedent(f"""
        import os, signal, sys
        from autograd.files import open_atomic
        with open_atomic({str(target)!r}) as file:
            file.write(b"half a new page")
            file.flush()
            print("written", flush=True)
            signal.pause()
    """)
    import autograd

    home = os.path.dirname(os.path.dirname(autograd.__file__))  # this checkout's autograd, not another
    env = dict(os.environ, PYTHONPATH=home + os.pathsep + os.environ.get("PYTHONPATH", ""))
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
    try:
        assert writer.stdout.readline().strip() == b"written"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    left = [p.name for p in tmp_path.iterdir() if p.name != "steps.html"]
    assert len(left) == 1 and left[0].startswith(".steps.html.") and left[0].endswith(TEMPORARY_SUFFIX)
    assert target.read_text(encoding="utf-8") == "old page"
    write_file(target, "new page")
    assert [p.name for p in tmp_path.iterdir()] == ["steps.html"]
    assert target.read_text(encoding="utf-8") == "new page"


def renderer_or_skip():
    pytest.importorskip("graphviz")
    from autograd import RendererNotFoundError
    from autograd.views.draw import find_renderer

    try:
        find_renderer(None)
    except RendererNotFoundError:
        pytest.skip("no renderer installed")


@needs_links
def test_the_command_lines_html_replaces_a_link_planted_at_its_name(tmp_path, capsys):
    renderer_or_skip()
    from autograd.cli import main

    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    page = tmp_path / "steps.html"
    page.symlink_to(precious)
    assert main(["x * y", "--at", "x=2", "y=3", "--html", str(page)]) == 0
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert not page.is_symlink() and page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.txt", "steps.html"]


@needs_links
def test_write_stepper_replaces_a_link_planted_at_its_name(tmp_path):
    renderer_or_skip()
    from autograd import Value, write_stepper

    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    page = tmp_path / "steps.html"
    page.symlink_to(precious)
    write_stepper(Value(2.0, label="x") * Value(3.0, label="y"), page)
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert not page.is_symlink() and "<!DOCTYPE html>" in page.read_text(encoding="utf-8")


def test_a_drawing_saved_over_a_planted_link_replaces_the_link(tmp_path):
    pytest.importorskip("graphviz")
    from autograd import Value, draw

    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    target = tmp_path / "graph.dot"
    target.symlink_to(elsewhere)
    x = Value(2.0, label="x")
    draw(x * 3).save(target)
    assert elsewhere.read_text(encoding="utf-8") == "keep me"
    assert not target.is_symlink() and target.read_text(encoding="utf-8").startswith("digraph")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_file_written_again_keeps_its_permissions(tmp_path):
    target = tmp_path / "graph.svg"
    write_file(target, "<svg/>")
    os.chmod(target, 0o640)
    write_file(target, "<svg></svg>")
    assert (target.read_text(), os.stat(target).st_mode & 0o777) == ("<svg></svg>", 0o640)


def test_a_durable_write_reaches_the_disk_before_it_takes_the_name(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        # Still under the temporary name: the target does not exist yet.
        synced.append(os.path.exists(tmp_path / "m.json"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write_file(tmp_path / "picture.png", b"png")
    assert synced == []  # pictures need no fsync
    write_file(tmp_path / "m.json", "{}", durable=True)
    assert synced == [False]


@pytest.mark.skipif(os.name != "posix", reason="process ids of POSIX")
def test_a_day_old_temporary_of_a_running_process_id_is_stale(tmp_path):
    import time

    target = tmp_path / "m.json"
    # The parent (pytest's runner) is alive: its id may now belong to someone else than the writer.
    old = tmp_path / f".m.json.{os.getppid()}.0123abcd{TEMPORARY_SUFFIX}"
    fresh = tmp_path / f".m.json.{os.getppid()}.4567cdef{TEMPORARY_SUFFIX}"
    for p in (old, fresh):
        p.write_text("")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    write_file(target, "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.json", fresh.name])
