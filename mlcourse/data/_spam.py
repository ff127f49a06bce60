"""A seeded generator of SMS-style messages, spam (1) or ham (0) -- synthetic, and honest about it.

No real SMS corpus ships with Python or scikit-learn, and the course downloads nothing, so
:func:`make_spam` writes messages itself: templates filled from vocabularies (names, places, prizes,
amounts, phone numbers, links), text-speak ("u", "2nite"), misspellings, shouting, and a fraction of
flipped labels. It is built to be *not* trivially separable: some ham talks about winning, prizes
and free things ("we won the quiz!"), some spam is written casually ("hey its Kim, see my pics"),
and the flipped labels put a ceiling on any model's accuracy. It is still synthetic: real spam
drifts, and a model that scores well here has learned these templates, not the world.

The positive class is the one we look for: ``target`` 1 = spam, 0 = ham.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd

from mlcourse._validation import check_scalar

NAMES = ["Sam", "Alex", "Jo", "Priya", "Tom", "Mia", "Leo", "Ana", "Kim", "Ben", "Zoe", "Omar", "Lucy", "Dan", "Eva"]
PLACES = ["the station", "the pub", "uni", "the gym", "mum's", "the cinema", "work", "the cafe", "the library", "town"]
TIMES = ["7", "half 6", "8pm", "noon", "10ish", "tonight", "tmrw morning", "after work", "5:30", "lunch"]
THINGS = ["milk", "bread", "the keys", "my charger", "the tickets", "pizza", "your laptop", "the notes", "eggs", "wine"]
TASKS = ["essay", "report", "slides", "homework", "tax form", "lab write-up", "shopping", "washing"]
FOODS = ["curry", "pasta", "tacos", "sushi", "burgers", "noodles", "a roast"]
PRIZES = [
    "£1000 cash",
    "a brand new iPhone",
    "a 2-week holiday to Spain",
    "£500 Tesco voucher",
    "a £2000 prize",
    "a FREE cruise",
    "an Xbox",
    "£250 in gift cards",
]
AMOUNTS = ["£100", "£250", "£500", "£1500", "£5000", "$750", "£2,000"]
ACCOUNTS = ["bank account", "PayPal", "Netflix account", "Amazon account", "mobile account", "card"]
COMPANIES = ["Royal Mail", "DPD", "EVRI", "your bank", "HMRC", "Apple", "O2"]
WORDS = ["WIN", "FREE", "URGENT", "WINNER", "Congratulations", "Claim", "Final notice", "ALERT"]

HAM = [
    "hey {name} are we still on for {time}?",
    "running late, be there in {n} mins",
    "can you pick up {thing} on the way home",
    "happy birthday {name}!! have a great day x",
    "ok see you at {place} at {time}",
    "did you finish the {task}?",
    "just got to {place}, where are you",
    "call me when you get this, nothing urgent",
    "thanks for dinner last night, the {food} was amazing",
    "we won the pub quiz!! free drinks for the team next week",
    "mum says dinner at {time}, dont be late",
    "i left {thing} at {place}, can you grab it",
    "free tonight? fancy {food} at {place}",
    "lol that was so funny",
    "sorry missed your call, in a meeting till {time}",
    "the {task} is due friday, want to meet at {place}?",
    "good luck today {name}, you'll smash it",
    "can i borrow {thing}? will give it back {time}",
    "text me the address pls",
    "i won 2 tickets for the gig on saturday, want to come?",
    "your parcel came, i put it at {place}",
    "on the bus now, see you at {time}",
    "dont forget {thing}!!",
    "how was the interview {name}?",
    "i owe you {small}, will send it {time}",
]
SPAM = [
    "{word}! You have won {prize}. Call {phone} now to claim. T&Cs apply",
    "URGENT: your {account} has been suspended. Verify your details at {url}",
    "Free entry into our weekly draw! Txt {code} to {short} to win {prize}. 18+ only",
    "Congratulations! You've been selected to receive {prize}. Reply YES to claim",
    "Your loan of {amount} is pre-approved. No credit checks! Apply at {url}",
    "{company}: your parcel could not be delivered. Reschedule at {url}",
    "You have an unpaid fee of {fee}. Pay now at {url} or your {account} will be closed",
    "{word}: claim your {prize} before midnight. Call {phone}",
    "hey its {name}, long time! check out my new pics at {url}",
    "Hot singles in your area want to chat. Txt {code} to {short} now",
    "Your mobile number has won {amount} in our prize draw. Call {phone} quoting {code}",
    "Earn {amount} a week working from home!! Reply {code} for info",
    "Final notice: your {account} payment failed. Update card details at {url}",
    "You are a {word}! Claim {prize} at {url} - offer ends today",
    "Hi {name}, your refund of {amount} is ready. Confirm at {url}",
    "Don't miss out! {prize} is waiting for you. Text {code} to {short}. Stop? txt STOP",
]
TEXT_SPEAK = {
    "you": "u",
    "are": "r",
    "to": "2",
    "for": "4",
    "tonight": "2nite",
    "please": "pls",
    "see": "c",
    "later": "l8r",
    "great": "gr8",
    "be": "b",
    "your": "ur",
    "what": "wat",
    "tomorrow": "tmrw",
}
HAM_OPENERS = ["", "", "", "hey ", "hi ", "omg ", "btw ", "so ", "ok ", "{name} "]
HAM_CLOSERS = ["", "", "", " x", " xx", " :)", " lol", " haha", " cheers", " thx", " ta", " - {name}"]
SPAM_CLOSERS = ["", "", " Reply STOP to opt out", " Std msg rates apply", " T&C's apply", " 18+", " Ltd offer"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _fill(template: str, rng: np.random.Generator) -> str:
    def pick(seq):
        return seq[rng.integers(len(seq))]

    values = {
        "name": pick(NAMES),
        "place": pick(PLACES),
        "time": pick(TIMES),
        "thing": pick(THINGS),
        "task": pick(TASKS),
        "food": pick(FOODS),
        "n": str(rng.integers(2, 40)),
        "small": f"£{rng.integers(3, 40)}",
        "prize": pick(PRIZES),
        "amount": pick(AMOUNTS),
        "account": pick(ACCOUNTS),
        "company": pick(COMPANIES),
        "word": pick(WORDS),
        "phone": "0" + "".join(str(d) for d in rng.integers(0, 10, 10)),
        "short": str(rng.integers(10000, 90000)),
        "code": pick(["WIN", "CLAIM", "PRIZE", "GO", "YES", "CASH", "DATE"]) + str(rng.integers(1, 100)),
        "fee": f"£{rng.integers(1, 5)}.{rng.integers(10, 99)}",
        "url": pick(["http://", "https://", "www.", ""])
        + "".join(rng.choice(list(LETTERS), rng.integers(4, 9)))
        + pick([".co", ".info", ".xyz", ".com", "-secure.net", ".top"])
        + pick(["", "/claim", "/verify", "/login", "/" + str(rng.integers(100, 999))]),
    }
    return template.format(**values)


def _misspell(text: str, rng: np.random.Generator, typo_rate: float) -> str:
    """Text-speak, dropped, doubled and swapped letters, each word with probability ``typo_rate``."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if rng.random() >= typo_rate or not word:
            continue
        kind = rng.integers(4)
        if kind == 0 and word.lower() in TEXT_SPEAK:
            words[i] = TEXT_SPEAK[word.lower()]
        elif len(word) > 3:
            j = int(rng.integers(1, len(word) - 1))
            if kind == 1:
                words[i] = word[:j] + word[j + 1 :]  # dropped letter
            elif kind == 2:
                words[i] = word[:j] + word[j] + word[j:]  # doubled letter
            else:
                words[i] = word[: j - 1] + word[j] + word[j - 1] + word[j + 1 :]  # swapped letters
    return " ".join(words)


