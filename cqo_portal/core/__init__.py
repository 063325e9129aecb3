"""Pure domain core of CQO Portal: questionnaires, answers, scoring, plans and benchmarks.

Nothing here imports Flask, SQLAlchemy or other parts of ``cqo_portal`` so the rules can be
tested, benchmarked and reused (CLI, workers, reports) without an application context.
"""
