"""Keep BLAS thread pools out of the way of our OpenMP kernels.

Our kernels use no BLAS, but a BLAS pool that numpy or scipy woke up just before (OpenBLAS
and MKL keep their threads spinning for a while after a call) competes with the kernel's
OpenMP threads for the same cores. Around every parallel kernel the BLAS pools are limited
to one thread with threadpoolctl, then restored.
"""

from __future__ import annotations

import contextlib
import sys
import threading

__all__ = ["blas_limited"]

_lock = threading.Lock()
_controller = None
_depth = 0  # nested / concurrent users share one limit
_limiter = None  # the active limit; restored when the last user leaves


_n_modules = -1  # len(sys.modules) when the snapshot was taken


def _get_controller():
    """threadpoolctl's snapshot of the loaded libraries, retaken after new imports (a module
    imported since, e.g. scipy.linalg or sklearn, may have loaded another BLAS)."""
    global _controller, _n_modules
    if _controller is None or len(sys.modules) != _n_modules:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
        _n_modules = len(sys.modules)
    return _controller


@contextlib.contextmanager
def blas_limited():
    """Limit BLAS pools to one thread inside the block (re-entrant, thread-safe)."""
    global _depth, _limiter
    with _lock:
        _depth += 1
        if _depth == 1:
            controller = _get_controller()
            if controller.lib_controllers:
                _limiter = controller.limit(limits=1, user_api="blas")
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
