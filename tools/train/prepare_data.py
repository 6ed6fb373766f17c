#!/usr/bin/python3
"""Build the demo model's training text, vocabulary subset and token files.

Sources (Debian packages, all public domain; see README.md for the licence notes):
  bible-kjv-text + bible-kjv   King James Version, extracted with `bible`
  sword-text-web + diatheke    World English Bible (with deuterocanon), extracted with `diatheke`
  jargon-text                  The Jargon File 4.4.7 (/usr/share/doc/jargon-text/jargon.txt.gz)
  dict-devil                   Ambrose Bierce, The Devil's Dictionary (/usr/share/dictd/devil.*)

Output (in --out, default /work/main/.carry/train):
  train.bin, heldout.bin   uint16 little-endian token ids of the subset vocabulary; documents are
                           separated by token 0 (end of text), and each stream starts with 0
  meta.json                counts, sources, seed
  sample_train.txt         the first documents of the training split, for a human look
and the vocabulary subset in World .txt format (--vocab-out, default tools/train/vocab_demo.txt).

Usage:
  apt-get install -y bible-kjv bible-kjv-text sword-text-web diatheke jargon-text dict-devil python3-numpy
  /usr/bin/python3 tools/train/prepare_data.py
"""

import argparse
import base64
import collections
import gzip
import json
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world_vocab  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20250611
VOCAB_ROWS = 8192  # row 0 = end of text, rows 1..8191 = tokens
HELDOUT_FRACTION = 0.02
# Tokens the chat format needs; kept in the subset whatever their frequency.
FORCED_TOKENS = ["\n\n", "User", ":", " Assistant", " User", "System", "\n"]


# ----------------------------------------------------------------------------------------------
# text helpers


def collapse_blank_lines(text):
    """Inside a chat reply a blank line would end the reply, so paragraphs become single newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln.rstrip() for ln in text.split("\n")]
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{2,}", "\n", text)


def tidy_paragraphs(text):
    """Plain-text documents keep paragraphs (one blank line) but no longer runs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln.strip() for ln in text.split("\n")]
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text)


def unwrap(text):
    """Join hard-wrapped lines of each paragraph into one line."""
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(" ".join(ln.strip() for ln in p.split("\n") if ln.strip()) for p in paras)


def chat(turns):
    out = []
    for q, a in turns:
        q = collapse_blank_lines(q)
        a = collapse_blank_lines(a)
        if not q or not a:
            raise ValueError(f"empty chat turn: {q!r} / {a!r}")
        out.append(f"User: {q}\n\nAssistant: {a}\n\n")
    return "".join(out)


# ----------------------------------------------------------------------------------------------
# sources


def load_kjv():
    """Returns [(book, chapter, verse, text)] from the `bible` program (bible-kjv)."""
    raw = subprocess.run(["bible", "-l100000", "gen1:1-rev22:21"], check=True,
                         capture_output=True, text=True).stdout
    verses = []
    book = chapter = None
    for line in raw.split("\n"):
        if not line.strip():
            continue
        m = re.match(r"^  (\d+) (.*)$", line)
        if m:
            if book is None:
                raise ValueError(f"KJV verse before any chapter header: {line!r}")
            verses.append((book, chapter, int(m.group(1)), m.group(2).strip()))
            continue
        m = re.match(r"^(.+) (\d+)$", line)
        if not m:
            raise ValueError(f"unexpected KJV line: {line!r}")
        book, chapter = m.group(1), int(m.group(2))
    return verses


WEB_REF = re.compile(r"^(?P<pre>.*?)\s*(?P<book>(?:(?:I|II|III|IV) )?[A-Z][a-z]+(?: of [A-Z][a-z]+| [A-Z][a-z]+)*(?: \([A-Z][a-z]+\))?) "
                     r"(?P<ch>\d+):(?P<vs>\d+): ?(?P<text>.*)$")
WEB_FOOTNOTE = re.compile(r"\s*\[\d+:\d+[^\]]*\]")
ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}


