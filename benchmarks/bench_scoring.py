"""Print how many assessments per second the pure scorer handles for each built-in questionnaire.

Run: ``.venv/bin/python benchmarks/bench_scoring.py [--runs 7] [--seconds 0.5]``. Each run scores
a pool of pseudo-random answer sets (some N/A, some blank) for a fixed time; the median of the
runs is printed, with score + improvement plan measured separately.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cqo_portal.core.answers import Answer
from cqo_portal.core.plan import improvement_plan
from cqo_portal.core.questionnaire import (
    BANDS,
    AnswerType,
    Question,
    Questionnaire,
    load_builtin_questionnaires,
)
from cqo_portal.core.scoring import score_assessment

BAND_VALUES = [v for lo, hi in BANDS for v in range(lo, hi + 1, 5)]


def random_answer(q: Question, rnd: random.Random) -> Answer | None:
    """A plausible answer: mostly values, sometimes blank, N/A where allowed."""
    roll = rnd.random()
    if roll < 0.05:
        return None
    if roll < 0.10 and q.allow_na:
        return Answer(na=True, na_reason="bench")
    t = q.answer_type
    if t is AnswerType.MATURITY:
        return Answer(rnd.randint(0, 5))
    if t is AnswerType.BAND:
        return Answer(rnd.choice(BAND_VALUES))
    if t is AnswerType.YES_PARTLY_NO:
        return Answer(rnd.choice(["yes", "partly", "no"]))
    if t is AnswerType.CHOICE:
        return Answer(rnd.choice(q.options).id)
    if t is AnswerType.NUMBER:
        return Answer(rnd.randint(0, 100))
    return Answer("note")


def answer_pool(q: Questionnaire, size: int, seed: int = 19580) -> list[dict[str, Answer]]:
    rnd = random.Random(seed)
    pool = []
    for _ in range(size):
        answers = {x.id: a for x in q.questions if (a := random_answer(x, rnd)) is not None}
        pool.append(answers)
    return pool


def rate(
    fn: Callable[[dict[str, Answer]], object], pool: list[dict[str, Answer]], seconds: float
) -> float:
    """Calls per second of ``fn`` over the pool during about ``seconds``."""
    done = 0
    start = time.perf_counter()
    while True:
        for answers in pool:
            fn(answers)
        done += len(pool)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def bench(q: Questionnaire, runs: int, seconds: float) -> tuple[float, float]:
    """Median assessments/second for scoring alone and for scoring plus the improvement plan."""
    pool = answer_pool(q, 200)

    def score(answers: dict[str, Answer]) -> object:
        return score_assessment(q, answers)

    def score_and_plan(answers: dict[str, Answer]) -> object:
        return improvement_plan(q, answers, score_assessment(q, answers))

    score_runs = [rate(score, pool, seconds) for _ in range(runs)]
    plan_runs = [rate(score_and_plan, pool, seconds) for _ in range(runs)]
    return statistics.median(score_runs), statistics.median(plan_runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()
    print(f"runs={args.runs}, ~{args.seconds}s each; figure = median assessments/second")
    for q in load_builtin_questionnaires():
        scored, planned = bench(q, args.runs, args.seconds)
        print(
            f"{q.id:<10} {len(q.questions):>3} questions  "
            f"score: {scored:>8,.0f}/s  score+plan: {planned:>8,.0f}/s"
        )


if __name__ == "__main__":
    main()
