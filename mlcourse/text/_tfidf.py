"""TF-IDF features from scratch, equal to ``sklearn.feature_extraction.text.TfidfVectorizer``.

A document becomes a row of weights, one per term of the vocabulary:

.. math:: w_{d,t} = \\mathrm{tf}(t, d) \\cdot \\mathrm{idf}(t), \\qquad
          \\mathrm{idf}(t) = \\ln\\frac{1 + n}{1 + \\mathrm{df}(t)} + 1

with ``tf`` the count of term ``t`` in document ``d`` (``1 + ln(count)`` with ``sublinear_tf``),
``n`` the number of documents and ``df(t)`` how many contain ``t``; each row is then scaled to unit
L2 norm. A word frequent in one message but rare in the collection weighs most.
"""

from __future__ import annotations

import re
from collections import Counter
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from mlcourse._validation import check_param


def word_ngrams(text: str, *, ngram_range=(1, 1), lowercase=True, token_pattern=r"(?u)\b\w\w+\b") -> list[str]:
    """The word n-grams of ``text``, as scikit-learn's ``analyzer="word"`` makes them.

    Examples
    --------
    >>> word_ngrams("The cat sat on the mat", ngram_range=(1, 2))
    ['the', 'cat', 'sat', 'on', 'the', 'mat', 'the cat', 'cat sat', 'sat on', 'on the', 'the mat']
    """
    if lowercase:
        text = text.lower()
    tokens = re.findall(token_pattern, text)
    low, high = ngram_range
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