def load_web():
    """Returns [(book, chapter, verse, text)] of the World English Bible via diatheke."""
    raw = subprocess.run(["diatheke", "-b", "engWEB2015eb", "-f", "plain", "-o", "fh", "-k",
                          "Genesis 1:1-Revelation 22:21"], check=True, capture_output=True,
                         text=True, cwd="/tmp").stdout
    lines = raw.split("\n")
    verses = []
    cur = None
    for i, line in enumerate(lines):
        if line.strip() == "(engWEB2015eb)":
            continue
        m = WEB_REF.match(line)
        if m:
            if cur:
                verses.append(cur)
            book = m.group("book")
            first, _, rest = book.partition(" ")
            if first in ROMAN and rest:
                book = ROMAN[first] + " " + rest
            if book == "Revelation of John":
                book = "Revelation"
            cur = [book, int(m.group("ch")), int(m.group("vs")), m.group("text").strip()]
            continue
        if not line.strip():
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt.startswith(" ") and WEB_REF.match(nxt):
            continue  # a section heading printed before an indented verse line
        if cur is None:
            continue
        cur[3] = cur[3] + " " + line.strip()
    if cur:
        verses.append(cur)
    out = []
    for book, ch, vs, text in verses:
        text = text.split(" World English Bible Glossary ")[0]  # appended to the last verse
        text = re.sub(r"<[^>]*>", "", text)
        text = WEB_FOOTNOTE.sub("", text)
        text = re.sub(r"\s+", " ", text).strip()
        if not text or "[" in text or "]" in text:
            continue  # empty verses (merged into a neighbour) and leftover editorial notes
        out.append((book, ch, vs, text))
    return out


def load_jargon():
    """Returns (entries [(term, definition)], prose [(title, text)]) from the Jargon File."""
    with gzip.open("/usr/share/doc/jargon-text/jargon.txt.gz", "rt", encoding="utf-8") as f:
        lines = f.read().replace("\u00a0", " ").split("\n")
    glossary_start = next(i for i, ln in enumerate(lines) if ln == "Glossary")
    appendix_start = next(i for i, ln in enumerate(lines) if ln.startswith("Appendix A."))
    biblio_start = next(i for i, ln in enumerate(lines) if ln == "Bibliography")

    entries = []
    term = None
    body = []
    for ln in lines[glossary_start + 1:appendix_start] + [""]:
        head = re.match(r"^   :(.+?):(?:\s.*)?$", ln)
        section_end = re.match(r"^ {0,2}\S", ln) is not None
        if head or section_end:
            if term is not None:
                entries.append((term, "\n".join(body)))
            term = head.group(1) if head else None
            body = []
            continue
        if term is not None:
            body.append(ln)
    cleaned = []
    for term, text in entries:
        text = text.replace("{", "").replace("}", "")
        text = unwrap(text)
        if text:
            cleaned.append((term, text))

    def prose(start, end):
        docs = []
        title = None
        buf = []
        for ln in lines[start:end] + ["Chapter END"]:
            if re.match(r"^(Chapter \d+\.|Appendix [A-Z]\.)", ln):
                if title and buf:
                    docs.append((title, tidy_paragraphs(unwrap("\n".join(buf)).replace("{", "").replace("}", ""))))
                title = ln.split(". ", 1)[1] if ". " in ln else ln
                buf = []
            elif title is not None:
                if re.match(r"^\S", ln):  # sub-section titles at column 0
                    buf.append("\n" + ln + "\n")
                else:
                    buf.append(ln)
        return docs

    first_chapter = next(i for i, ln in enumerate(lines) if ln.startswith("Chapter 1."))
    docs = prose(first_chapter, glossary_start) + prose(appendix_start, biblio_start)
    return cleaned, docs


def load_devil():
    """Returns (entries [(headword, text)], preface) of The Devil's Dictionary."""
    with gzip.open("/usr/share/dictd/devil.dict.dz", "rb") as f:
        data = f.read()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def b64(s):
        v = 0
        for ch in s:
            v = v * 64 + alphabet.index(ch)
        return v

    entries = []
    preface = None
    with open("/usr/share/dictd/devil.index", encoding="utf-8") as f:
        for line in f:
            word, off, size = line.rstrip("\n").split("\t")
            text = data[b64(off):b64(off) + b64(size)].decode("utf-8")
            if word.startswith("00database"):
                if word == "00databaseinfo":
                    m = re.search(r"PREFACE\s*\n(.*?)A\.B\.", text, re.S)
                    if m:
                        preface = m.group(1)
                continue
            entries.append((word, text))
    cleaned = []
    seen = set()
    for word, text in entries:
        text = text.strip("\n")
        # The first line repeats the headword on its own (dictfmt style); the entry proper follows.
        lines = text.split("\n")
        if lines and lines[0].strip().lower() == word.lower():
            lines = lines[1:]
        text = "\n".join(ln.rstrip() for ln in lines).strip("\n")
        if not text or text in seen:
            continue
        seen.add(text)
        m = re.match(r"^([A-Z][A-Z0-9' .-]*?),", text)
        if m:
            word = m.group(1).strip().lower()  # the index folds "LOCK-AND-KEY" to "lockandkey"
        cleaned.append((word, devil_paragraphs(text)))
    return cleaned, preface


