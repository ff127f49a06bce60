"""Byte-level byte-pair encoding (BPE), trained and applied exactly as Hugging Face ``tokenizers`` does.

Text becomes bytes (UTF-8), each byte a printable character (GPT-2's table), and the pieces of
GPT-2's pre-tokenizer regex become *words*. Training starts from the 256 byte characters and
repeatedly merges the most frequent adjacent pair of symbols into a new symbol, until the vocabulary
has ``vocab_size`` entries or the best pair is rarer than ``min_frequency``.

Ties. Several pairs are often equally frequent. ``tokenizers`` (``BpeTrainer``, a max-heap of
``(count, pair)``) takes the pair whose *ids* are smallest: the smallest left id, then the smallest
right id. The 256 byte characters get their ids in the order of their code points after GPT-2's
byte-to-character table, which is GPT-2's own order (``!`` is 0, ``Ġ``, the space, is 220); a merged
symbol gets the next free id. This module breaks ties the same way and keeps the trainer's other
habits (stale heap entries refreshed when popped; a merge applied to the words where its heap entry
saw the pair), so merges and ids are identical (``tests/test_text_bpe.py``).

The pre-tokenizer is GPT-2's regex written for the standard library's ``re``: ``\\p{L}`` and
``\\p{N}`` become ranges read from :mod:`unicodedata` (Unicode 14 in Python 3.11), and ``\\s`` is
Unicode's White_Space, as in Oniguruma. Characters assigned after Unicode 14 (rare CJK extensions,
new emoji) may be split differently from ``tokenizers``; ``decode(encode(s)) == s`` holds for any ``s``.

Encoding applies the merges word by word, lowest rank first (leftmost first among equal ranks), with
the same heap as ``tokenizers``' ``Word::merge_all``.
"""

from __future__ import annotations

import heapq
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache
from numbers import Integral

from mlcourse._validation import check_param

# Characters of Unicode's White_Space property: Oniguruma's (so ``tokenizers``') ``\s``. Python's
# ``str.isspace`` also counts U+001C..U+001F, which ``tokenizers`` does not.
_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


@cache
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table from the 256 byte values to printable characters.

    Printable Latin-1 bytes stand for themselves; the others (control characters, space, ...) are
    shifted to U+0100 and up, in byte order, so that no token contains whitespace or a control code.

    Examples
    --------
    >>> table = bytes_to_unicode()
    >>> table[ord("a")], table[ord(" ")], table[ord("\\n")]
    ('a', 'Ġ', 'Ċ')
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    shift = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + shift)
            shift += 1
    return dict(sorted(table.items()))


def _ranges(predicate) -> str:
    """A regex character class body of every code point for which ``predicate(category)`` is true."""
    out, start = [], None
    for cp in range(0x110000 + 1):
        inside = cp < 0x110000 and predicate(unicodedata.category(chr(cp)))
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            out.append(re.escape(chr(start)) + ("" if cp - 1 == start else "-" + re.escape(chr(cp - 1))))
            start = None
    return "".join(out)


@cache
def _pattern() -> re.Pattern:
    r"""GPT-2's pre-tokenizer regex with stdlib ``re``: ``\p{L}`` and ``\p{N}`` spelled out as ranges."""
    letters = _ranges(lambda cat: cat[0] == "L")
    numbers = _ranges(lambda cat: cat[0] == "N")
    ws = _WHITESPACE
    return re.compile(
        rf"'s|'t|'re|'ve|'m|'ll|'d| ?[{letters}]+| ?[{numbers}]+| ?[^{ws}{letters}{numbers}]+|[{ws}]+(?![^{ws}])|[{ws}]+"
    )


def pre_tokenize(text: str) -> list[str]:
    """Split ``text`` as GPT-2 does (``tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)``).

    Each piece is returned in byte-level characters: its UTF-8 bytes through :func:`bytes_to_unicode`.

    Examples
    --------
    >>> pre_tokenize("Hello world, it's 2026!")
    ['Hello', 'Ġworld', ',', 'Ġit', "'s", 'Ġ2026', '!']
    """
    table = bytes_to_unicode()
    return ["".join(table[b] for b in piece.encode("utf-8")) for piece in _pattern().findall(text)]


