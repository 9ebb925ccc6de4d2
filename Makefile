# The two set-up commands in the README are `make demo` and `make test`; both
# create their own virtual environment in .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
BENCH  ?= ../shared/bench/semeval2023-st2
REALDEV ?= ../shared/realdev
OUT    ?= out
SPEED_ARGS ?=

.PHONY: demo test lint docs bench bench-semeval bench-seeds bench-real bench-speed bench-stats install clean

$(BIN)/framing: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# pip compiles a package's bytecode when it installs it, but not an editable install's:
# without this every run compiled framing's modules afresh (~0.4 s of each start here).
install: $(BIN)/framing
	@$(BIN)/python -m compileall -q framing

# The main job: train the default model from labels/, score seeds/, compare the groups.
demo: install
	@mkdir -p $(OUT) models
	$(BIN)/framing train labels/ --codebook labels/codebook.toml --out models/default.joblib --force
	$(BIN)/framing score seeds/ --model models/default.joblib --out $(OUT)/seed-scores.jsonl \
		--passages $(OUT)/seed-passages.jsonl --force
	$(BIN)/framing compare $(OUT)/seed-scores.jsonl $(OUT)/seed-passages.jsonl --by group \
		--model models/default.joblib --report $(OUT)/seed-report.html --json $(OUT)/seed-compare.json --force
	@echo "note: the seed articles' passages are in labels/seeds.jsonl, which trained this model: their scores"
	@echo "      above are in-sample, not predictions. 'make bench-seeds' scores each seed article with a model"
	@echo "      trained without it; 'make bench-real' measures the model on real coverage it has not seen."

test: install
	$(BIN)/python -m pytest

# docs/cli.md, the command-line reference, is generated from the typer app; tests/test_docs.py
# fails when it is out of date.
docs: install
	$(BIN)/python scripts/gen_cli_docs.py

# ruff, mypy, then the import rule (the contracts in pyproject.toml: layers, and who may use _fast).
lint: install
	$(BIN)/ruff check framing tests scripts
	$(BIN)/mypy framing
	$(BIN)/lint-imports

# Accuracy benchmarks on the external SemEval data (never copied into the repo)
# and on the seed passages, then the speed and memory benchmark. Pass
# BENCH=path/to/semeval2023-st2 to point elsewhere, and SPEED_ARGS to
# bench-speed (e.g. SPEED_ARGS='--articles 2000 --skip-memory'; see --help).
bench: bench-semeval bench-seeds bench-real bench-speed

bench-semeval: install
	$(BIN)/python scripts/bench_semeval.py $(BENCH)

bench-seeds: install
	$(BIN)/framing evaluate labels/ --codebook labels/codebook.toml --cv article

# The default model on real coverage (REALDEV: hand-coded excerpts, never copied into the
# repo) and on the SemEval articles that mention none of the story's names (off-topic).
bench-real: install
	$(BIN)/python scripts/bench_real.py $(REALDEV) --bench $(BENCH)

# framing score (one core and all cores) against a plain scikit-learn script, peak
# memory on a 1 GB JSONL file, training time on 10,000 passages.
bench-speed: install
	$(BIN)/python scripts/bench_speed.py $(SPEED_ARGS)

# The statistics of framing compare checked with known truth: interval coverage, test size,
# word-mark false rates, error across contrasts (the long version of tests/analysis/test_statistics.py).
bench-stats: install
	$(BIN)/python scripts/bench_stats.py $(STATS_ARGS)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
