"""The model child process: it alone imports fastembed and onnxruntime.

The web process imports only :mod:`model_proc.protocol` (plain dataclasses) and
starts :func:`model_proc.child.main` with the ``spawn`` start method.
"""
