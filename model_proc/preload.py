"""What the forkserver imports once, so that each model child forked from it starts with them loaded.

A child started with ``spawn`` pays for a fresh interpreter and for importing
onnxruntime, fastembed and tokenizers on every restart; forked from a server that
has imported them, it pays only for loading the model. Importing creates no thread
(onnxruntime starts its pools with a session), so the fork is safe.
"""

import fastembed  # noqa: F401
import onnxruntime  # noqa: F401
import tokenizers  # noqa: F401

import model_proc.child  # noqa: F401
