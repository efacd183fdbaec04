"""Evaluation shared by every wing: ranking a whole catalogue chunk by chunk, known pairs left out
(:mod:`.full_ranking`), and the metrics over what was ranked (Recall / Precision / Hits / NDCG @ K, MRR,
catalogue coverage, mean popularity: :mod:`.ranking`).

Word-level evaluation (analogies, word pairs) belongs to the word2vec wing:
:mod:`negsample.word2vec.evaluation`.

Example
-------
>>> from negsample.evaluation import hits_at_k
>>> hits_at_k([[4, 2, 7], [1, 0, 3]], [2, 3], k=2)   # ranked ids (n_queries, n_ranked), true ids (n_queries,)
0.5
"""

from .full_ranking import ExclusionIndex, hits_from_ranks, mrr_from_ranks, target_ranks, top_k
from .ranking import (
    catalogue_coverage,
    hits_at_k,
    mean_popularity,
    mrr,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

__all__ = ["ExclusionIndex", "catalogue_coverage", "hits_at_k", "hits_from_ranks", "mean_popularity", "mrr",
           "mrr_from_ranks", "ndcg_at_k", "precision_at_k", "recall_at_k", "target_ranks", "top_k"]
