"""Where the report is written: the rules for ``--out``, checked before any work, and the save.

The rules (also on the book's page "Report on your own model"):

* ``--out`` may be a new folder, an empty folder, or an earlier report of this tool: a folder
  whose ``report.json`` carries ``"generator": "explainer report"`` and lists the files it
  wrote, and that holds nothing else. Anything else is refused, with one line saying why.
* ``--force`` never deletes or overwrites a file the tool did not write: it lets the report be
  written *beside* other files in a folder (an earlier report's listed files are replaced, its
  figures no longer needed removed); a file in the way (an ``index.html`` the tool did not
  write, say) is still refused.
* Never the current folder or one of its parents, never the data folder, a folder inside it,
  or a folder that holds the data or the model.
* A symbolic link is followed: the folder it points to is checked and replaced by the same
  rules, and the link is kept.
* The report is built in a hidden temporary folder beside its target and swapped into place
  with signals held off, so an interrupted run leaves the earlier state and no hidden folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explainer.report.errors import ReportError

__all__ = [
    "GENERATOR",
    "OutPlan",
    "check_out",
    "held_signals",
    "signal_handlers",
    "write_report",
]

GENERATOR = "explainer report"
"""The value of ``generator`` in report.json: what marks a folder as this tool's report."""

ALWAYS_WRITTEN = ("index.html", "report.json")
"""Files every report writes (besides its figures)."""
_HELD = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class OutPlan:
    """Where and how a report is written, as :func:`check_out` found it."""

    given: Path
    """``--out`` as given."""
    target: Path
    """The folder written: ``given`` with symbolic links resolved."""
    earlier: tuple[str, ...] | None
    """Files of an earlier report in ``target`` (its manifest), ``None`` when there is none."""
    merge: bool
    """``--force`` into a folder holding other files: write beside them, file by file."""
    force: bool = False


def _listing(folder: Path) -> list[str]:
    """Every file, link and folder under ``folder``, as relative POSIX paths."""
    found = []
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found.extend((rel / name).as_posix() for name in dirs + files)
    return sorted(found)


def _manifest(folder: Path) -> tuple[str, ...] | None:
    """The files an earlier report in ``folder`` wrote, or ``None`` if it is not one."""
    try:
        data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != GENERATOR:
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    safe = [f for f in files if not Path(f).is_absolute() and ".." not in Path(f).parts]
    return tuple(safe)


def _with_parents(files: Sequence[str]) -> set[str]:
    out = set()
    for file in files:
        path = Path(file)
        out.add(path.as_posix())
        out.update(p.as_posix() for p in path.parents if p != Path("."))
    return out


def _short(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _writable(target: Path) -> None:
    """Refuse a place where the report cannot be created; writes nothing that stays."""
    probe = target.parent
    while not probe.exists():
        if probe.is_symlink():  # a dangling link in the middle of the path
            raise ReportError(f"--out {target}: {probe} is a broken symbolic link")
        probe = probe.parent
    if not probe.is_dir():
        raise ReportError(
            f"--out {target}: {probe} is a file, so no folder can be made under it; "
            f"choose another path"
        )
    try:
        made = tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=probe)
    except OSError as exc:
        raise ReportError(
            f"--out {target} cannot be written: no folder can be created in {probe} "
            f"({exc.strerror or exc}); choose a folder you can write to"
        ) from exc
    os.rmdir(made)


def check_out(
    out: str | os.PathLike[str],
    *,
    force: bool = False,
    keep: Sequence[str | os.PathLike[str]] = (),
) -> OutPlan:
    """Check ``--out`` before any work; raise :class:`ReportError` (one line) if it is refused.

    ``keep`` are the input paths (the model, the data), which the report must never replace.
    """
    given = Path(out).expanduser()
    if not str(out).strip():
        raise ReportError("--out is empty; give the folder to write, e.g. --out my_report")
    target = Path(os.path.realpath(given))
    cwd = Path.cwd().resolve()
    if _inside(cwd, target):
        what = "the current folder" if target == cwd else "a parent of the current folder"
        raise ReportError(
            f"--out {given} is {what}; the report replaces its folder, so give a new folder "
            f"such as --out {given / 'report' if target == cwd else 'report'}"
        )
    for item in keep:
        kept = Path(os.path.realpath(Path(item).expanduser()))
        if not kept.exists():
            continue
        if _inside(kept, target):
            raise ReportError(
                f"--out {given} holds {os.fspath(item)}, an input of this report; choose "
                f"another folder"
            )
        if kept.is_dir() and _inside(target, kept):
            raise ReportError(
                f"--out {given} is inside the data folder {os.fspath(item)}; write the report "
                f"outside it"
            )
    if target.exists() and not target.is_dir():
        raise ReportError(f"--out {given} is a file, not a folder; choose another path")
    _writable(target)
    if not target.exists():
        return OutPlan(given, target, None, merge=False, force=force)
    present = _listing(target)
    earlier = _manifest(target)
    if not present:
        return OutPlan(given, target, None, merge=False, force=force)
    if earlier is None and not force:
        raise ReportError(
            f"--out {given} is not empty and is not a report of this tool (no report.json "
            f'with "generator": "{GENERATOR}"); nothing was changed: choose a new folder, or '
            f"pass --force to write the report beside its files"
        )
    extra = sorted(set(present) - _with_parents(earlier or ()))
    if extra and not force:
        raise ReportError(
            f"--out {given} is an earlier report but also holds files it did not write "
            f"({_short(extra)}); nothing was changed: move them out, or pass --force to keep "
            f"them and replace only the report's own files"
        )
    if not extra:
        return OutPlan(given, target, earlier, merge=False, force=force)
    _writable(target / "report")  # merging writes inside the folder itself
    plan = OutPlan(given, target, earlier, merge=True, force=force)
    _refuse_clashes(plan, ALWAYS_WRITTEN)
    return plan


