"""Improvement actions: planned from a result's plan step, tracked on a board, judged next cycle."""
