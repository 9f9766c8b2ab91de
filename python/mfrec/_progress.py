"""Progress reporting for long loops (epochs, cross-validation folds, grid points, downloads).

``verbose`` on and tqdm installed (the ``progress`` extra): a tqdm bar on stderr, with the
latest values (loss, validation metrics) as its postfix. ``verbose`` on without tqdm: one
plain line per step on stderr. ``verbose`` off: nothing.
"""

from __future__ import annotations

import sys

__all__ = ["Progress", "progress"]


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class Progress:
    """A progress bar that degrades to plain lines (or nothing).

    Use as a context manager; call :meth:`update` after each step and :meth:`write` for
    messages (they do not break the bar).

    Parameters
    ----------
    total : int or None
        Number of steps, when known.
    desc : str
        Label shown before the bar (and each plain line).
    enabled : bool, default True
        False: every method does nothing.
    unit : str, default "it"
        Name of a step (tqdm's ``unit``).
    unit_scale : bool, default False
        Show large counts with SI prefixes (tqdm's ``unit_scale``, e.g. for bytes).
    """

    def __init__(self, total: int | None, desc: str, *, enabled: bool = True,
                 unit: str = "it", unit_scale: bool = False) -> None:
        self.desc = desc
        self.enabled = bool(enabled)
        self.total = total
        self._bar = None
        self._count = 0
        if self.enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale,
                                 leave=True, file=sys.stderr, dynamic_ncols=True)

    def update(self, n: int = 1, **values: object) -> None:
        """Advance by ``n`` steps; ``values`` (e.g. ``loss=0.9``) are shown beside the bar.

        Parameters
        ----------
        n : int, default 1
            Steps done.
        **values
            Latest values to show (floats with 4 significant digits).
        """
        if not self.enabled:
            return
        self._count += n
        if self._bar is not None:
            if values:
                self._bar.set_postfix({k: _fmt(v) for k, v in values.items()}, refresh=False)
            self._bar.update(n)
        elif values:  # no tqdm: one line per step that has something to say
            of = f"/{self.total}" if self.total else ""
            items = " ".join(f"{k}={_fmt(v)}" for k, v in values.items())
            print(f"{self.desc} {self._count}{of}: {items}", file=sys.stderr, flush=True)

    def write(self, message: str) -> None:
        """Print a line (above the bar when there is one).

        Parameters
        ----------
        message : str
            The line, without a trailing newline.
        """
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    def close(self) -> None:
        """Close the bar (idempotent; the context manager calls it)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(total: int | None, desc: str, *, enabled: bool = True, unit: str = "it",
             unit_scale: bool = False) -> Progress:
    """A :class:`Progress` (a tqdm bar, plain lines or nothing; see the module docstring).

    Parameters
    ----------
    total, desc, enabled, unit, unit_scale
        As in :class:`Progress`.

    Returns
    -------
    Progress
    """
    return Progress(total, desc, enabled=enabled, unit=unit, unit_scale=unit_scale)
