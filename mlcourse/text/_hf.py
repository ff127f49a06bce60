"""Quiet, offline loading with ``transformers``: no progress bar on stderr, no hub."""

from __future__ import annotations

import os
from contextlib import contextmanager


@contextmanager
def quiet_offline():
    """Within the block, ``transformers`` neither goes online nor draws progress bars.

    The offline switches (``HF_HUB_OFFLINE``, ``TRANSFORMERS_OFFLINE``) are set unless already set;
    the progress bars come back on leaving if they were on.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()
