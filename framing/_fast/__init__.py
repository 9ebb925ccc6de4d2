"""Speed machinery: compiled kernels, vocabulary tables, fast vectorizers, the scoring form, the process pool.

Private to framing: only :mod:`framing.model` and scoring import it. Each piece gives the same
results as the plain code it replaces; the benchmarks in ``scripts/bench_speed.py`` measure it.
"""
