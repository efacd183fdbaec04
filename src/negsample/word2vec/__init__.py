"""word2vec: skip-gram and CBOW with negative sampling and/or hierarchical softmax.

Everything text lives in this wing: reading and encoding corpora (:mod:`.corpus`), the Huffman
tree (:mod:`.huffman`), subsampling (:mod:`.subsampling`), the objectives the kernels take
(:mod:`.objectives`), the thread engine (:mod:`.training`), the trainer (:mod:`.model`), the
slow NumPy twin of the kernels (:mod:`.reference`), the trace mode that replays it with every
number shown (:func:`trace`, rendered by :mod:`.trace_render`) and analogy / word-pair evaluation.
"""

import sys
import types
from importlib import import_module

from .._lazy import lazy_exports
from .config import Word2VecConfig

# The rest is imported on first use (PEP 562): the settings (and the command line's help) need no
# Numba.
_LAZY = {"Corpus": "corpus", "CorpusError": "corpus", "Word2Vec": "model", "EpochStats": "training",
         "TrainingDivergedError": "training"}

# The evaluation module (negsample.word2vec.evaluation) is not imported here: it pulls in SciPy's
# statistics, which training does not need.
# ``trace`` is the function: it shadows the module's name here (import the module's other names
# with ``from negsample.word2vec.trace import ...``).
__all__ = ["Corpus", "CorpusError", "EpochStats", "TrainingDivergedError", "Word2Vec", "Word2VecConfig", "trace"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)


class _Package(types.ModuleType):
    """``negsample.word2vec.trace`` is the function, though a submodule of that name exists:
    importing the submodule (which binds it on its package) leaves the function in place."""

    @property
    def trace(self):
        return import_module(".trace", __name__).trace

    @trace.setter
    def trace(self, module):
        pass


sys.modules[__name__].__class__ = _Package
