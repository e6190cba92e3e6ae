"""Cut a batch of texts into model calls whose transient memory stays under a budget.

One onnxruntime call's peak grows with its padded shape: texts per call (B) times
tokens per text (L, the longest text in the call), and above all with the attention
term B x L x L. A batch of 32 texts of 256 tokens in one call would briefly take over
half a gigabyte; the same texts in calls of one take 60 MiB each. So the child sorts
a batch by token count and packs neighbours into calls while the predicted peak of
the call stays within ``budget_mb`` and it holds at most ``max_texts`` texts. The
prediction comes from ``bench/call_peak.py``, measured on this machine (see README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CallCost:
    """Predicted transient peak (MiB over the resting size) of one call of B texts padded to L tokens."""

    base_mb: float
    mb_per_kilotoken: float  # per 1,000 of B x L
    mb_per_attention_mega: float  # per 1,000,000 of B x L x L

    def peak_mb(self, texts: int, tokens: int) -> float:
        padded = texts * tokens
        return self.base_mb + self.mb_per_kilotoken * padded / 1e3 + self.mb_per_attention_mega * padded * tokens / 1e6


# int8 all-MiniLM-L6-v2, arena off, glibc's mmap threshold fixed at 1 MiB as the child does: least squares
# over bench/call_peak.py's grid (B 1 to 32, L 16 to 256, 1 and 2 threads) on this 2-core machine; the
# worst cell was 7.5 MiB off the prediction. The attention term is about 5.6 live B x 12 x L x L float32
# tensors. A lighter model (3 layers) peaks lower, so the same figures are safe for it.
CALL_COST = CallCost(base_mb=2.2, mb_per_kilotoken=19.0, mb_per_attention_mega=268.3)


def plan_calls(token_counts: Sequence[int], max_texts: int, budget_mb: float, cost: CallCost) -> list[list[int]]:
    """Indices of the texts for each call, shortest texts first.

    Calls take texts in token order, so each is padded only to its own longest text. A
    text that alone is over the budget still gets a call of its own: it is cut at the
    token cap already, and the budget is checked against that at start-up.
    """
    order = sorted(range(len(token_counts)), key=lambda index: token_counts[index])
    calls: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = token_counts[index]  # ascending order: the newcomer is the longest so far
        if current and (len(current) >= max_texts or cost.peak_mb(len(current) + 1, longest) > budget_mb):
            calls.append(current)
            current = []
        current.append(index)
    if current:
        calls.append(current)
    return calls
