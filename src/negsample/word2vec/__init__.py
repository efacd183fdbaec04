"""word2vec: skip-gram and CBOW with negative sampling and/or hierarchical softmax.

Everything text lives in this wing: reading and encoding corpora (:mod:`.corpus`), the Huffman
tree (:mod:`.huffman`), subsampling (:mod:`.subsampling`), the objectives the kernels take
(:mod:`.objectives`), the thread engine (:mod:`.training`), the trainer (:mod:`.model`), the
slow NumPy twin of the kernels (:mod:`.reference`), the trace mode that replays it with every
number shown (:func:`trace`, rendered by :mod:`.trace_render`) and analogy / word-pair evaluation.
"""

from .config import Word2VecConfig
from .corpus import Corpus, CorpusError
from .model import Word2Vec
from .trace import trace
from .training import EpochStats, TrainingDivergedError

# The evaluation module (negsample.word2vec.evaluation) is not imported here: it pulls in SciPy's
# statistics, which training does not need.
# ``trace`` is the function: it shadows the module's name here (import the module's other names
# with ``from negsample.word2vec.trace import ...``).
__all__ = ["Corpus", "CorpusError", "EpochStats", "TrainingDivergedError", "Word2Vec", "Word2VecConfig", "trace"]