def devil_paragraphs(text):
    """Unwrap prose paragraphs; indented verse keeps its lines; drop _italic_ marks."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        lines = [ln for ln in para.split("\n") if ln.strip()]
        if not lines:
            continue
        if all(ln.startswith("    ") for ln in lines):
            out.append("\n".join(ln.strip() for ln in lines))
        else:
            out.append(" ".join(ln.strip() for ln in lines))
    text = "\n\n".join(out)
    text = re.sub(r"_([^_\n]+)_", r"\1", text)
    return re.sub(r"(?<=\S)  +", " ", text)


# ----------------------------------------------------------------------------------------------
# documents


def split_of(key, rng_seed=SEED):
    """Deterministic held-out choice per unit (a chapter, an entry): seeded hash, not Python's hash()."""
    r = random.Random(f"{rng_seed}:{key}")
    return "heldout" if r.random() < HELDOUT_FRACTION else "train"


def group_turns(pairs, rng, lo=1, hi=4):
    """Cut a shuffled list of (q, a) pairs into conversations of lo..hi turns."""
    rng.shuffle(pairs)
    docs = []
    i = 0
    while i < len(pairs):
        n = rng.randint(lo, hi)
        docs.append(chat(pairs[i:i + n]))
        i += n
    return docs


def bible_docs(verses, version, rng, qa_fraction):
    """Plain chapters (one verse per line) plus verse questions for a share of the verses."""
    chapters = collections.OrderedDict()
    for book, ch, vs, text in verses:
        chapters.setdefault((book, ch), []).append((vs, text))
    docs = {"train": [], "heldout": []}
    qa = {"train": [], "heldout": []}
    long_name = {"KJV": "the King James Version", "WEB": "the World English Bible"}[version]
    templates = [
        "What does {ref} say in {v}?",
        "Quote {ref} from {v}.",
        "How does {v} render {ref}?",
    ]
    for (book, ch), vv in chapters.items():
        split = split_of(f"bible:{book}:{ch}")
        docs[split].append(f"{book} {ch}\n\n" + "\n".join(t for _, t in vv) + "\n")
        for vs, text in vv:
            if rng.random() < qa_fraction:
                q = rng.choice(templates).format(ref=f"{book} {ch}:{vs}", v=long_name)
                qa[split].append((q, text))
        # Some whole-chapter requests: short chapters only, so a reply stays a reasonable length.
        if len(vv) <= 12 and rng.random() < 0.25:
            qa[split].append((f"Recite {book} chapter {ch} from {long_name}.",
                              "\n".join(f"{vs} {t}" for vs, t in vv)))
    for split in docs:
        docs[split] += group_turns(qa[split], rng)
    return docs


def jargon_docs(entries, prose, rng):
    templates = [
        "What does \"{t}\" mean?",
        "What is {t}?",
        "In hacker slang, what does {t} mean?",
        "Define {t}.",
        "What does the Jargon File say about {t}?",
    ]
    docs = {"train": [], "heldout": []}
    qa = {"train": [], "heldout": []}
    for term, text in entries:
        split = split_of(f"jargon:{term}")
        qa[split].append((rng.choice(templates).format(t=term), text))
        # The same entry also as dictionary-style plain text, in the same split.
        if rng.random() < 0.3:
            docs[split].append(f"{term}\n\n{text}\n")
    for title, text in prose:
        docs[split_of(f"jargon-prose:{title}")].append(f"{title}\n\n{text}\n")
    for split in docs:
        docs[split] += group_turns(qa[split], rng)
    return docs


def devil_docs(entries, preface, rng):
    templates = [
        "How does The Devil's Dictionary define {w}?",
        "What is {w}, according to Ambrose Bierce?",
        "Give me the Devil's Dictionary entry for {w}.",
    ]
    docs = {"train": [], "heldout": []}
    qa = {"train": [], "heldout": []}
    for word, text in entries:
        split = split_of(f"devil:{word}")
        qa[split].append((rng.choice(templates).format(w=word.lower()), text))
    if preface:
        docs["train"].append("The Devil's Dictionary: Preface\n\n" + tidy_paragraphs(unwrap(preface)) + "\n")
    for split in docs:
        docs[split] += group_turns(qa[split], rng)
    return docs


