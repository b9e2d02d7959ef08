"""pressctl as users run it: the installed entry point, in a subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, Room

PRESSCTL = shutil.which("pressctl", path=str(Path(sys.executable).parent)) or "pressctl"


def run(*args: str, cwd: Path, input: str | None = None, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([PRESSCTL, *args], cwd=cwd, input=input, capture_output=True,
                          text=True, env=full_env, timeout=60)


def test_version_and_help(tmp_path: Path) -> None:
    r = run("--version", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("pressctl ")
    r = run("--help", cwd=tmp_path)
    assert r.returncode == 0
    for command in ("init", "new", "list", "show", "edit"):
        assert command in r.stdout


def test_python_dash_m_works(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pressctl", "--version"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("pressctl ")


def test_what_a_command_read_is_left_to_the_end_of_the_process(sample: Room) -> None:
    # No last collection over the garbage of a large export or listing: the objects are
    # frozen once the command's output is flushed, and the exit code is the command's.
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: sys.stderr.write(f'frozen={gc.get_freeze_count()}'))\n"
             "from pressctl.__main__ import main\n"
             "sys.argv = ['pressctl', 'list', '--format', 'slugs']\n"
             "main()\n")
    r = subprocess.run([sys.executable, "-c", probe], cwd=sample.root, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0
    assert len(r.stdout.splitlines()) == len(list((sample.root / "articles").glob("*.md")))
    frozen = int(r.stderr.rpartition("frozen=")[2])
    assert frozen > 1000


def test_a_new_users_session(tmp_path: Path) -> None:
    assert run("init", "desk", cwd=tmp_path).returncode == 0
    desk = tmp_path / "desk"
    r = run("new", "Mayor opens the new library", "-a", "Press Office", "-t", "culture",
            "--body-file", "-", cwd=desk, input="The library opens on Monday.\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "articles/mayor-opens-the-new-library.md"
    r = run("list", cwd=desk)
    assert r.stdout.startswith("mayor-opens-the-new-library\tdraft\t")
    r = run("show", "mayor-opens-the-new-library", cwd=desk)
    assert "The library opens on Monday." in r.stdout
    r = run("edit", "mayor-opens-the-new-library", "--set", "summary=It opens.", cwd=desk)
    assert r.returncode == 0, r.stderr
    assert 'summary = "It opens."' in (desk / "articles/mayor-opens-the-new-library.md").read_text()


def test_no_colour_off_a_terminal_and_errors_without_traceback(sample: Room) -> None:
    r = run("list", cwd=sample.root)
    assert "\x1b[" not in r.stdout
    r = run("show", "missing-article", cwd=sample.root)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "\x1b[" not in r.stderr
    r = run("list", "--format", "yaml", cwd=sample.root)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_root_option_and_env(sample: Room, tmp_path: Path) -> None:
    r = run("--root", str(sample.root), "list", "--format", "slugs", cwd=tmp_path)
    assert "at-un-bart-somers-discusses-migration" in r.stdout.split()
    r = run("list", "--format", "slugs", cwd=tmp_path, env={"PRESSCTL_ROOT": str(sample.root)})
    assert "at-un-bart-somers-discusses-migration" in r.stdout.split()


def test_closed_pipe_is_not_an_error(room: Room) -> None:
    for i in range(300):
        room.write(f"article-{i:03d}")
    proc = subprocess.Popen(f"'{PRESSCTL}' list --format json | head -c 10", shell=True,
                            cwd=room.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    assert len(out) == 10
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_new_edit_opens_the_editor(room: Room, tmp_path: Path) -> None:
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\nprintf 'Written in the editor.\\n' >> \"$1\"\n")
    script.chmod(0o755)
    r = run("new", "Edited", "--edit", cwd=room.root, env={"EDITOR": str(script)})
    assert r.returncode == 0, r.stderr
    assert room.read("edited").endswith("Written in the editor.\n")


def test_ctrl_c_exits_130_without_traceback(room: Room, tmp_path: Path) -> None:
    room.write("story")
    script = tmp_path / "slow-editor"
    script.write_text("#!/bin/sh\nsleep 30\n")
    script.chmod(0o755)
    proc = subprocess.Popen([PRESSCTL, "new", "Waiting", "--edit"], cwd=room.root,
                            env={**os.environ, "EDITOR": str(script)}, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not (room.root / ".pressctl" / "edit" / "waiting.md").exists():
        assert time.monotonic() < deadline, "the editor never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [["--help"], ["list", "--help"], ["new", "--help"],
                                  ["show", "--help"], ["edit", "--help"], ["init", "--help"]])
def test_every_command_has_help(args: list[str], tmp_path: Path) -> None:
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 0
    assert "Usage" in r.stdout


def test_the_sample_newsroom_ships_with_the_repository() -> None:
    r = run("list", "--format", "slugs", cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.split()) >= 8


def test_an_export_the_file_system_refuses_names_the_path(sample: Room) -> None:
    (sample.root / "notes").write_text("a file, not a folder")
    for fmt, out in (("html", "notes/site"), ("json", "notes/export.json")):
        r = run("export", "--format", fmt, "--out", out, cwd=sample.root)
        assert r.returncode == 1
        assert r.stderr.startswith(f"error: {out}: Not a directory\n"), r.stderr
        assert "Traceback" not in r.stderr
