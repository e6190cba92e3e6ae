"""``python -m evaluation``: score the service against the labelled claims (see ``--help``).

The import stays under the guard: the model child is started with ``spawn``, which
re-imports this module, and it should not pay for aiohttp and the web app.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from evaluation.runner import main

    sys.exit(main(sys.argv[1:]))
