"""The skill-ranking metrics, defined once for every script that reports them.

scripts/eval-skills (coproduce's CLI) and scripts/compare_esco_extractor.py
(the PyPI package esco-skill-extractor) both score a ranking of ESCO skill
URIs per text against the text's gold URIs with `score`, and print the
result with `report`, so their figures can be set side by side.

Averaged over the texts with at least one gold skill (as in
techwolf-ai/workrb, src/workrb/metrics/ranking.py):
  hit@5  a gold skill is among the first five;
  RP@5   |gold ∩ first five| / min(5, |gold|);
  MRR    1 / rank of the first gold skill (0 if none is in the ranking,
         which the caller cuts at some K).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Sequence

K = 5


@dataclass(frozen=True)
class Scores:
    """The metrics averaged over `texts` texts that had gold skills."""

    texts: int
    hit5: float
    rp5: float
    mrr: float


def read_gold(path: str) -> list[list[str]]:
    """The gold skill URIs of each non-blank line of a JSON-lines file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line).get("skills", []) for line in f if line.strip()]


def read_texts(path: str) -> list[str]:
    """The text of each non-blank line of a JSON-lines file, in order."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def score(golds: Sequence[Iterable[str]], rankings: Sequence[Sequence[str]]) -> Scores:
    """hit@5, RP@5 and MRR of `rankings` (best first) against `golds`, text by text."""
    if len(golds) != len(rankings):
        raise ValueError(f"{len(golds)} texts with gold skills, but {len(rankings)} rankings")
    n = 0
    hit5 = rp5 = mrr = 0.0
    for gold, ranked in zip(golds, rankings):
        gold = set(gold)
        if not gold:
            continue
        n += 1
        top = set(ranked[:K])
        found = len(gold & top)
        hit5 += 1.0 if found else 0.0
        rp5 += found / min(K, len(gold))
        mrr += next((1.0 / rank for rank, uri in enumerate(ranked, 1) if uri in gold), 0.0)
    if n == 0:
        raise ValueError("no text has a gold skill: nothing to score")
    return Scores(texts=n, hit5=hit5 / n, rp5=rp5 / n, mrr=mrr / n)


def report(name: str, system: str, scores: Scores, startup_s: float, texts: int, secs: float) -> str:
    """The lines both scripts print for one file and one system."""
    rate = f" ({texts / secs:.1f} texts/s)" if secs > 0 else ""
    return (
        f"{name}: {scores.texts} texts with gold skills, {system}\n"
        f"  hit@5 {scores.hit5:.3f}   RP@5 {scores.rp5:.3f}   MRR {scores.mrr:.3f}\n"
        f"  start-up {startup_s:.2f} s; {texts} texts in {secs:.2f} s after start-up{rate}"
    )
