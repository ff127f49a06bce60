"""Save the example model the image ships: lesson 11's breast-cancer pipeline, as a checked bundle.

CI builds the image from it (`.github/workflows/ci.yml`); a user can too, before `docker build`:

    python deploy/example_bundle.py model-bundle    # prints the digest to pin

Only the serving packages are needed (numpy, pandas, scikit-learn, mlcourse): no torch, no JupyterLab.
"""

from __future__ import annotations

import argparse

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlcourse.data import load
from mlcourse.serving import ModelBundle


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="folder to write the bundle into (replaced if it holds one)")
    args = parser.parse_args(argv)
    X, y = load("breast_cancer", return_X_y=True)  # 1 = malignant, the class we look for
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    bundle = ModelBundle.from_model(
        model, X, y, name="breast-cancer", description="Malignant (1) or benign (0) from 30 measurements."
    )
    bundle.save(args.directory)
    print(bundle.digest)
    return bundle.digest


if __name__ == "__main__":
    main()
