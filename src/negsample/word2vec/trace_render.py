"""A :class:`~negsample.word2vec.trace.Trace` as text: terminal tables, markdown, or JSON.

One walk through the trace (:func:`_write`) fills either document kind, so the terminal and the
markdown renderings always hold the same numbers; JSON holds every number at full precision.

Example
-------
>>> from negsample.word2vec.trace import trace
>>> from negsample.word2vec.trace_render import render
>>> text = render(trace(sg=1, batch_negatives=False, negative=2), "markdown")
>>> text.splitlines()[0]
'# word2vec trace: skip-gram, classic per-example kernel'
"""

from __future__ import annotations

import json
import textwrap

import numpy as np

from .._kernels.word2vec_batched import CBOW_DRAWS_PER_NEGATIVE
from .trace import Step, Trace
from .training import learning_rate

__all__ = ["FORMATS", "render"]

FORMATS = ("terminal", "markdown", "json")
_SEGMENT_WIDTH = 60  # characters of the drawn unit segment
_TERMINAL_WIDTH = 100
_ALL_ROWS = 20  # a vocabulary this small is shown whole
_TOP_ROWS = 10  # else its most frequent words, and those the traced steps touched
_SENTENCE_TOKENS = 30  # tokens of a sentence shown in its subsampling table


def render(trace: Trace, fmt: str = "terminal") -> str:
    """The trace as ``fmt``: "terminal" (aligned tables), "markdown" or "json" (every number)."""
    if fmt == "json":
        return json.dumps(trace.to_dict(), indent=1) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    doc = _Markdown() if fmt == "markdown" else _Terminal()
    _write(trace, doc)
    return doc.text()


# ---------------------------------------------------------------------- documents
class _Document:
    def __init__(self):
        self.lines: list[str] = []

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"

    def para(self, text: str) -> None:
        self.lines += [text, ""]


class _Markdown(_Document):
    def title(self, text: str, level: int) -> None:
        self.lines += ["#" * level + " " + text, ""]

    def table(self, headers: list[str], rows: list[list[str]]) -> None:
        self.lines.append("| " + " | ".join(headers) + " |")
        self.lines.append("|" + "|".join("---:" if numeric else "---" for numeric in _numeric_columns(rows)) + "|")
        self.lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
        self.lines.append("")

    def code(self, lines: list[str]) -> None:
        self.lines += ["```", *lines, "```", ""]


class _Terminal(_Document):
    def title(self, text: str, level: int) -> None:
        rule = "=" if level <= 2 else "-"
        self.lines += [text, rule * len(text), ""]

    def table(self, headers: list[str], rows: list[list[str]]) -> None:
        widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) if rows else len(headers[i])
                  for i in range(len(headers))]
        numeric = _numeric_columns(rows) if rows else [False] * len(headers)

        def line(cells):
            return "  ".join(c.rjust(w) if right else c.ljust(w)
                             for c, w, right in zip(cells, widths, numeric)).rstrip()

        self.lines += ["  " + line(headers), "  " + "  ".join("-" * w for w in widths)]
        self.lines += ["  " + line(row) for row in rows]
        self.lines.append("")

    def code(self, lines: list[str]) -> None:
        self.lines += ["  " + line for line in lines] + [""]

    def para(self, text: str) -> None:
        self.lines += [*textwrap.wrap(text, _TERMINAL_WIDTH, break_on_hyphens=False), ""]