class _Word:
    """The symbols of one word during training, merged in place like ``tokenizers``' ``Word::merge``."""

    __slots__ = ("symbols",)

    def __init__(self, symbols: list[int]):
        self.symbols = symbols

    def merge(self, a: int, b: int, new: int) -> list[tuple[tuple[int, int], int]]:
        s, changes, i = self.symbols, [], 0
        while i < len(s):
            if s[i] == a and i + 1 < len(s) and s[i + 1] == b:
                if i > 0:
                    changes.append(((s[i - 1], a), -1))
                    changes.append(((s[i - 1], new), 1))
                s[i : i + 2] = [new]
                if i < len(s) - 1:
                    changes.append(((b, s[i + 1]), -1))
                    changes.append(((new, s[i + 1]), 1))
            i += 1
        return changes


class BPETokenizer:
    """Byte-level BPE: ``train`` on texts, then ``encode`` text to ids and ``decode`` ids to text.

    Parameters
    ----------
    vocab_size : int, default=1000
        Size of the vocabulary to learn, special tokens and the 256 byte symbols included (so at
        least 256 plus the special tokens).
    min_frequency : int, default=0
        Stop merging when the most frequent pair occurs fewer times than this.
    special_tokens : sequence of str, default=()
        Tokens given the first ids (e.g. ``"<|endoftext|>"``). They are reserved ids only: ``encode``
        does not look for them in the text, and ``decode`` skips them.

    Attributes
    ----------
    vocab_ : dict of str to int
        Every token (in byte-level characters) and its id.
    merges_ : list of tuple of (str, str)
        The merges learned, in order: the rank of a merge is its index.

    Notes
    -----
    The same settings in Hugging Face ``tokenizers`` give the same ``vocab_`` and ``merges_``::

        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                      special_tokens=list(special_tokens),
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        tok.train_from_iterator(texts, trainer)

    Examples
    --------
    >>> tok = BPETokenizer(vocab_size=260).train(["low lower lowest", "low low"])
    >>> tok.merges_
    [('l', 'o'), ('lo', 'w'), ('Ġ', 'low'), ('Ġlow', 'e')]
    >>> ids = tok.encode("lowest low")
    >>> [tok.id_to_token(i) for i in ids]
    ['low', 'e', 's', 't', 'Ġlow']
    >>> tok.decode(ids)
    'lowest low'
    """

    def __init__(self, vocab_size: int = 1000, *, min_frequency: int = 0, special_tokens: Iterable[str] = ()):
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.special_tokens = tuple(special_tokens)

    def _check(self) -> None:
        if not all(isinstance(t, str) and t for t in self.special_tokens):
            raise ValueError("special_tokens must be non-empty strings")
        n_special = len(dict.fromkeys(self.special_tokens))
        check_param(self.vocab_size, "vocab_size", Integral, min_val=256 + n_special)
        check_param(self.min_frequency, "min_frequency", Integral, min_val=0)

    def train(self, texts: Iterable[str]) -> BPETokenizer:
        """Learn the merges from ``texts`` (an iterable of strings); return ``self``."""
        self._check()
        if isinstance(texts, str):
            raise TypeError("texts must be an iterable of strings, not one string: wrap it in a list")
        word_counts: Counter[str] = Counter()
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must hold strings, got {type(text).__name__}")
            word_counts.update(pre_tokenize(text))

        id_to_token = list(dict.fromkeys(self.special_tokens))
        token_to_id = {t: i for i, t in enumerate(id_to_token)}
        for char in sorted(bytes_to_unicode().values()):  # the alphabet, sorted by code point
            if char not in token_to_id:
                token_to_id[char] = len(id_to_token)
                id_to_token.append(char)

        words = [_Word([token_to_id[c] for c in w]) for w in word_counts]
        counts = list(word_counts.values())
        pair_counts: Counter[tuple[int, int]] = Counter()
        where: dict[tuple[int, int], set[int]] = {}
        for i, word in enumerate(words):
            for pair in itertools.pairwise(word.symbols):
                pair_counts[pair] += counts[i]
                where.setdefault(pair, set()).add(i)
        # Max-heap of (count, pair), ties to the smallest pair: heapq is a min-heap of (-count, pair).
        heap = [(-pair_counts[p], p, seq, pos) for seq, (p, pos) in enumerate(where.items()) if pair_counts[p] > 0]
        heapq.heapify(heap)
        seq = len(heap)
        merges: list[tuple[int, int]] = []
        while len(token_to_id) < self.vocab_size and heap:
            neg, pair, _, pos = heapq.heappop(heap)
            if -neg != pair_counts[pair]:  # stale entry: refresh its count and put it back
                heapq.heappush(heap, (-pair_counts[pair], pair, seq, pos))
                seq += 1
                continue
            if -neg < 1 or -neg < self.min_frequency:
                break
            new_token = id_to_token[pair[0]] + id_to_token[pair[1]]
            if new_token not in token_to_id:
                token_to_id[new_token] = len(id_to_token)
                id_to_token.append(new_token)
            new_id = token_to_id[new_token]
            merges.append(pair)
            grew: dict[tuple[int, int], set[int]] = {}
            for i in sorted(pos):
                for changed, sign in words[i].merge(pair[0], pair[1], new_id):
                    pair_counts[changed] += sign * counts[i]
                    if sign > 0:
                        grew.setdefault(changed, set()).add(i)
            for changed, where_now in grew.items():
                if pair_counts[changed] > 0:
                    heapq.heappush(heap, (-pair_counts[changed], changed, seq, where_now))
                    seq += 1

        self.vocab_ = token_to_id
        self.merges_ = [(id_to_token[a], id_to_token[b]) for a, b in merges]
        self._id_to_token = id_to_token
        # A pair learned twice keeps its last rank, as in tokenizers' merge map.
        self._ranks = {
            pair: (rank, token_to_id[id_to_token[pair[0]] + id_to_token[pair[1]]]) for rank, pair in enumerate(merges)
        }
        self._special_ids = {token_to_id[t] for t in self.special_tokens}
        self._byte_ids = [token_to_id[c] for c in bytes_to_unicode().values()]
        self._cache: dict[str, list[int]] = {}
        return self

    def _fitted(self) -> None:
        if not hasattr(self, "vocab_"):
            raise RuntimeError("This BPETokenizer is not trained yet: call train(texts) first")

    def _encode_word(self, word: str) -> list[int]:
        """One pre-tokenized word to ids: merges by rank, leftmost first (``Word::merge_all``)."""
        if word in self._cache:
            return self._cache[word]
        symbols = [self.vocab_[c] for c in word]
        n = len(symbols)
        prev, nxt, alive = list(range(-1, n - 1)), [*range(1, n), -1], [True] * n
        ranks = self._ranks
        heap = [(*ranks[p], i) for i, p in enumerate(itertools.pairwise(symbols)) if p in ranks]
        heap = [(rank, i, new) for rank, new, i in heap]
        heapq.heapify(heap)
        while heap:
            _, i, new = heapq.heappop(heap)
            j = nxt[i]
            if not alive[i] or j == -1:
                continue
            found = ranks.get((symbols[i], symbols[j]))
            if found is None or found[1] != new:  # expired entry
                continue
            symbols[i], alive[j], nxt[i] = new, False, nxt[j]
            if nxt[j] != -1:
                prev[nxt[j]] = i
            if prev[i] >= 0 and (m := ranks.get((symbols[prev[i]], new))):
                heapq.heappush(heap, (m[0], prev[i], m[1]))
            if nxt[i] != -1 and (m := ranks.get((new, symbols[nxt[i]]))):
                heapq.heappush(heap, (m[0], i, m[1]))
        ids = [s for s, keep in zip(symbols, alive, strict=True) if keep]
        if len(self._cache) < 100_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``.

        Examples
        --------
        >>> tok = BPETokenizer(vocab_size=257).train(["aaa aaa"])
        >>> tok.merges_, tok.vocab_["aa"]
        ([('a', 'a')], 256)
        >>> tok.encode("aaaaa")  # leftmost first: aa aa a
        [256, 256, 64]
        """
        self._fitted()
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return [i for word in pre_tokenize(text) for i in self._encode_word(word)]

    def decode(self, ids: Iterable[int]) -> str:
        """The text of token ``ids`` (special tokens skipped); ``decode(encode(s)) == s`` for any ``s``.

        Bytes that do not form valid UTF-8 (a sequence cut in the middle of a character) become
        U+FFFD, as in ``tokenizers``' ByteLevel decoder.
        """
        self._fitted()
        inverse = {c: b for b, c in bytes_to_unicode().items()}
        data = bytearray()
        for i in ids:
            if not isinstance(i, Integral) or isinstance(i, bool) or not 0 <= i < len(self._id_to_token):
                raise ValueError(f"ids must be token ids in [0, {len(self._id_to_token)}), got {i!r}")
            if int(i) not in self._special_ids:
                data.extend(inverse[c] for c in self._id_to_token[int(i)])
        return data.decode("utf-8", errors="replace")

    def id_to_token(self, i: int) -> str:
        """The token (in byte-level characters) of id ``i``."""
        self._fitted()
        return self._id_to_token[i]

    def __len__(self) -> int:
        self._fitted()
        return len(self._id_to_token)
