"""The two-tower training loop: epochs of shuffled batches, Adam, validation and early stopping, a
progress bar and the training log; DistributedDataParallel under ``torchrun``.

Under ``torchrun --nproc-per-node N`` (environment variables ``RANK``, ``WORLD_SIZE``, ...) the
process group is started here (gloo on CPU, NCCL on CUDA). Every rank shuffles with the same seed and
takes its contiguous share of each global batch (:func:`negsample.retrieval.distributed.local_rows`);
its loss is ``sum / (G / N)`` over its rows, so the gradients DDP averages are those of the global
batch's mean loss, and with in-batch negatives gathered across ranks N processes take the step one
process would take.

Example
-------
>>> from negsample.recsys.training import start_distributed
>>> start_distributed("cpu")          # no torchrun here: (rank, world size) of one process
(0, 1)
"""

from __future__ import annotations

import functools
import math
import os
import time

from .._torch import require_torch
from ..retrieval.distributed import local_rows, rank_and_world_size
from .config import parse_metric

torch = require_torch()

__all__ = ["TrainStep", "start_distributed", "train_towers", "training_state"]


def start_distributed(device) -> tuple[int, int]:
    """Join the process group ``torchrun`` describes (if any, and not joined yet); ``(rank, world size)``."""
    dist = torch.distributed
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and dist.is_available() and not dist.is_initialized():
        backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
        dist.init_process_group(backend)
    return rank_and_world_size()


class TrainStep(torch.nn.Module):
    """Both towers and the objective, so that one ``forward`` (the one DDP wraps) computes the loss."""

    def __init__(self, user_tower, item_tower, objective):
        super().__init__()
        self.user_tower, self.item_tower = user_tower, item_tower
        self.objective = objective

    def forward(self, users, items, weights, scale: float, step: int, offset: int, equal_sizes: bool):
        pos, neg = self.objective.scores(self.user_tower, self.item_tower, users, items, step=step, offset=offset,
                                         equal_sizes=equal_sizes)
        rows = self.objective.row_loss(pos, neg)
        if weights is not None:
            rows = rows * weights
        return rows.sum() * scale


def _improved(value: float, best: float | None) -> bool:
    return best is None or value > best


