"""Two baselines scored beside the model by ``detector eval``.

- ``KeywordBaseline``: flags every occurrence of a word from the public ad lexicon
  (``lexicon_sensitive_konsheng_fork/ad_type_words.txt``) plus the obvious ad words
  below — what a keyword filter does, including its false positives on news that
  reports on 配资 or gambling.
- ``DocumentTfidfBaseline``: a document-level TF-IDF (char 1–3-grams) + logistic
  regression trained on the same training documents as the model; it judges whole
  documents and gives no spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from detector.evaluate import Prediction
from detector.training.examples import GoldDocument

__all__ = ["OBVIOUS_AD_WORDS", "DocumentTfidfBaseline", "KeywordBaseline"]

OBVIOUS_AD_WORDS = (
    "配资", "博彩", "赌场", "娱乐城", "百家乐", "彩票", "棋牌", "官方网站", "官网", "登录入口",
    "app下载", "加微信", "微信", "qq群", "qq", "贷款", "借款", "发票", "办证", "注册就送",
    "领取", "优惠", "福利", "http", "www.", ".com", "客服", "热线", "公众号",
)  # fmt: skip


class KeywordBaseline:
    def __init__(self, words: Iterable[str]) -> None:
        unique = sorted({w.lower() for w in words if w.strip()}, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(w) for w in unique))

    def predict(self, text: str) -> Prediction:
        spans = tuple((m.start(), m.end(), "keyword") for m in self.pattern.finditer(text.lower()))
        return Prediction(bool(spans), spans, named=False)


class DocumentTfidfBaseline:
    def __init__(self, documents: Sequence[GoldDocument], seed: int = 0) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, max_features=300_000
        )
        x = self.vectorizer.fit_transform([d.text for d in documents])
        y = [bool(d.spans) for d in documents]
        self.model = LogisticRegression(C=4.0, max_iter=1000, random_state=seed).fit(x, y)

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        probabilities = self.model.predict_proba(self.vectorizer.transform(texts))[:, 1]
        return [Prediction(bool(p >= 0.5), None) for p in probabilities]
