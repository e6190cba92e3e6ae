"""The pure part of the evaluation: labelled claims in, figures and a printable report out.

Nothing here talks to the service, so the metrics can be checked by hand in a unit test.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from service.ingest.loader import json_objects

SUPPORTED = "supported"
REFUTED = "refuted"
NOT_ENOUGH_EVIDENCE = "not_enough_evidence"
LABELS = (SUPPORTED, REFUTED, NOT_ENOUGH_EVIDENCE)
# A line the service splits into several claims is predicted as its most severe verdict:
# one refuted part refutes the line, one part without evidence leaves it unsupported.
SEVERITY = (REFUTED, NOT_ENOUGH_EVIDENCE, SUPPORTED)
# Predictions that are not verdicts: the request failed, or the service found no claim in the line.
ERROR = "error"
NO_CLAIM = "no_claim"
# The kinds of claim the data set covers; each but "uncovered" has true and false versions.
KINDS = (
    "entity_swap",
    "number",
    "unit",
    "number_word",
    "date",
    "negation",
    "affixal_negation",
    "antonym",
    "paraphrase",
    "compound",
    "material_or_category",
    "uncovered",
)
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_CLAIMS = DATA_DIR / "claims.jsonl"
# Written from the knowledge base before the rule was changed on the main set, to catch tuning to it.
HELD_OUT = DATA_DIR / "held_out.jsonl"
SECOND_DOMAIN = DATA_DIR / "second_domain.jsonl"


@dataclass(frozen=True)
class LabelledClaim:
    """One line of a claims file: the sentence, its true label, its kind and the passage that decides it."""

    claim: str
    label: str
    kind: str
    about: str | None


@dataclass(frozen=True)
class Prediction:
    """What the service said about one labelled claim (``predicted`` is a label, ``error`` or ``no_claim``).

    ``reason`` is the answer's ``reason`` as the service gave it (text or an object), or why the request failed.
    """

    item: LabelledClaim
    predicted: str
    claims_returned: int = 1
    reason: Any = None
    score: float | None = None
    top_evidence: str | None = None
    from_memory: bool = False

    @property
    def correct(self) -> bool:
        return self.predicted == self.item.label


@dataclass(frozen=True)
class LabelScores:
    precision: float
    recall: float
    f1: float
    support: int  # how many claims truly have this label


@dataclass(frozen=True)
class GroupScore:
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class Metrics:
    """Every figure the report prints; ``confusion[true][predicted]`` counts claims."""

    total: int
    correct: int
    labels: dict[str, LabelScores]
    confusion: dict[str, dict[str, int]]
    per_kind: dict[str, GroupScore]
    columns: tuple[str, ...] = field(default=LABELS)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def macro_f1(self) -> float:
        return sum(scores.f1 for scores in self.labels.values()) / len(self.labels) if self.labels else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "labels": {label: asdict(scores) for label, scores in self.labels.items()},
            "confusion": self.confusion,
            "per_kind": {kind: {**asdict(group), "accuracy": group.accuracy} for kind, group in self.per_kind.items()},
        }


def load_claims(path: Path) -> list[LabelledClaim]:
    """The labelled claims of a JSONL file; a malformed line raises ValueError naming it, so no line is lost."""
    claims = []
    with path.open(encoding="utf-8") as lines:
        for number, record, problem in json_objects(lines):
            try:
                if record is None:
                    raise ValueError(problem)
                claim, label, kind, about = (record.get(key) for key in ("claim", "label", "kind", "about"))
                if not isinstance(claim, str) or not claim.strip():
                    raise ValueError("'claim' is missing or empty")
                if label not in LABELS:
                    raise ValueError(f"'label' must be one of {', '.join(LABELS)}, not {label!r}")
                if not isinstance(kind, str) or not kind:
                    raise ValueError("'kind' is missing or empty")
                if about is not None and not isinstance(about, str):
                    raise ValueError("'about' must be a passage id or null")
            except ValueError as error:
                raise ValueError(f"{path}:{number}: {error}") from None
            claims.append(LabelledClaim(claim, label, kind, about))
    return claims


def most_severe(verdicts: Iterable[str]) -> str:
    """The verdict a line gets when the service answers with several claims: refuted, then not enough evidence."""
    found = set(verdicts)
    for label in SEVERITY:
        if label in found:
            return label
    return NO_CLAIM


def compute_metrics(gold: Sequence[str], predicted: Sequence[str], kinds: Sequence[str]) -> Metrics:
    """Accuracy, per-label precision / recall / F1, the confusion matrix and accuracy per kind.

    A label never predicted has precision 0 (and so F1 0), not a division error; predictions that
    are not labels (``error``, ``no_claim``) get their own confusion column and count as wrong.
    """
    if not len(gold) == len(predicted) == len(kinds):
        raise ValueError("gold, predicted and kinds must have the same length")
    columns = LABELS + tuple(sorted(set(predicted) - set(LABELS)))
    rows = LABELS + tuple(sorted(set(gold) - set(LABELS)))
    confusion = {row: dict.fromkeys(columns, 0) for row in rows}
    for true, guess in zip(gold, predicted, strict=True):
        confusion[true][guess] += 1
    labels = {}
    for label in LABELS:
        hits = confusion[label][label]
        support = sum(confusion[label].values())
        predicted_as = sum(confusion[row][label] for row in rows)
        precision = hits / predicted_as if predicted_as else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        labels[label] = LabelScores(precision, recall, f1, support)
    return Metrics(
        total=len(gold),
        correct=sum(confusion[label][label] for label in LABELS),
        labels=labels,
        confusion=confusion,
        per_kind=group_scores(gold, predicted, kinds),
        columns=columns,
    )


def group_scores(gold: Sequence[str], predicted: Sequence[str], groups: Sequence[str]) -> dict[str, GroupScore]:
    """Accuracy within each group (kind, or where the evidence comes from), groups in first-seen order."""
    counts: dict[str, list[int]] = {}
    for true, guess, group in zip(gold, predicted, groups, strict=True):
        tally = counts.setdefault(group, [0, 0])
        tally[0] += true == guess
        tally[1] += 1
    return {group: GroupScore(correct, total) for group, (correct, total) in counts.items()}


def metrics_of(predictions: Sequence[Prediction]) -> Metrics:
    return compute_metrics(
        [p.item.label for p in predictions], [p.predicted for p in predictions], [p.item.kind for p in predictions]
    )


def domain(item: LabelledClaim) -> str:
    """Which evidence decides a claim: the built-in knowledge base, the second domain, or none."""
    if item.about is None:
        return "uncovered"
    return "second domain" if item.about.startswith("ev2-") else "knowledge base"


def kind_order(kind: str) -> int:
    """Known kinds in the order of KINDS, others (a held-out set's own) after them."""
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def report(predictions: Sequence[Prediction], metrics: Metrics, source: str, show_failures: bool = True) -> str:
    """The printed report: totals, per-label scores, confusion matrix, accuracy per kind, then the failures."""
    out = [
        f"Claims: {metrics.total} ({source})",
        f"Accuracy: {metrics.accuracy:.3f} ({metrics.correct}/{metrics.total})   macro F1: {metrics.macro_f1:.3f}",
    ]
    several = sum(1 for p in predictions if p.claims_returned > 1)
    none = sum(1 for p in predictions if p.predicted == NO_CLAIM)
    errors = sum(1 for p in predictions if p.predicted == ERROR)
    remembered = [p for p in predictions if p.from_memory]
    out.append(f"Lines answered with more than one claim: {several}; with none: {none}; failed requests: {errors}")
    out.append(f"Answered from claim memory: {len(remembered)} ({sum(p.correct for p in remembered)} of them correct)")
    width = max(len(name) for name in (*metrics.confusion, *metrics.per_kind, "knowledge base"))
    out += ["", f"{'label':<{width}}  precision  recall     f1  support"]
    for label, s in metrics.labels.items():
        out.append(f"{label:<{width}}  {s.precision:9.3f}  {s.recall:6.3f}  {s.f1:5.3f}  {s.support:7d}")
    out += ["", "Confusion matrix (rows: true label, columns: predicted)"]
    out.append(f"{'':<{width}}  " + "  ".join(metrics.columns))
    for row, counts in metrics.confusion.items():
        cells = (f"{counts[column]:>{len(column)}d}" for column in metrics.columns)
        out.append(f"{row:<{width}}  " + "  ".join(cells))
    out += ["", f"{'kind':<{width}}  accuracy  correct  total"]
    for kind in sorted(metrics.per_kind, key=kind_order):
        group = metrics.per_kind[kind]
        out.append(f"{kind:<{width}}  {group.accuracy:8.3f}  {group.correct:7d}  {group.total:5d}")
    domains = group_scores(
        [p.item.label for p in predictions], [p.predicted for p in predictions], [domain(p.item) for p in predictions]
    )
    out += ["", f"{'evidence':<{width}}  accuracy  correct  total"]
    for name, group in domains.items():
        out.append(f"{name:<{width}}  {group.accuracy:8.3f}  {group.correct:7d}  {group.total:5d}")
    failures = [p for p in predictions if not p.correct]
    if show_failures:
        out += ["", f"Failures ({len(failures)})"]
        for p in failures:
            out.append(f"- [{p.item.kind}] {p.item.claim}")
            details = [f"expected {p.item.label}, predicted {p.predicted}"]
            if p.score is not None:
                details.append(f"score {p.score:.3f}")
            if p.top_evidence is not None:
                details.append(f"top evidence {p.top_evidence} (decided by {p.item.about or 'none'})")
            if p.from_memory:
                details.append("from memory")
            if p.claims_returned > 1:
                details.append(f"{p.claims_returned} claims")
            out.append("    " + "; ".join(details))
            reason = reason_text(p.reason)
            if reason:
                out.append(f"    reason: {reason}")
    return "\n".join(out)


def reason_text(reason: Any) -> str | None:
    """A reason on one line: its ``explanation`` when the service gives an object, else the value itself."""
    if reason is None or isinstance(reason, str):
        return reason
    if isinstance(reason, dict) and isinstance(reason.get("explanation"), str):
        return str(reason["explanation"])
    return json.dumps(reason, ensure_ascii=False)


def failure_json(prediction: Prediction) -> dict[str, Any]:
    return {
        **asdict(prediction.item),
        "predicted": prediction.predicted,
        "reason": prediction.reason,
        "score": prediction.score,
        "top_evidence": prediction.top_evidence,
        "from_memory": prediction.from_memory,
        "claims_returned": prediction.claims_returned,
    }
