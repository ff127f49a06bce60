"""Okapi BM25: the ranking function of search engines, from scratch with numpy.

For a query of terms :math:`q_1, \\dots, q_m` and a document :math:`d` of length :math:`|d|` (in
tokens; :math:`\\bar{L}` the mean length):

.. math:: \\mathrm{score}(q, d) = \\sum_{i} \\mathrm{idf}(q_i)\\,
          \\frac{f(q_i, d)\\,(k_1 + 1)}{f(q_i, d) + k_1 \\left(1 - b + b\\,|d| / \\bar{L}\\right)},
          \\qquad \\mathrm{idf}(t) = \\ln\\left(1 + \\frac{n - \\mathrm{df}(t) + 0.5}{\\mathrm{df}(t) + 0.5}\\right)

``f(t, d)`` is how often ``t`` occurs in ``d``. ``k1`` caps what repeating a term can earn (the
fraction tends to ``k1 + 1``); ``b`` says how much a long document is penalised (0: not at all, 1:
fully). This IDF (Lucene's) is never negative. A query term repeated counts once per repetition.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np

from mlcourse._validation import check_param

TOKEN_PATTERN = r"(?u)\b\w+\b"


def tokenize(text: str) -> list[str]:
    """Lowercased word tokens (runs of letters, digits and underscores), the default of :class:`BM25`.

    >>> tokenize("What does `yield` do?")
    ['what', 'does', 'yield', 'do']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return re.findall(TOKEN_PATTERN, text.lower())


class BM25:
    """Okapi BM25 retrieval over a fixed collection of documents.

    Parameters
    ----------
    k1 : float, default=1.5
        Term-frequency saturation, >= 0.
    b : float, default=0.75
        Length normalisation, in [0, 1].
    tokenizer : callable, default=None
        ``str -> list[str]``; :func:`tokenize` when ``None``.

    Attributes
    ----------
    n_docs_ : int
    avgdl_ : float
        Mean document length in tokens.
    idf_ : dict of str to float
        IDF of every term of the collection.

    Examples
    --------
    >>> from mlcourse.text import BM25
    >>> docs = ["the for statement loops", "the with statement and context managers", "lambda expressions"]
    >>> bm25 = BM25().fit(docs)
    >>> bm25.scores("with statement").round(3)
    array([0.47 , 1.184, 0.   ])
    >>> idx, score = bm25.search("lambda", k=2)
    >>> idx, score.round(3)
    (array([2, 0]), array([1.266, 0.   ]))
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75, tokenizer=None):
        self.k1 = k1
        self.b = b
        self.tokenizer = tokenizer

    def _tokenize(self, text):
        return (self.tokenizer or tokenize)(text)

    def fit(self, documents: Iterable[str]) -> BM25:
        """Index ``documents`` (an iterable of strings); return ``self``."""
        check_param(self.k1, "k1", Real, min_val=0)
        check_param(self.b, "b", Real, min_val=0, max_val=1)
        if isinstance(documents, str):
            raise ValueError("documents must be an iterable of strings, not one string: wrap it in a list")
        tokens = [self._tokenize(doc) for doc in documents]
        if not tokens:
            raise ValueError("documents is empty")
        self.n_docs_ = len(tokens)
        self.doc_len_ = np.array([len(t) for t in tokens], dtype=np.float64)
        self.avgdl_ = float(self.doc_len_.mean())
        df = Counter(term for t in tokens for term in set(t))
        self.idf_ = {term: float(np.log1p((self.n_docs_ - n + 0.5) / (n + 0.5))) for term, n in df.items()}
        # Postings: for each term, the documents holding it and how often.
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, t in enumerate(tokens):
            for term, f in Counter(t).items():
                docs, freqs = postings.setdefault(term, ([], []))
                docs.append(i)
                freqs.append(f)
        self._postings = {term: (np.array(d), np.array(f, dtype=np.float64)) for term, (d, f) in postings.items()}
        return self

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query``, shape (n_docs,)."""
        if not hasattr(self, "idf_"):
            raise RuntimeError("This BM25 is not fitted yet: call fit(documents) first")
        avgdl = self.avgdl_ if self.avgdl_ > 0 else 1.0
        norm = self.k1 * (1 - self.b + self.b * self.doc_len_ / avgdl)
        out = np.zeros(self.n_docs_)
        for term in self._tokenize(query):
            if term in self._postings:
                docs, f = self._postings[term]
                out[docs] += self.idf_[term] * f * (self.k1 + 1) / (f + norm[docs])
        return out

    def search(self, query: str, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best documents for ``query``: their indices and scores, best first (ties: lower index)."""
        check_param(k, "k", Integral, min_val=1)
        s = self.scores(query)
        top = np.argsort(-s, kind="stable")[:k]
        return top, s[top]
