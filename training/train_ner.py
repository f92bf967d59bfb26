"""Train tweetlake's default entity model (spaCy NER) and install it into the package.

Reproduce with one command (from the repository root)::

    make train-ner            # or: .venv/bin/python training/train_ner.py

What it does, in order:

1. Reads the WNUT17 and Broad Twitter Corpus *train* splits from ``../shared/data`` (or
   ``--data DIR``) and maps their labels to Amazon Comprehend's entity types.
2. Trains a blank English spaCy pipeline (``tok2vec`` + ``ner``: a CNN, narrower than spaCy's
   "efficiency" preset) with a fixed seed, on the entities that are not @mentions or #hashtags.
   The two *dev* splits, combined, are used only for early stopping (spaCy's ``patience``).
3. Evaluates the best model on each dev split separately and measures the precision of every
   entity type on dev. That precision is the score the analyzer reports for an entity of that
   type (spaCy's greedy NER has no per-span confidence).
4. Copies the model into ``src/tweetlake/analyzers/models/ner_spacy`` with a ``tweetlake.json``
   card: data files and their SHA-256, seed, figures, and label map.

Nothing is downloaded: the only inputs are the files in the data folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import spacy
from spacy.cli.init_config import init_config
from spacy.cli.train import train as spacy_train
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.training.iob_utils import biluo_tags_to_spans, iob_to_biluo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tweetlake.analyzers.spacy_ner import customize_tokenizer  # noqa: E402
from tweetlake.evaluate import ENTITY_TYPE_MAP  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
MODEL_DIR = ROOT / "src" / "tweetlake" / "analyzers" / "models" / "ner_spacy"

# Source label -> Comprehend entity type (the same map `tweetlake eval entities` uses).
LABEL_MAP = ENTITY_TYPE_MAP

SPLITS = {
    "wnut17": ("wnut17-emerging-entities/wnut17train.conll", "wnut17-emerging-entities/emerging.dev.conll"),
    "btc": ("broad-twitter-corpus/splits/btc.train", "broad-twitter-corpus/splits/btc.dev"),
}


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Read ``token<TAB>tag`` lines; any whitespace-only line ends a sentence."""
    sentences: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if words:
                sentences.append((words, tags))
                words, tags = [], []
            continue
        token, _, tag = line.rstrip("\n").partition("\t")
        if not token.strip():
            continue  # a few lines carry a tag but no token text
        words.append(token)
        tags.append(_map_tag(tag.strip() or "O"))
    if words:
        sentences.append((words, tags))
    return sentences


def _map_tag(tag: str) -> str:
    if tag == "O":
        return "O"
    prefix, _, label = tag.partition("-")
    return f"{prefix}-{LABEL_MAP[label]}"


def _repair_bio(tags: list[str]) -> list[str]:
    """Turn an ``I-X`` that does not continue an ``X`` entity into ``B-X``."""
    out: list[str] = []
    for tag in tags:
        if tag.startswith("I-") and not (out and out[-1] != "O" and out[-1][2:] == tag[2:]):
            tag = "B-" + tag[2:]
        out.append(tag)
    return out


def to_doc(nlp: spacy.language.Language, words: list[str], tags: list[str], keep_handles: bool = False) -> Doc:
    """A training doc. Unless ``keep_handles``, entities that are @mentions or #hashtags become
    plain tokens: tweetlake stores those as data of their own, so the model should not spend
    capacity on them (the Broad Twitter Corpus marks many mentions as PER)."""
    doc = Doc(nlp.vocab, words=words, spaces=[True] * len(words))
    spans = biluo_tags_to_spans(doc, iob_to_biluo(_repair_bio(tags)))
    if not keep_handles:
        spans = [s for s in spans if s.text[:1] not in ("@", "#")]
    doc.ents = spans
    return doc


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def evaluate(nlp: spacy.language.Language, docs: list[Doc]) -> dict[str, object]:
    examples = [Example(Doc(nlp.vocab, words=[t.text for t in d], spaces=[True] * len(d)), d) for d in docs]
    scores = nlp.evaluate(examples)
    return {
        "precision": round(float(scores["ents_p"]), 4),
        "recall": round(float(scores["ents_r"]), 4),
        "f1": round(float(scores["ents_f"]), 4),
        "per_type": {
            k: {m: round(float(v[m]), 4) for m in ("p", "r", "f")} for k, v in sorted(scores["ents_per_type"].items())
        },
    }


