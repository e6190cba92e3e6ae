"""The web process's side of the model child: spawn and reap it, queue and batch its work, watch its memory.

Nothing here imports onnxruntime or fastembed; the child itself lives in ``model_proc``.
"""
