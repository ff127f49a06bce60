"""The lesson map: one list that the welcome notebook, the README and the tests all read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    stage: str  # the lifecycle stage the lesson belongs to
    from_scratch: str  # what mlcourse implements by hand
    twin: str  # the library it is proved equal to

    @property
    def notebook(self) -> str:
        return f"notebooks/{self.number:02d}_{self.slug}.ipynb"


LESSONS = (
    Lesson(0, "welcome", "Welcome: how to use the course", "all", "—", "—"),
    Lesson(
        1,
        "math_foundations",
        "Maths: linear algebra, derivatives, statistics",
        "model",
        "numerical gradient",
        "torch.autograd",
    ),
    Lesson(2, "data_wrangling", "Data wrangling: garbage in, garbage out", "data", "messy data, validation", "pandas"),
    Lesson(
        3, "gradient_descent", "Gradient descent and its pathologies", "train", "optim", "torch.optim, SGDRegressor"
    ),
    Lesson(
        4,
        "models_from_scratch",
        "Linear and logistic regression from scratch",
        "model",
        "linear",
        "sklearn.linear_model",
    ),
    Lesson(5, "evaluation", "Evaluation: confusion matrix to ROC and PR", "evaluate", "metrics", "sklearn.metrics"),
    Lesson(
        6,
        "overfitting_validation",
        "Overfitting, validation and leakage",
        "evaluate",
        "model_selection",
        "sklearn.model_selection",
    ),
    Lesson(
        7, "pipelines", "Pipelines and tuning without leakage", "data", "preprocessing, pipeline", "sklearn.pipeline"
    ),
    Lesson(8, "neural_networks", "Neural networks: numpy backprop, then PyTorch", "model", "nn", "torch.nn"),
    Lesson(9, "imbalanced_data", "Imbalanced data done right", "evaluate", "imbalance", "sklearn"),
    Lesson(10, "experiment_tracking", "Experiment tracking and reproducibility", "train", "tracking", "MLflow"),
    Lesson(11, "deployment", "Deployment: bundle, HTTP API, containers", "deploy", "serving", "FastAPI"),
    Lesson(12, "monitoring", "Monitoring, drift and retraining", "monitor", "monitoring", "scipy.stats"),
    Lesson(13, "fairness", "Fairness and its trade-offs", "evaluate", "fairness", "fairlearn"),
    Lesson(
        14, "explaining_models", "Explaining models and model cards", "evaluate", "inspection", "sklearn.inspection"
    ),
    Lesson(15, "capstone", "Capstone: the whole loop end to end", "all", "all", "all"),
    Lesson(
        16,
        "deep_learning_frameworks",
        "Deep-learning frameworks on images: conv nets, PyTorch, Keras, TensorFlow",
        "model",
        "nn (Conv2d, MaxPool2d)",
        "torch.nn, Keras, TensorFlow",
    ),
    Lesson(
        17,
        "language_models",
        "Language models offline: tokenizers, attention, a tiny GPT, retrieval, agents",
        "model",
        "text (BPE, TF-IDF, BM25, attention, GPT)",
        "Hugging Face transformers, tokenizers",
    ),
    Lesson(
        18, "testing_ml_code", "Testing ML code, and CI/CD", "deploy", "mutation grading", "pytest, hypothesis, pandera"
    ),
    Lesson(
        19,
        "edge_and_cost",
        "Models on small devices and the cost of a prediction",
        "deploy",
        "quantize",
        "torch.ao, ONNX Runtime",
    ),
)

#: The lifecycle the course walks around, in order; monitoring leads back to data.
LIFECYCLE = ("data", "model", "train", "evaluate", "deploy", "monitor")


def lesson_table():
    """The lessons as a pandas DataFrame indexed by lesson number."""
    import pandas as pd

    rows = [
        {
            "lesson": f"{les.number:02d}",
            "title": les.title,
            "stage": les.stage,
            "from scratch": les.from_scratch,
            "twin": les.twin,
        }
        for les in LESSONS
    ]
    return pd.DataFrame(rows).set_index("lesson")