def type_precision(nlp: spacy.language.Language, docs: list[Doc]) -> dict[str, float]:
    """Per type: P(a predicted entity of this type is exactly right), smoothed as (tp+1)/(n+2).

    The smoothing (Laplace) keeps a type the model rarely predicts from getting a score of
    exactly 0 or 1 from a handful of cases.
    """
    tp: dict[str, int] = {}
    predicted: dict[str, int] = {}
    for gold in docs:
        doc = nlp(Doc(nlp.vocab, words=[t.text for t in gold], spaces=[True] * len(gold)))
        truth = {(e.start, e.end, e.label_) for e in gold.ents}
        for ent in doc.ents:
            predicted[ent.label_] = predicted.get(ent.label_, 0) + 1
            if (ent.start, ent.end, ent.label_) in truth:
                tp[ent.label_] = tp.get(ent.label_, 0) + 1
    return {label: round((tp.get(label, 0) + 1) / (n + 2), 4) for label, n in sorted(predicted.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where the model is installed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=8000)
    parser.add_argument("--patience", type=int, default=3000)
    parser.add_argument("--keep-handles", action="store_true", help="keep @mention/#hashtag entities")
    # A narrower, shallower CNN than spaCy's "efficiency" default: about as accurate on tweets,
    # and 1.5-2x faster (measured with `tweetlake eval entities` on the dev splits).
    parser.add_argument("--width", type=int, default=64, help="tok2vec width (smaller is faster)")
    parser.add_argument("--depth", type=int, default=2, help="tok2vec CNN depth")
    parser.add_argument("--hidden", type=int, default=48, help="NER hidden width")
    args = parser.parse_args()

    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    train_docs: list[Doc] = []
    dev_docs: dict[str, list[Doc]] = {}
    inputs: dict[str, str] = {}
    for name, (train_rel, dev_rel) in SPLITS.items():
        for rel in (train_rel, dev_rel):
            path = args.data / rel
            if not path.exists():
                raise SystemExit(f"missing training data {path}: pass --data DIR pointing at shared/data")
            inputs[rel] = sha256(path)
        train_docs += [to_doc(nlp, w, t, args.keep_handles) for w, t in read_conll(args.data / train_rel)]
        dev_docs[name] = [to_doc(nlp, w, t, args.keep_handles) for w, t in read_conll(args.data / dev_rel)]
    all_dev = [d for docs in dev_docs.values() for d in docs]
    print(f"train docs: {len(train_docs)}; dev docs: {len(all_dev)}", flush=True)

    with tempfile.TemporaryDirectory(prefix="tweetlake-ner-") as tmp:
        work = Path(tmp)
        DocBin(docs=train_docs).to_disk(work / "train.spacy")
        DocBin(docs=all_dev).to_disk(work / "dev.spacy")
        config = init_config(lang="en", pipeline=["ner"], optimize="efficiency")
        config["paths"]["train"] = str(work / "train.spacy")
        config["paths"]["dev"] = str(work / "dev.spacy")
        config["system"]["seed"] = args.seed
        config["training"]["max_steps"] = args.max_steps
        config["training"]["patience"] = args.patience
        config["training"]["eval_frequency"] = 200
        config["components"]["tok2vec"]["model"]["encode"]["width"] = args.width
        config["components"]["tok2vec"]["model"]["encode"]["depth"] = args.depth
        config["components"]["ner"]["model"]["hidden_width"] = args.hidden
        config_path = work / "config.cfg"
        config.to_disk(config_path)
        started = time.monotonic()
        spacy_train(config_path, work / "output", use_gpu=-1)
        train_seconds = time.monotonic() - started

        best = spacy.load(work / "output" / "model-best")
        customize_tokenizer(best)
        figures = {name: evaluate(best, docs) for name, docs in dev_docs.items()}
        combined = evaluate(best, all_dev)
        precision = type_precision(best, all_dev)

        if args.out.exists():
            shutil.rmtree(args.out)
        best.to_disk(args.out)
    card = {
        "name": "ner-spacy-tweets-v2",
        "kind": "spaCy 3 NER (tok2vec CNN + transition-based parser), efficiency config",
        "spacy_version": spacy.__version__,
        "seed": args.seed,
        "max_steps": args.max_steps,
        "width": args.width,
        "depth": args.depth,
        "hidden_width": args.hidden,
        "handles_as_entities": args.keep_handles,
        "patience": args.patience,
        "train_seconds": round(train_seconds, 1),
        "trained_on": list(SPLITS),
        "inputs_sha256": inputs,
        "label_map": LABEL_MAP,
        "type_precision_on_dev": precision,
        "dev": figures,
        "dev_combined": combined,
        "licence": "model weights: Apache-2.0 (tweetlake); training data CC-BY 4.0 (WNUT17, BTC)",
    }
    (args.out / "tweetlake.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: card[k] for k in ("dev", "type_precision_on_dev")}, indent=2))


if __name__ == "__main__":
    main()