def _in_the_way(plan: OutPlan, files: Sequence[str]) -> list[str]:
    """Files the new report would overwrite that no earlier report of this tool wrote."""
    ours = set(plan.earlier or ())
    clash = set()
    for file in files:
        path = plan.target / file
        if (path.exists() or path.is_symlink()) and file not in ours:
            clash.add(file)
        for parent in Path(file).parents[:-1]:
            here = plan.target / parent
            if here.is_symlink() or (here.exists() and not here.is_dir()):
                clash.add(parent.as_posix())
    return sorted(clash)


def _refuse_clashes(plan: OutPlan, files: Sequence[str]) -> None:
    clash = _in_the_way(plan, files)
    if clash:
        raise ReportError(
            f"--out {plan.given} already holds {_short(clash)}, which this tool did not "
            f"write; even with --force it is not overwritten: move it or choose another folder"
        )


@contextlib.contextmanager
def signal_handlers(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """``handler`` for SIGINT and SIGTERM inside the block, the previous handlers after it.

    Outside the main thread Python cannot handle signals: the block then runs with the
    process's handlers left alone.
    """
    try:
        old = {sig: signal.signal(sig, handler) for sig in _HELD}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while files are swapped; they are acted on right after.

    The swap (a few renames, removing the earlier report) must not stop half-way: a handler
    that ran in between could leave the earlier report aside under a hidden name. Python runs
    signal handlers in the main thread only, so swapping the handlers holds the signals for
    the whole process (a thread mask would not: TensorFlow's threads would still take them).
    """
    pending: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        pending.append(signum)

    try:
        with signal_handlers(hold):
            yield
    finally:
        if pending:
            signal.raise_signal(pending[0])  # now the usual handler (or default) acts on it


def write_report(plan: OutPlan, files: Mapping[str, bytes], *, recheck: bool = True) -> Path:
    """Write ``files`` (relative path → bytes) as the folder ``plan.target``, all or nothing.

    The files go into a hidden temporary folder beside the target first; any failure or
    signal removes it. ``recheck`` repeats :func:`check_out`'s look at the target just before
    the swap (the folder may have changed while the report was computed).
    """
    target = plan.target
    if recheck:
        plan = check_out(plan.given, force=plan.force)
        target = plan.target
    if plan.merge:
        _refuse_clashes(plan, list(files))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        for file, data in files.items():
            path = tmp / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        tmp.chmod(0o755)
        with held_signals():
            if plan.merge:
                _merge(tmp, plan, files)
            else:
                _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _swap(tmp: Path, target: Path) -> None:
    """Rename the finished folder over ``target`` (an earlier report or an empty folder)."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _merge(tmp: Path, plan: OutPlan, files: Mapping[str, bytes]) -> None:
    """``--force``: move each new file into the folder; remove only the earlier report's files
    that the new one does not have."""
    target = plan.target
    for file in sorted(files, key=lambda f: (f == "report.json", f)):  # report.json last
        dest = target / file
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / file, dest)
    for file in sorted(set(plan.earlier or ()) - set(files)):
        path = target / file
        if path.is_file() and not path.is_symlink():
            path.unlink()
    for folder in sorted(_with_parents(plan.earlier or ()), key=len, reverse=True):
        with contextlib.suppress(OSError):  # only empty folders go
            if (target / folder).is_dir() and folder not in files:
                (target / folder).rmdir()
    shutil.rmtree(tmp, ignore_errors=True)
