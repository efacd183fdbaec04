"""Noise distributions: every source of negatives can ``sample`` ids *and* report ``log_prob(ids)``.

Because every sampler reports the probability it sampled with, every loss that needs a correction
(NCE's ``log(k*Q)``, sampled softmax's ``logQ``) gets it for free, and the compiled word2vec kernels
draw from the very same alias table as the NumPy (and PyTorch) samplers.

Every distribution is backed by one alias table with two back ends:

* NumPy (default): ``sample(size, rng)`` returns an int64 array, drawn by a compiled kernel seeded
  from the ``numpy.random.Generator``.
* PyTorch: pass ``device=`` and/or ``generator=`` (a ``torch.Generator``) and ``sample`` returns a
  LongTensor on that device; ``log_prob(tensor)`` returns a float tensor on the tensor's device. Torch
  is imported only when one of these paths is used, and the table is copied to each device once.

Example
-------
>>> import numpy as np
>>> from negsample.noise import Uniform, Unigram
>>> ids = Unigram([100, 10, 1]).sample((2, 3), rng=0)     # int64, shape (2, 3)
>>> np.exp(Uniform(4).log_prob(ids % 4)).tolist()
[[0.25, 0.25, 0.25], [0.25, 0.25, 0.25]]
"""

from .base import NoiseDistribution, as_generator
from .candidates import sample_candidates
from .distributions import Empirical, LogUniform, Uniform, Unigram
from .streaming import StreamingFrequency

__all__ = ["Empirical", "LogUniform", "NoiseDistribution", "StreamingFrequency", "Uniform", "Unigram", "as_generator",
           "sample_candidates"]
