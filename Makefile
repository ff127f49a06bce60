# mlcourse — `make lab` opens the course in JupyterLab; `make test` runs the whole suite.
# Both create .venv and install the exact tested versions from requirements.lock first, once.

PYTHON ?= python3
VENV ?= .venv
LOCK := requirements.lock
PY := $(VENV)/bin/python
ARGS ?=
# The install stamp is keyed on the content of the dependency files: editing either reinstalls,
# a second `make lab` does not.
DEPS_HASH := $(shell cat pyproject.toml $(LOCK) 2>/dev/null | $(PYTHON) -c "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:16])")
# Extras beside dev: `make lab EXTRAS=tensorflow` adds TensorFlow (about 1.4 GB) for lesson 16's
# TensorFlow backend; `make test` always installs it, so that the TensorFlow parity tests run.
EXTRAS ?=
ifneq ($(filter test,$(MAKECMDGOALS)),)
override EXTRAS += tensorflow
endif
comma := ,
INSTALL_EXTRAS := $(sort dev $(subst $(comma), ,$(EXTRAS)))
STAMP := $(VENV)/.installed-$(DEPS_HASH)-$(subst $() ,-,$(INSTALL_EXTRAS))
# An install with the extra also serves a goal without it: `make lab` after `make test` reinstalls nothing.
ifeq ($(INSTALL_EXTRAS),dev)
STAMP := $(or $(wildcard $(VENV)/.installed-$(DEPS_HASH)-dev-tensorflow),$(STAMP))
endif

# One thread per numerical library and a fixed hash seed: identical outputs on every machine,
# and pytest-xdist's two workers do not fight over the two cores.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help install sandbox-tools lab test lint format notebooks bench lock clean

help:
	@echo "make lab        open the course in JupyterLab at the welcome notebook (ARGS=\"--no-browser --port 8899\" passes options)"
	@echo "                EXTRAS=tensorflow also installs TensorFlow (about 1.4 GB) for lesson 16"
	@echo "make test       lint, then every test: unit, parity, grading and notebooks (strict nbval);"
	@echo "                as root it installs bubblewrap first (apt-get), for the grader's sandbox tests"
	@echo "make notebooks  re-execute every notebook in place with the pinned environment"
	@echo "make lint       ruff check and format check"
	@echo "make bench      run the benchmarks against the library twins"
	@echo "make lock       re-resolve requirements.lock from pyproject.toml (needs the package index)"
	@echo "make clean      remove .venv and caches"

install: $(STAMP)

$(STAMP):
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 10) else 'mlcourse needs Python 3.10 or newer; this is ' + sys.version.split()[0] + ' (set PYTHON=python3.11)')"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "could not create $(VENV): on Debian/Ubuntu install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --constraint $(LOCK) --editable ".[$(subst $() ,$(comma),$(INSTALL_EXTRAS))]"
	@# nbgrader (a test dependency) would put instructor menus in every learner's JupyterLab: off here;
	@# an instructor turns them on with `jupyter labextension enable @jupyter/nbgrader` and the server extensions.
	@$(VENV)/bin/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1 || true
	@for e in formgrader assignment_list course_list validate_assignment; do \
	  $(VENV)/bin/jupyter server extension disable --sys-prefix nbgrader.server_extensions.$$e >/dev/null 2>&1 || true; done
	@rm -f $(VENV)/.installed-*
	@touch $@
	@echo "mlcourse installed in $(VENV) (extras: $(INSTALL_EXTRAS)) with the versions in $(LOCK)"

# Jupyter refuses to run as root (containers, CI) unless told that it is on purpose.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
# The course's JupyterLab defaults (no "official Jupyter news?" prompt) are committed here, so a fresh
# clone has them without writing into the learner's home; settings a learner changes still win.
LAB_SETTINGS := jupyterlab/settings
LAB_WELCOME := notebooks/00_welcome.ipynb

# Naming a notebook would make its folder the server root: root_dir keeps the whole course in view.
lab: install
	$(VENV)/bin/jupyter lab $(LAB_ROOT) --LabApp.app_settings_dir=$(LAB_SETTINGS) --ServerApp.root_dir=. $(ARGS) $(LAB_WELCOME)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The grader prefers bubblewrap to its own mount code when it is installed. As root on Debian/Ubuntu,
# `make test` installs it so that both sandbox engines are tested; elsewhere those tests skip
# (and fail under CI=true).
sandbox-tools:
	@if [ "$$(id -u)" = 0 ] && ! command -v bwrap >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing bubblewrap (apt-get) for the grader's sandbox tests"; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	fi

test: lint sandbox-tools
	$(PY) -m pytest -n 2 --dist loadscope $(ARGS)

notebooks: install
	$(PY) -m mlcourse.nbrun notebooks/*.ipynb $(wildcard solutions/*.ipynb)

bench: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Resolve the newest versions allowed by pyproject.toml in a scratch venv and pin them all.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet "torch==2.13.0" --editable ".[dev,tensorflow]"
	{ echo "# Exact versions mlcourse is tested with; the Makefile installs with them as constraints."; \
	  echo "# Regenerate with \`make lock\`. Python $$(.venv-lock/bin/python -c 'import platform; print(platform.python_version())')."; \
	  .venv-lock/bin/pip freeze --exclude-editable | sed -e 's/+cpu$$//'; } > $(LOCK)
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .venv-lock .pytest_cache .ruff_cache .hypothesis *.egg-info