def make_spam(
    n_samples: int = 2000,
    *,
    spam_fraction: float = 0.25,
    typo_rate: float = 0.05,
    label_noise: float = 0.02,
    seed: int = 0,
    return_X_y: bool = False,
):
    """Synthetic SMS messages labelled spam (1) or ham (0).

    Parameters
    ----------
    n_samples : int, default=2000
        Number of messages.
    spam_fraction : float in [0, 1], default=0.25
        Probability that a message is written as spam.
    typo_rate : float in [0, 1], default=0.05
        Probability that a word gets a misspelling or text-speak; messages also get shouting,
        lowercasing or extra "!!" at random.
    label_noise : float in [0, 1], default=0.02
        Fraction of labels flipped after writing (mislabelled messages, as in real data).
    seed : int, default=0
        The same seed gives the same messages.
    return_X_y : bool, default=False
        Return ``(X, y)``: a Series of texts and a Series of labels.

    Returns
    -------
    df : pandas.DataFrame with columns ``"text"`` and ``"target"`` (int, 1 = spam)
        ``df.attrs["flipped"]`` lists the rows whose label was flipped.

    Examples
    --------
    >>> from mlcourse.data import make_spam
    >>> df = make_spam(500, seed=0)
    >>> df.shape, sorted(df["target"].unique().tolist())
    ((500, 2), [0, 1])
    >>> round(float(df["target"].mean()), 2)
    0.24
    >>> df.equals(make_spam(500, seed=0))
    True
    """
    check_scalar(n_samples, "n_samples", Integral, min_val=1)
    for name, value in [("spam_fraction", spam_fraction), ("typo_rate", typo_rate), ("label_noise", label_noise)]:
        check_scalar(value, name, Real, min_val=0, max_val=1)
    check_scalar(seed, "seed", Integral)
    rng = np.random.default_rng(seed)
    is_spam = rng.random(n_samples) < spam_fraction
    texts = []
    for spam in is_spam:
        if spam:
            template = SPAM[rng.integers(len(SPAM))] + SPAM_CLOSERS[rng.integers(len(SPAM_CLOSERS))]
        else:
            opener, closer = HAM_OPENERS[rng.integers(len(HAM_OPENERS))], HAM_CLOSERS[rng.integers(len(HAM_CLOSERS))]
            template = opener + HAM[rng.integers(len(HAM))] + closer
        text = _misspell(_fill(template, rng), rng, typo_rate)
        style = rng.random()
        if style < (0.15 if spam else 0.03):
            text = text.upper()
        elif style < 0.3:
            text = text.lower()
        if rng.random() < (0.2 if spam else 0.05):
            text += "!" * int(rng.integers(1, 4))
        texts.append(text)
    target = is_spam.astype(np.int64)
    flipped = np.flatnonzero(rng.random(n_samples) < label_noise)
    target[flipped] = 1 - target[flipped]
    df = pd.DataFrame({"text": texts, "target": target})
    df.attrs["flipped"] = flipped.tolist()
    if return_X_y:
        return df["text"], df["target"]
    return df
