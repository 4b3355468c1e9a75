#!/usr/bin/env python3
"""Peer for the routing model (issue 3): scikit-learn TF-IDF + LinearSVC with jieba.

Usage: routing_peer.py TRAIN.csv TEST.csv [--repeat N]
Prints one JSON line: accuracy, macro_f1, train_seconds, predict_seconds, texts, texts_per_s
for two peers: jieba words (1-2 grams) and jieba words + character 1-3 grams.
"""
import csv, json, sys, time

import jieba
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.svm import LinearSVC

jieba.setLogLevel(60)


def read(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def words(t):
    return [w for w in jieba.lcut(t) if w.strip()]


def run(train, test, repeat, with_chars):
    xt, yt = train
    xs, ys = test
    t0 = time.perf_counter()
    wv = TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=True, sublinear_tf=True, ngram_range=(1, 2))
    parts = [wv.fit_transform(xt)]
    cv = None
    if with_chars:
        cv = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        parts.append(cv.fit_transform(xt))
    clf = LinearSVC(C=1.0)
    clf.fit(hstack(parts).tocsr(), yt)
    train_s = time.perf_counter() - t0
    big = xs * repeat
    t1 = time.perf_counter()
    parts = [wv.transform(big)]
    if cv is not None:
        parts.append(cv.transform(big))
    pred = clf.predict(hstack(parts).tocsr())
    predict_s = time.perf_counter() - t1
    pred = list(pred[: len(xs)])
    return {
        "peer": "sklearn-linearsvc-jieba" + ("+chars" if with_chars else ""),
        "accuracy": accuracy_score(ys, pred),
        "macro_f1": f1_score(ys, pred, average="macro"),
        "train_seconds": train_s,
        "predict_seconds": predict_s,
        "texts": len(big),
        "texts_per_s": len(big) / predict_s,
    }


def main():
    args = sys.argv[1:]
    repeat = 1
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = int(args[i + 1])
        del args[i : i + 2]
    train, test = read(args[0]), read(args[1])
    jieba.initialize()
    for chars in (False, True):
        print(json.dumps(run(train, test, repeat, chars)))


if __name__ == "__main__":
    main()
