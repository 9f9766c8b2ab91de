"""``implicit.gpu``: mfrec has no GPU kernels, so ``HAS_CUDA`` is False and ``use_gpu=True``
raises ``ValueError`` (``use_gpu`` defaults to False here)."""

HAS_CUDA = False

__all__ = ["HAS_CUDA"]