class TfidfVectorizer(TransformerMixin, BaseEstimator):
    """Documents to a sparse matrix of TF-IDF weights, equal to scikit-learn's ``TfidfVectorizer``.

    Same names, defaults and results as the twin for the options below (word analyzer only).

    Parameters
    ----------
    lowercase : bool, default=True
        Lowercase the text before finding the tokens.
    token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
        Regex of a token: by default two or more word characters.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Word n-grams of every length from ``min_n`` to ``max_n``.
    min_df, max_df : float in [0, 1] or int, default=1 and 1.0
        Drop terms found in fewer than ``min_df`` / more than ``max_df`` documents (a float is a
        fraction of the documents, an int a count).
    max_features : int, default=None
        Keep only this many terms, the most frequent in the whole collection.
    binary : bool, default=False
        Term frequency 1 for any term present.
    norm : {"l2", "l1", None}, default="l2"
        Scale each row to unit norm.
    use_idf, smooth_idf, sublinear_tf : bool, default=True, True, False
        Weight by IDF; add one to the document counts (as if one extra document held every term);
        use ``1 + ln(tf)`` for the term frequency.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Term to column, columns in alphabetical order of the terms.
    idf_ : ndarray of shape (n_features,)
        Inverse document frequency of each term (when ``use_idf``).

    Examples
    --------
    >>> from mlcourse.text import TfidfVectorizer
    >>> vec = TfidfVectorizer()
    >>> X = vec.fit_transform(["free prize now", "call me now", "free free call"])
    >>> sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    ['call', 'free', 'me', 'now', 'prize']
    >>> X.toarray().round(2)
    array([[0.  , 0.52, 0.  , 0.52, 0.68],
           [0.52, 0.  , 0.68, 0.52, 0.  ],
           [0.45, 0.89, 0.  , 0.  , 0.  ]])
    """

    def __init__(
        self,
        *,
        lowercase=True,
        token_pattern=r"(?u)\b\w\w+\b",
        ngram_range=(1, 1),
        max_df=1.0,
        min_df=1,
        max_features=None,
        binary=False,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=False,
    ):
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.binary = binary
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf

    # -- helpers -------------------------------------------------------------------------------

    def _check_params(self):
        low_high = self.ngram_range
        if not (
            isinstance(low_high, tuple)
            and len(low_high) == 2
            and all(isinstance(v, Integral) and not isinstance(v, bool) for v in low_high)
            and 1 <= low_high[0] <= low_high[1]
        ):
            raise ValueError(f"ngram_range must be a tuple (min_n, max_n) with 1 <= min_n <= max_n, got {low_high!r}")
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if isinstance(value, Integral) and not isinstance(value, bool):
                check_param(value, name, Integral, min_val=0)
            else:
                check_param(value, name, Real, min_val=0, max_val=1)
        if self.max_features is not None:
            check_param(self.max_features, "max_features", Integral, min_val=1)
        if self.norm not in ("l1", "l2", None):
            raise ValueError(f"norm must be 'l1', 'l2' or None, got {self.norm!r}")

    def _analyze(self, doc):
        if not isinstance(doc, str):
            raise TypeError(f"raw_documents must hold strings, got {type(doc).__name__}")
        return word_ngrams(
            doc, ngram_range=self.ngram_range, lowercase=self.lowercase, token_pattern=self.token_pattern
        )

    def _counts(self, raw_documents, vocabulary):
        """Sparse counts (CSR) of the known terms; ``vocabulary=None`` grows one as in ``fit``."""
        import scipy.sparse as sp

        if isinstance(raw_documents, str):
            raise ValueError("raw_documents must be an iterable of strings, not one string: wrap it in a list")
        grow = vocabulary is None
        vocabulary = {} if grow else vocabulary
        indices, indptr, values = [], [0], []
        for doc in raw_documents:
            counts = Counter()
            for term in self._analyze(doc):
                j = vocabulary.setdefault(term, len(vocabulary)) if grow else vocabulary.get(term)
                if j is not None:
                    counts[j] += 1
            cols = sorted(counts)
            indices += cols
            values += [counts[j] for j in cols]
            indptr.append(len(indices))
        shape = (len(indptr) - 1, len(vocabulary))
        X = sp.csr_matrix((np.asarray(values, np.int64), np.asarray(indices, np.int64), indptr), shape=shape)
        return X, vocabulary

    # -- the estimator -------------------------------------------------------------------------

    def fit(self, raw_documents, y=None):
        """Learn the vocabulary and the IDF of ``raw_documents`` (an iterable of strings)."""
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents, y=None):
        """Fit, then return the TF-IDF matrix of ``raw_documents``, shape (n_documents, n_features)."""
        self._check_params()
        X, vocabulary = self._counts(raw_documents, None)
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        # Columns in alphabetical order of the terms.
        terms = sorted(vocabulary)
        old = np.array([vocabulary[t] for t in terms], dtype=np.int64)
        remap = np.empty_like(old)
        remap[old] = np.arange(len(old))
        X.indices = remap[X.indices]
        X.sort_indices()
        n_docs = X.shape[0]
        df = np.bincount(X.indices, minlength=X.shape[1])
        high = self.max_df if isinstance(self.max_df, Integral) else self.max_df * n_docs
        low = self.min_df if isinstance(self.min_df, Integral) else self.min_df * n_docs
        if high < low:
            raise ValueError("max_df corresponds to < documents than min_df")
        keep = (df <= high) & (df >= low)
        if self.max_features is not None and keep.sum() > self.max_features:
            totals = np.asarray(X.sum(axis=0)).ravel()
            kept = np.flatnonzero(keep)
            keep = np.zeros_like(keep)
            # numpy's default (unstable) argsort, as scikit-learn: the same terms win a tie.
            keep[kept[(-totals[kept]).argsort()[: self.max_features]]] = True
        columns = np.flatnonzero(keep)
        if len(columns) == 0:
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
        X = X[:, columns]
        self.vocabulary_ = {terms[j]: k for k, j in enumerate(columns)}
        if self.use_idf:
            df = df[columns].astype(np.float64) + self.smooth_idf
            self.idf_ = np.log((n_docs + self.smooth_idf) / df) + 1.0
        return self._weigh(X)

    def transform(self, raw_documents):
        """The TF-IDF matrix of ``raw_documents`` with the fitted vocabulary and IDF (unknown terms ignored)."""
        check_is_fitted(self, "vocabulary_")
        X, _ = self._counts(raw_documents, self.vocabulary_)
        return self._weigh(X)

    def _weigh(self, X):
        import scipy.sparse as sp

        X = X.astype(np.float64)
        if self.binary:
            X.data[:] = 1.0
        if self.sublinear_tf:
            X.data = np.log(X.data) + 1.0
        if self.use_idf:
            X.data *= self.idf_[X.indices]
        if self.norm is not None:
            rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
            size = np.bincount(rows, np.abs(X.data) if self.norm == "l1" else X.data**2, minlength=X.shape[0])
            size = size if self.norm == "l1" else np.sqrt(size)
            size[size == 0] = 1.0
            X.data /= size[rows]
        return sp.csr_matrix(X)

    def get_feature_names_out(self, input_features=None):
        """The terms, in column order."""
        check_is_fitted(self, "vocabulary_")
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)