def _numeric_columns(rows: list[list[str]]) -> list[bool]:
    """Which columns hold only numbers (or "-"), to align them on the right."""
    def number(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return cell == "-"
        return True

    return [all(number(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []


# ---------------------------------------------------------------------- numbers
def _num(x: float | None, digits: int = 6) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _vec(v: np.ndarray, digits: int = 5) -> str:
    return "[" + " ".join(f"{x:+.{digits}f}" for x in v) + "]"


class _Names:
    """Labels, and which rows the tables show: every word of a small vocabulary; of a larger one the
    most frequent and those the traced steps touched (the JSON holds them all)."""

    def __init__(self, trace: Trace):
        self.words = trace.words
        touched = {(u.matrix, u.id) for step in trace.steps for u in step.updates}
        touched |= {("input", w) for step in trace.steps for w in step.drawn}
        words = range(len(trace.words))
        self.shown = list(words) if len(words) <= _ALL_ROWS else sorted(
            set(words[:_TOP_ROWS]) | {i for matrix, i in touched if matrix != "node"})
        n_nodes = 0 if trace.nodes_before is None else trace.nodes_before.shape[0]
        self.shown_nodes = list(range(n_nodes)) if n_nodes <= _ALL_ROWS else sorted(
            i for matrix, i in touched if matrix == "node")
        self.hidden = len(words) - len(self.shown)

    def word(self, i: int) -> str:
        return self.words[i]

    def row(self, matrix: str, i: int) -> str:
        if matrix == "node":
            return f"node n{i}"
        return f"{matrix} {self.words[i]!r}"

    def target(self, objective: str, i: int) -> str:
        return f"n{i}" if objective == "hs" else self.words[i]


# ---------------------------------------------------------------------- the walk
def _write(trace: Trace, doc) -> None:
    cfg, names = trace.config, _Names(trace)
    objectives = []
    if cfg.hs:
        objectives.append("hierarchical softmax")
    if cfg.negative:
        objectives.append(f"negative sampling (k={cfg.negative})")
    doc.title(f"word2vec trace: {trace.kernel}", 1)
    start_alpha = learning_rate(cfg, 0, 0, 1)
    context = "mean of the context" if cfg.cbow_mean else "sum of the context"
    doc.para(f"{' + '.join(objectives)}; window {cfg.window}; vector size {cfg.vector_size}; "
             f"learning rate {start_alpha:g} falling to {cfg.min_alpha:g} over {cfg.epochs} epochs; "
             f"sample {cfg.sample:g}; seed {cfg.seed}" + ("" if cfg.sg else f"; CBOW hidden = {context}") + ".")
    n_tokens = int(trace.counts.sum())
    doc.para(f"{n_tokens} tokens, {len(trace.words)} words in the vocabulary. "
             + ("No update happened: subsampling never left a center with a context (raise --sample, or "
                "0 turns it off)." if not trace.steps else
                f"The whole run: {len(trace.steps)} updates." if trace.complete else
                "The first update." if len(trace.steps) == 1 else f"The first {len(trace.steps)} updates."))
    if names.hidden:
        doc.para(f"The tables show the {_TOP_ROWS} most frequent words and those the traced steps touched; "
                 f"{names.hidden} more are in --format json.")
    _vocabulary(trace, doc, names)
    if trace.huffman is not None:
        _huffman(trace, doc, names)
    shown = {(s.epoch, s.sentence) for s in trace.steps}
    for draw in trace.sentences:
        if (draw.epoch, draw.sentence) in shown or draw is trace.sentences[0]:
            _subsampling(trace, draw, doc, names)
        steps = [s for s in trace.steps if (s.epoch, s.sentence) == (draw.epoch, draw.sentence)]
        for step in steps:
            _step(trace, step, doc, names)
    _vectors(trace, doc, names)


def _vocabulary(trace: Trace, doc, names: _Names) -> None:
    doc.title("Vocabulary, noise and subsampling", 2)
    total = trace.counts.sum()
    noise = trace.noise
    headers = ["id", "word", "count", "frequency", "keep p"]
    if noise is not None:
        headers[4:4] = [f"count^{noise.power:g}", "noise q", "log q", f"cells of {noise.n_cells}"]
    rows = []
    for i in names.shown:
        word = names.word(i)
        row = [str(i), word, str(int(trace.counts[i])), _num(trace.counts[i] / total), _num(trace.keep_prob[i], 4)]
        if noise is not None:
            row[4:4] = [_num(noise.weights[i], 4), _num(noise.probs[i]), _num(noise.log_probs[i], 4),
                        str(int(noise.cells[i]))]
        rows.append(row)
    doc.table(headers, rows)
    if noise is None:
        return
    drawn = len(trace.words) <= _ALL_ROWS
    doc.para(f"Negatives are drawn with probability q = count^{noise.power:g} / sum. The word2vec C tool "
             f"cuts a unit segment into cells, each word owning a stretch as long as its q "
             f"(here {noise.n_cells} cells){':' if drawn else '.'}")
    if drawn:
        doc.code([_segment(noise.probs, trace.words)])
    doc.para("The kernels draw from an alias table instead: pick a column uniformly, keep it with "
             "its threshold, else take its alias. It gives the same q in one draw:")
    gap = float(np.abs(noise.cells / noise.n_cells - noise.probs).max())
    rows = [[str(i), names.word(i), _num(noise.threshold[i], 4),
             "-" if noise.threshold[i] >= 1 else names.word(int(noise.alias[i])),
             _num(noise.alias_probs[i]), _num(noise.cells[i] / noise.n_cells)]
            for i in names.shown]
    doc.table(["column", "word", "keep", "else", "q from the alias table", "q from the segment"], rows)
    doc.para(f"Largest gap between the segment's q and the exact q: {gap:.4f} (under 1/{noise.n_cells}); "
             f"between the alias table's and the exact q: "
             f"{float(np.abs(noise.alias_probs - noise.probs).max()):.1e}.")


def _segment(probs: np.ndarray, words: list[str]) -> str:
    """The unit segment drawn: each word's stretch as long as its probability."""
    bounds = np.round(np.cumsum(probs) * _SEGMENT_WIDTH).astype(int)
    cells, start = [], 0
    for word, stop in zip(words, bounds):
        width = stop - start
        if width > 0:
            cells.append(word[:max(width - 1, 0)].ljust(width - 1, " ") + "|" if width > 1 else "|")
        start = stop
    return "|" + "".join(cells)


def _huffman(trace: Trace, doc, names: _Names) -> None:
    doc.title("Huffman tree (hierarchical softmax)", 2)
    doc.para("Each word is a path from the root; at each inner node on it one logistic unit says "
             "left (code 0, label 1) or right (code 1, label 0). Frequent words get short codes.")
    tree = trace.huffman
    rows = [[names.word(w), "".join(map(str, tree.code(w))), " ".join(f"n{p}" for p in tree.path(w))]
            for w in names.shown]
    doc.table(["word", "code", "inner nodes, root first"], rows)


def _subsampling(trace: Trace, draw, doc, names: _Names) -> None:
    doc.title(f"Epoch {draw.epoch}, sentence {draw.sentence}: subsampling", 2)
    rows = []
    for pos, (word, coin, kept) in enumerate(zip(draw.tokens[:_SENTENCE_TOKENS], draw.coins, draw.kept)):
        rows.append([str(pos), names.word(word), _num(trace.keep_prob[word], 4),
                     "-" if coin is None else _num(coin, 4), "kept" if kept else "dropped"])
    doc.table(["position", "word", "keep p", "coin", "kept?"], rows)
    kept = [names.word(w) for w in draw.kept_tokens]
    more = len(draw.tokens) - _SENTENCE_TOKENS
    shown = " ".join(kept[:_SENTENCE_TOKENS]) + (" ..." if len(kept) > _SENTENCE_TOKENS else "")
    doc.para(("" if more <= 0 else f"(The sentence has {more} more tokens; --format json holds them.) ")
             + "A token is kept when its coin is below its keep probability (no coin when that is 1). "
             + f"Kept: {shown if kept else '(nothing)'} ({len(kept)} of {len(draw.tokens)}); "
             + f"learning rate {draw.alpha:.6f}.")


def _step(trace: Trace, step: Step, doc, names: _Names) -> None:
    cfg = trace.config
    doc.title(f"Step {step.number} (epoch {step.epoch}, sentence {step.sentence}, learning rate {step.alpha:.6f})", 3)
    rows = [[str(w.position), names.word(w.center), f"{w.reach} of {cfg.window}",
             " ".join(names.word(c) for c in w.context) or "(none)"] for w in step.windows]
    doc.para("Window: each center draws how far it reaches (uniform in 1..window).")
    doc.table(["position", "center", "reach", "context"], rows)
    doc.para(_what_predicts_what(trace, step, names))
    doc.table(["row", "predicts", "from", "hidden vector h"],
              [[str(r), names.word(center), " + ".join(names.word(c) for c in context), _vec(step.hidden[r])]
               for r, (center, context) in enumerate(step.rows)])
    if cfg.negative:
        noise = trace.noise
        if not cfg.batched:
            note = "for this example alone, one at a time"
        elif cfg.sg:
            note = f"once for the whole window, shared by its {len(step.rows)} context rows"
        else:
            note = (f"once for this run of {len(step.rows)} windows, shared by every row ({CBOW_DRAWS_PER_NEGATIVE} "
                    f"times the model's negatives, each weighted 1/{CBOW_DRAWS_PER_NEGATIVE} in its g and loss)")
        doc.para(f"Negatives drawn from q {note}; one equal to the word being predicted is skipped.")
        doc.table(["draw", "id", "word", "log q", "note"],
                  [[str(i + 1), str(w), names.word(w), _num(noise.log_probs[w], 4), _draw_note(w, step)]
                   for i, w in enumerate(step.drawn)])
    if cfg.hs:
        tree = trace.huffman
        for center in dict.fromkeys(c for c, _ in step.rows):
            doc.para(f"Huffman code of {names.word(center)!r}: {''.join(map(str, tree.code(center)))}; "
                     f"inner nodes on its path: {' '.join(f'n{p}' for p in tree.path(center))}.")
    doc.para("Each term: f = h . o, the sigmoid from the kernels' table, loss -log sigmoid(f) for label 1 "
             "and -log sigmoid(-f) for label 0, and the gradient coefficient g = lr * (label - sigmoid); "
             "o moves by g * h and h's rows by g * o.")
    rows = []
    for t in step.terms:
        rows.append([str(t.row), names.target(t.objective, t.target), f"{t.label:g}", _num(t.f),
                     _num(t.sigmoid), _num(t.loss), "skipped (|f| >= 6)" if t.gain is None else _num(t.gain),
                     _num(t.loss_after)])
    doc.table(["row", "target", "label", "f = h . o", "sigmoid(f)", "loss", "g", "loss after"], rows)
    doc.table(["row changed", "before", "after", "change"],
              [[names.row(u.matrix, u.id), _vec(u.before), _vec(u.after), _vec(u.after - u.before, 6)]
               for u in step.updates])
    change = step.loss_after - step.loss
    doc.para(f"Loss of these terms: {step.loss:.6f} before the update, {step.loss_after:.6f} after "
             f"({'lower' if change < 0 else 'not lower'} by {abs(change):.6f}).")


def _draw_note(word: int, step: Step) -> str:
    rows = [str(r) for r, (center, _) in enumerate(step.rows) if center == word]
    if not rows:
        return ""
    if len(rows) == len(step.rows):
        return "= target, skipped"
    return f"= target of row{'s' if len(rows) > 1 else ''} {', '.join(rows)}, skipped there"


def _what_predicts_what(trace: Trace, step: Step, names: _Names) -> str:
    cfg = trace.config
    if cfg.sg:
        pairs = ", ".join(f"({names.word(center)}, {names.word(context[0])})" for center, context in step.rows)
        return (f"(center, context) pairs: {pairs}. In skip-gram the context word's vector is the hidden "
                "vector h that predicts the center.")
    how = "mean" if cfg.cbow_mean else "sum"
    return f"In CBOW the hidden vector h is the {how} of the context words' vectors; it predicts the center."


def _vectors(trace: Trace, doc, names: _Names) -> None:
    last = f"after step {len(trace.steps)}" if trace.steps else "after"
    doc.title("Vectors before and after", 2)
    for label, before, after, matrix in (("Word vectors (input rows)", trace.inputs_before, trace.inputs_after, "w"),
                                         ("Negative-sampling output rows", trace.outputs_before, trace.outputs_after,
                                          "w"),
                                         ("Hierarchical-softmax node rows", trace.nodes_before, trace.nodes_after,
                                          "n")):
        if before is None:
            continue
        doc.para(f"{label}:")
        doc.table(["row", "at the start", last, "change"],
                  [[names.word(i) if matrix == "w" else f"n{i}", _vec(before[i]), _vec(after[i]),
                    _vec(after[i] - before[i], 6)]
                   for i in (names.shown if matrix == "w" else names.shown_nodes)])
    if trace.steps:
        before, after = sum(s.loss for s in trace.steps), sum(s.loss_after for s in trace.steps)
        doc.para(f"Every step's loss was recomputed on the same terms right after its update: "
                 f"{sum(s.loss_after < s.loss for s in trace.steps)} of {len(trace.steps)} went down "
                 f"(total {before:.6f} -> {after:.6f}).")
