"""World-vocabulary handling for the demo-model data preparation.

Reads a vocabulary in the RWKV World `.txt` format (`id <python literal> <byte length>`),
tokenizes bytes by greedy longest match over a byte trie (exactly what the Go runtime does),
and writes a renumbered subset in the same format.

Only the standard library is used, so this runs on the data-prep machine without numpy/torch.
"""

import ast

END_OF_TEXT = 0


class Vocab:
    """A World-format vocabulary: ids, token bytes, and the original line literals."""

    def __init__(self, path):
        self.id_to_bytes = {}
        self.id_to_literal = {}
        with open(path, "r", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line:
                    continue
                first = line.index(" ")
                last = line.rindex(" ")
                tid = int(line[:first])
                literal = line[first + 1:last]
                length = int(line[last + 1:])
                value = ast.literal_eval(literal)
                data = value.encode("utf-8") if isinstance(value, str) else value
                if not isinstance(data, bytes) or len(data) != length:
                    raise ValueError(f"{path}:{lineno}: length {length} does not match literal {literal}")
                if tid in self.id_to_bytes:
                    raise ValueError(f"{path}:{lineno}: duplicate id {tid}")
                self.id_to_bytes[tid] = data
                self.id_to_literal[tid] = literal
        self.trie = build_trie(self.id_to_bytes)

    def encode(self, data):
        return greedy_encode(self.trie, data)

    def decode(self, ids):
        return b"".join(self.id_to_bytes[i] for i in ids if i != END_OF_TEXT)


def build_trie(id_to_bytes):
    """Nested dicts keyed by byte value; the key -1 holds the id of the token ending there."""
    root = {}
    for tid, data in id_to_bytes.items():
        node = root
        for b in data:
            node = node.setdefault(b, {})
        node[-1] = tid
    return root


def greedy_encode(trie, data):
    """Greedy longest match over bytes. Every single byte must be a token."""
    out = []
    append = out.append
    i = 0
    n = len(data)
    while i < n:
        node = trie
        best_id = -1
        best_end = i
        j = i
        while j < n:
            node = node.get(data[j])
            if node is None:
                break
            j += 1
            tid = node.get(-1)
            if tid is not None:
                best_id = tid
                best_end = j
        if best_id < 0:
            raise ValueError(f"byte {data[i]:#x} at offset {i} has no token")
        append(best_id)
        i = best_end
    return out


def write_subset(full, keep_ids, path):
    """Write the tokens keep_ids (original ids) renumbered 1..len(keep_ids) in original id order.

    Returns the mapping original id -> new id.
    """
    ordered = sorted(keep_ids)
    mapping = {}
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for new_id, old_id in enumerate(ordered, 1):
            mapping[old_id] = new_id
            f.write(f"{new_id} {full.id_to_literal[old_id]} {len(full.id_to_bytes[old_id])}\n")
    return mapping