def train_towers(step_module: TrainStep, users, items, weights, config, *, validate=None, refresh_hard=None,
                 progress: bool = False, log=None, device="cpu", checkpoint=None, resume=None) -> list[dict]:
    """Train in place; returns one record per epoch (loss, seconds, validation metrics).

    Parameters
    ----------
    step_module : TrainStep
    users, items : LongTensor, shape (n,), on ``device``
        The training interactions.
    weights : FloatTensor, shape (n,), or None
    config : TwoTowerConfig
    validate : callable () -> dict of metrics, optional
        Called every ``config.eval_every`` epochs; early stopping watches ``config.early_stopping``
        and the best epoch's weights are restored at the end.
    refresh_hard : callable () -> None, optional
        Recomputes the hard-negative pools (every ``config.hard_refresh`` epochs, from epoch 2 on).
    log : TrainingLog, optional
    checkpoint : callable (epochs_done, state_fn, final) -> None, optional
        Called at the end of every epoch (``final``: the last one, or early stopping ends the fit)
        with a function returning the whole training state (towers, Adam's moments, both random
        streams, the objective's memory, early-stopping bookkeeping and the history; see
        :func:`training_state`); it decides whether a checkpoint is due.
    resume : dict, optional
        A state :func:`training_state` returned: training continues after its epoch, exactly as the
        uninterrupted run would have (same seed, CPU: the same weights bit for bit).
    """
    rank, world_size = rank_and_world_size()
    module = step_module
    if world_size > 1:
        on_cuda = torch.device(device).type == "cuda"
        module = torch.nn.parallel.DistributedDataParallel(
            step_module, device_ids=[torch.device(device)] if on_cuda else None, broadcast_buffers=False)
    optimizer = torch.optim.Adam(step_module.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    shuffle = torch.Generator(device=device).manual_seed(config.seed + 1)  # the same on every rank
    n = users.shape[0]
    batch = config.batch_size
    num_batches = math.ceil(n / batch)
    watched = config.early_stopping if validate is not None else None
    if watched is not None:
        parse_metric(watched)
    best, best_state, waited, history, step, first, stopped = None, None, 0, [], 0, 1, False
    if resume is not None:
        step_module.load_state_dict(resume["model"])
        moments = optimizer.state_dict()
        moments["state"] = resume["optimizer"]
        optimizer.load_state_dict(moments)
        shuffle.set_state(resume["shuffle"].cpu())
        step_module.objective.load_state(resume["objective"])
        best, best_state, waited = resume["best"], resume["best_model"], resume["waited"]
        history, step, first, stopped = list(resume["history"]), resume["step"], resume["epoch"] + 1, resume["stopped"]
    show = progress and rank == 0
    for epoch in range(first, 0 if stopped else config.epochs + 1):
        if refresh_hard is not None and epoch > 1 and (epoch - 2) % config.hard_refresh == 0:
            step_module.eval()
            refresh_hard()
        step_module.train()
        started = time.perf_counter()
        # One gather per epoch: every batch is then a slice (a view) of the shuffled interactions.
        order = torch.randperm(n, device=device, generator=shuffle)
        epoch_users, epoch_items = users[order], items[order]
        epoch_weights = None if weights is None else weights[order]
        total = torch.zeros((), device=device)
        bar = _bar(num_batches, epoch, config.epochs, show)
        for b in range(num_batches):
            start = b * batch
            size = min(batch, n - start)
            mine = local_rows(size, rank, world_size)
            rows = slice(start + mine.start, start + mine.stop)
            step += 1
            loss = module(epoch_users[rows], epoch_items[rows], None if weights is None else epoch_weights[rows],
                          world_size / size, step, mine.start, size % world_size == 0)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * size / world_size
            if bar is not None:
                bar.update(1)
                if b % 20 == 19 or b == num_batches - 1:
                    bar.set_postfix(loss=f"{float(total) / min(n, (b + 1) * batch):.4f}", refresh=False)
        seconds = time.perf_counter() - started
        record = {"epoch": epoch, "loss": float(total) / n * world_size, "seconds": seconds}
        if validate is not None and (epoch % config.eval_every == 0 or epoch == config.epochs):
            step_module.eval()
            record["metrics"] = {f"valid_{k}": v for k, v in validate().items()}
        history.append(record)
        if bar is not None:
            if "metrics" in record and watched is not None:
                value = record["metrics"][f"valid_{watched}"]
                bar.set_postfix(loss=f"{record['loss']:.4f}", **{watched: f"{value:.4f}"})
            bar.close()
        if log is not None and rank == 0:
            log.epoch(epoch=epoch, loss=record["loss"], seconds=seconds, per_second=n / max(seconds, 1e-9),
                      lr=config.lr, metrics=record.get("metrics"))
        if watched is not None and "metrics" in record:
            value = record["metrics"][f"valid_{watched}"]
            if _improved(value, best):
                best, waited = value, 0
                best_state = {k: v.detach().clone() for k, v in step_module.state_dict().items()}
            else:
                waited += 1
                stopped = waited >= config.patience
        if checkpoint is not None and rank == 0:
            final = stopped or epoch == config.epochs
            checkpoint(epoch, functools.partial(
                training_state, step_module, optimizer, shuffle, epoch=epoch, step=step, best=best,
                best_model=best_state, waited=waited, history=history, stopped=final), final)
        if stopped:
            break
    if best_state is not None:
        step_module.load_state_dict(best_state)
    step_module.eval()
    return history


def training_state(step_module: TrainStep, optimizer, shuffle, *, epoch: int, step: int, best, best_model,
                   waited: int, history: list, stopped: bool) -> dict:
    """The whole state of a fit after ``epoch``: what :func:`train_towers` needs to go on (``resume=``).

    Tensors under ``model``, ``best_model`` (None without early stopping), ``optimizer`` (Adam's
    per-parameter state, keyed by parameter index), ``shuffle`` and ``objective``; plain values
    (``epoch``, ``step``, ``best``, ``waited``, ``history``, ``stopped``) otherwise. Tensors are
    copies (detached), so the state can be written out while training goes on.
    """
    copy = lambda t: t.detach().clone() if isinstance(t, torch.Tensor) else t  # noqa: E731
    return {"model": {k: copy(v) for k, v in step_module.state_dict().items()},
            "best_model": None if best_model is None else {k: copy(v) for k, v in best_model.items()},
            "optimizer": {i: {k: copy(v) for k, v in state.items()}
                          for i, state in optimizer.state_dict()["state"].items()},
            "shuffle": shuffle.get_state(), "objective": {k: copy(v) for k, v in step_module.objective.state().items()},
            "epoch": epoch, "step": step, "best": best, "waited": waited, "history": [dict(r) for r in history],
            "stopped": bool(stopped)}


def _bar(total: int, epoch: int, epochs: int, show: bool):
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=True, dynamic_ncols=True)
