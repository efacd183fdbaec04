"""word2vec: skip-gram and CBOW with negative sampling and/or hierarchical softmax."""

from .config import Word2VecConfig
from .model import EpochStats, TrainingDivergedError, Word2Vec

__all__ = ["EpochStats", "TrainingDivergedError", "Word2Vec", "Word2VecConfig"]