# ----------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--full-vocab",
        default=os.path.join(HERE, "..", "convert", "rwkv_vocab_v20230424.txt"),
        help="the official World vocabulary (default: the repository's copy, the one the converter embeds)",
    )
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", ".carry", "train"))
    ap.add_argument("--vocab-out", default=os.path.join(HERE, "vocab_demo.txt"))
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    rng = random.Random(args.seed)

    kjv = load_kjv()
    web = load_web()
    jargon_entries, jargon_prose = load_jargon()
    devil_entries, devil_preface = load_devil()
    print(f"sources: KJV {len(kjv)} verses, WEB {len(web)} verses, jargon {len(jargon_entries)} entries "
          f"+ {len(jargon_prose)} prose sections, devil {len(devil_entries)} entries", flush=True)

    parts = {
        "kjv": bible_docs(kjv, "KJV", rng, qa_fraction=0.15),
        "web": bible_docs(web, "WEB", rng, qa_fraction=0.15),
        "jargon": jargon_docs(jargon_entries, jargon_prose, rng),
        "devil": devil_docs(devil_entries, devil_preface, rng),
    }
    splits = {"train": [], "heldout": []}
    stats = {}
    for name, d in parts.items():
        for split, docs in d.items():
            splits[split] += docs
            stats[f"{name}.{split}.docs"] = len(docs)
            stats[f"{name}.{split}.bytes"] = sum(len(x.encode("utf-8")) for x in docs)
    for split in splits:
        rng.shuffle(splits[split])
    print(json.dumps(stats, indent=1), flush=True)

    # Pass 1: token frequencies with the full World vocabulary.
    full = world_vocab.Vocab(args.full_vocab)
    counts = collections.Counter()
    for doc in splits["train"]:
        counts.update(full.encode(doc.encode("utf-8")))
    print(f"pass 1 (full vocab): {sum(counts.values())} train tokens, {len(counts)} distinct, "
          f"{time.time() - t0:.0f}s", flush=True)

    byte_ids = [i for i, b in full.id_to_bytes.items() if len(b) == 1]
    if len(byte_ids) != 256:
        raise ValueError(f"expected 256 single-byte tokens, found {len(byte_ids)}")
    keep = set(byte_ids)
    by_bytes = {b: i for i, b in full.id_to_bytes.items()}
    for s in FORCED_TOKENS:
        tid = by_bytes.get(s.encode("utf-8"))
        if tid is None:
            raise ValueError(f"forced token {s!r} is not in the World vocabulary")
        keep.add(tid)
    for tid, _ in counts.most_common():
        if len(keep) >= VOCAB_ROWS - 1:
            break
        keep.add(tid)
    if len(keep) != VOCAB_ROWS - 1:
        raise ValueError(f"only {len(keep)} tokens available for a {VOCAB_ROWS}-row vocabulary")
    world_vocab.write_subset(full, keep, args.vocab_out)

    # Pass 2: tokenize with the subset exactly as the runtime will (greedy over the subset's trie).
    sub = world_vocab.Vocab(args.vocab_out)
    import numpy as np
    meta = {"seed": args.seed, "vocab_rows": VOCAB_ROWS, "heldout_fraction": HELDOUT_FRACTION,
            "stats": stats, "sources": {
                "bible-kjv-text": "King James Version (1611), public domain (expired); extracted with bible-kjv",
                "sword-text-web": "World English Bible, dedicated to the public domain by its translators",
                "jargon-text": "The Jargon File 4.4.7, public domain",
                "dict-devil": "Ambrose Bierce, The Devil's Dictionary (1911), public domain (expired)"}}
    for split, docs in splits.items():
        ids = [world_vocab.END_OF_TEXT]
        nbytes = 0
        for doc in docs:
            data = doc.encode("utf-8")
            nbytes += len(data)
            toks = sub.encode(data)
            if sub.decode(toks) != data:
                raise ValueError("subset tokenization does not round-trip")
            ids += toks
            ids.append(world_vocab.END_OF_TEXT)
        arr = np.asarray(ids, dtype="<u2")
        arr.tofile(os.path.join(args.out, f"{split}.bin"))
        meta[f"{split}_tokens"] = int(arr.size)
        meta[f"{split}_bytes"] = nbytes
        meta[f"{split}_docs"] = len(docs)
        print(f"{split}: {len(docs)} docs, {nbytes} bytes, {arr.size} tokens "
              f"({nbytes / max(1, arr.size):.2f} bytes/token)", flush=True)
    with open(os.path.join(args.out, "sample_train.txt"), "w", encoding="utf-8") as f:
        f.write("\n<|endoftext|>\n".join(splits["train"][:60]))
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
