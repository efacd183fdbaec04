"""Evaluation shared by every wing: ranking metrics (Recall / Hits / NDCG @ K, MRR) in :mod:`.ranking`.

Word-level evaluation (analogies, word pairs) belongs to the word2vec wing:
:mod:`negsample.word2vec.evaluation`.

Example
-------
>>> from negsample.evaluation import hits_at_k
>>> hits_at_k([[4, 2, 7], [1, 0, 3]], [2, 3], k=2)   # ranked ids (n_queries, n_ranked), true ids (n_queries,)
0.5
"""

from .ranking import hits_at_k, mrr, ndcg_at_k, recall_at_k

__all__ = ["hits_at_k", "mrr", "ndcg_at_k", "recall_at_k"]
