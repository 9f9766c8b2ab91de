"""The version: the build's project version (pyproject.toml), compiled into ``_core``.

scikit-build-core passes the project version to CMake, which compiles it into the extension
(``CMakeLists.txt``), so the installed package cannot disagree with the code it runs.
"""

from ._core import __version__

__all__ = ["__version__"]
