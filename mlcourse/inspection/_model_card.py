"""A model card (Mitchell et al., 2019) in Markdown, from a model bundle's metadata and what only people know.

The bundle knows the facts a machine can record: name, version, creation time, the features and
their ranges, the training metrics, hashes of the data and the model file, library versions. What the
model is *for*, where it must not be used, how well it does for each group and what could go wrong
are judgements, so they are explicit arguments: a card cannot be produced without writing them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np

from mlcourse._validation import is_number

#: Plain-language meaning of common metric names, added under the metrics for non-specialist readers.
GLOSSARY = {
    "accuracy": "share of all decisions that are right",
    "balanced_accuracy": "average of the share of right decisions within each class",
    "roc_auc": "chance that a random positive case is scored above a random negative one (0.5 = guessing)",
    "average_precision": "how well positive cases are ranked first, from 0 (worst) to 1 (perfect)",
    "precision": "share of positive decisions that turn out right",
    "recall": "share of real positive cases the model finds",
    "f1": "a balance of precision and recall",
    "brier_score": "average squared error of the predicted probabilities (lower is better)",
    "log_loss": "penalty for confident wrong probabilities (lower is better)",
    "count": "number of cases",
    "selection_rate": "share of cases given the positive decision",
    "true_positive_rate": "share of real positive cases given the positive decision",
    "false_positive_rate": "share of real negative cases wrongly given the positive decision",
}

_REQUIRED = ("intended_use", "limitations", "ethical_considerations")


def _text_or_items(value: Any, name: str, *, required: bool) -> list[str] | str | None:
    """A non-empty string (a paragraph) or a sequence of non-empty strings (bullet points)."""
    if value is None:
        if required:
            raise ValueError(f"{name} is required: a model card without it hides what matters most")
        return None
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(f"{name} must not be empty")
        return value.strip()
    if isinstance(value, Sequence) and value and all(isinstance(v, str) and v.strip() for v in value):
        return [v.strip() for v in value]
    raise TypeError(f"{name} must be a non-empty string or a list of non-empty strings, got {value!r}")


def _block(value: list[str] | str) -> str:
    return value if isinstance(value, str) else "\n".join(f"- {item}" for item in value)


def _fmt(value: Any, digits: int) -> str:
    if value is None or isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "n/a" if math.isnan(value) else f"{float(value):.{digits}f}"
    return str(value).replace("|", "\\|")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table; floats rounded to ``digits`` places, NaN shown as ``n/a``.

    Examples
    --------
    >>> print(markdown_table(["metric", "value"], [["accuracy", 0.91234]]))
    | metric | value |
    | --- | --- |
    | accuracy | 0.912 |
    """
    lines = ["| " + " | ".join(map(str, header)) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(_fmt(v, digits) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _metadata(bundle: Any) -> Mapping[str, Any]:
    metadata = getattr(bundle, "metadata", None)
    if not isinstance(metadata, Mapping):
        raise TypeError(
            f"bundle must have a .metadata dict (an mlcourse.serving.ModelBundle), got {type(bundle).__name__}"
        )
    missing = [key for key in ("name", "version") if key not in metadata]
    if missing:
        raise ValueError(f"bundle.metadata lacks {missing}")
    return metadata


def _details(meta: Mapping[str, Any], owner: str | None) -> str:
    rows = [
        ("Name", meta["name"]),
        ("Version", meta["version"]),
        ("Created", meta.get("created")),
        ("Owner", owner),
        ("Type", str(meta["model_class"]).rsplit(".", 1)[-1] if meta.get("model_class") else None),
        ("Trained on", f"{meta['n_train']} rows" if "n_train" in meta else None),
        ("Model file sha256", f"`{meta['model_sha256']}`" if meta.get("model_sha256") else None),
        ("Training data sha256", f"`{meta['data_hash']}`" if meta.get("data_hash") else None),
    ]
    git = meta.get("git")
    if isinstance(git, Mapping) and git.get("commit"):
        rows.append(
            ("Code version (git)", f"`{git['commit'][:12]}`" + (" (uncommitted changes)" if git.get("dirty") else ""))
        )
    versions = meta.get("library_versions")
    if isinstance(versions, Mapping) and versions:
        rows.append(("Libraries", ", ".join(f"{k} {v}" for k, v in versions.items())))
    text = "\n".join(f"- **{label}:** {value}" for label, value in rows if value not in (None, ""))
    if meta.get("description"):
        text = f"{meta['description']}\n\n{text}"
    return text


#: Above this many inputs, the card lists their names instead of a table (a reader skims, not studies).
MAX_INPUT_TABLE = 15


def _features(meta: Mapping[str, Any]) -> str | None:
    schema = meta.get("feature_schema")
    if not isinstance(schema, Sequence) or not schema:
        return None
    if len(schema) > MAX_INPUT_TABLE:
        names = ", ".join(str(spec.get("name")) for spec in schema)
        return f"The model reads {len(schema)} inputs: {names}."
    rows = []
    for spec in schema:
        if spec.get("kind") == "category":
            allowed = ", ".join(map(str, spec.get("values", [])))
        elif spec.get("low") is not None or spec.get("high") is not None:
            allowed = f"{_fmt(spec.get('low'), 2)} to {_fmt(spec.get('high'), 2)}"
        else:
            allowed = "any"
        rows.append((spec.get("name"), spec.get("kind"), allowed))
    return "Inputs the model reads:\n\n" + markdown_table(["feature", "kind", "accepted by the service"], rows)


def _group_table(group_metrics: Any, digits: int) -> str:
    frame = getattr(group_metrics, "by_group", group_metrics)  # a GroupMetrics or a DataFrame
    if not (hasattr(frame, "columns") and hasattr(frame, "index")):
        raise TypeError(f"group_metrics must be a DataFrame or a GroupMetrics, got {type(group_metrics).__name__}")
    name = frame.index.name or "group"
    rows = [[index, *row] for index, row in zip(frame.index.tolist(), frame.itertuples(index=False), strict=True)]
    return markdown_table([name, *map(str, frame.columns)], rows, digits)


def _glossary(names) -> str:
    known = [n for n in dict.fromkeys(names) if n in GLOSSARY]
    if not known:
        return ""
    return "\n\nWhat the numbers mean:\n\n" + "\n".join(f"- **{n}**: {GLOSSARY[n]}" for n in known)


def _use(texts: Mapping[str, Any]) -> str:
    use = _block(texts["intended_use"])
    if texts["out_of_scope"]:
        use += "\n\n**Out of scope:**\n\n" + _block(texts["out_of_scope"])
    return use


def _data(texts: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    parts = [_block(texts["data"])] if texts["data"] else []
    features = _features(meta)
    if features:
        parts.append(features)
    return "\n\n".join(parts) or "Not documented."


def _metrics(overall: Mapping[str, Any] | None, group_metrics: Any, digits: int) -> str:
    parts, names = [], []
    if overall:
        parts.append("### Overall\n\n" + markdown_table(["metric", "value"], list(overall.items()), digits))
        names += list(overall)
    if group_metrics is not None:
        parts.append("### Per group\n\n" + _group_table(group_metrics, digits))
        names += [str(c) for c in getattr(group_metrics, "by_group", group_metrics).columns]
    return ("\n\n".join(parts) or "Not documented.") + _glossary(names)


def model_card(
    bundle: Any,
    *,
    intended_use,
    limitations,
    ethical_considerations,
    out_of_scope=None,
    data=None,
    group_metrics=None,
    metrics=None,
    caveats=None,
    owner: str | None = None,
    digits: int = 3,
    path=None,
) -> str:
    """Write a Markdown model card for a bundled model.

    Parameters
    ----------
    bundle : mlcourse.serving.ModelBundle
        Only ``bundle.metadata`` is read (name, version, created, description, model_class, n_train,
        feature_schema, metrics, data_hash, model_sha256, git, library_versions; missing keys are
        skipped), so any object with such a ``metadata`` dict will do.
    intended_use : str or list of str
        What the model is for, and for whom. Required.
    limitations : str or list of str
        Where it is known to do badly, what it was not tested on. Required.
    ethical_considerations : str or list of str
        Who could be harmed and how; sensitive attributes; the fairness choices made. Required.
    out_of_scope : str or list of str, optional
        Uses it must not be put to.
    data : str or list of str, optional
        Where the training and evaluation data come from and what they cover.
    group_metrics : GroupMetrics or pandas DataFrame, optional
        Metrics per group (rows: groups), e.g. from :func:`mlcourse.fairness.group_metrics`.
    metrics : dict of str to float, optional
        Overall metrics; by default ``bundle.metadata["metrics"]``.
    caveats : str or list of str, optional
        Caveats and recommendations for users.
    owner : str, optional
        Who answers for the model.
    digits : int, default=3
        Decimal places of the numbers in tables.
    path : str or Path, optional
        Also write the card to this file (UTF-8).

    Returns
    -------
    str
        The card: sections Model details, Intended use, Data, Metrics (overall and per group),
        Limitations, Ethical considerations, Caveats and recommendations.

    Examples
    --------
    >>> class Stand_in:
    ...     metadata = {"name": "credit-risk", "version": "3", "metrics": {"roc_auc": 0.81}}
    >>> card = model_card(Stand_in(), intended_use="Rank applications for review.",
    ...                   limitations=["Trained on 2019-2023 applications only."],
    ...                   ethical_considerations="Group B was approved less often; see per-group metrics.")
    >>> print(card.splitlines()[0])
    # Model card: credit-risk, version 3
    >>> "| roc_auc | 0.810 |" in card
    True
    """
    meta = _metadata(bundle)
    texts = {
        name: _text_or_items(value, name, required=name in _REQUIRED)
        for name, value in [
            ("intended_use", intended_use),
            ("limitations", limitations),
            ("ethical_considerations", ethical_considerations),
            ("out_of_scope", out_of_scope),
            ("data", data),
            ("caveats", caveats),
        ]
    }
    if not (is_number(digits) and isinstance(digits, Integral)) or not 0 <= digits <= 10:
        raise ValueError(f"digits must be an integer in [0, 10], got {digits!r}")
    overall = meta.get("metrics") if metrics is None else metrics
    if overall is not None and not isinstance(overall, Mapping):
        raise TypeError(f"metrics must be a dict of name to number, got {type(overall).__name__}")
    sections = [
        f"# Model card: {meta['name']}, version {meta['version']}",
        "## Model details\n\n" + _details(meta, owner),
        "## Intended use\n\n" + _use(texts),
        "## Data\n\n" + _data(texts, meta),
        "## Metrics\n\n" + _metrics(overall, group_metrics, digits),
        "## Limitations\n\n" + _block(texts["limitations"]),
        "## Ethical considerations\n\n" + _block(texts["ethical_considerations"]),
    ]
    if texts["caveats"]:
        sections.append("## Caveats and recommendations\n\n" + _block(texts["caveats"]))
    card = "\n\n".join(sections) + "\n"
    if path is not None:
        Path(path).write_text(card, encoding="utf-8")
    return card
