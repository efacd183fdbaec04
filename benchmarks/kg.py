"""Knowledge-graph embeddings: negsample against PyKEEN, side by side, with the same settings.

Scenarios (``--scenario``):

* ``small``: Nations, UMLS and Kinships; TransE (L1, margin ranking), DistMult and ComplEx (softplus),
  RotatE (PyKEEN's L2 form, self-adversarial); the same dimension, negatives per positive, loss,
  epochs, batch size, optimizer and learning rate in both systems; 3 seeds. Filtered MRR and
  Hits@10 on the test set (ties as the mean of optimistic and pessimistic rank in both: PyKEEN's
  "realistic" rank), training wall time, training triples per second, evaluation time.
* ``curve``: WN18RR, one setting run by both systems for the same number of epochs, the filtered
  validation MRR measured every few epochs against the training wall time so far (validation time
  not counted): a time-to-accuracy curve of each, then the test metrics.
* ``target``: WN18RR, negsample alone, the configuration meant to reach filtered test MRR >= 0.45
  within 60 minutes of training on 2 CPU cores (time budget enforced by ``max_seconds``); the
  evaluation time of the whole test set is reported.

Every run is a fresh subprocess (imports, memory and threads do not leak between systems). Both
systems' one-time imports (torch's optimizer compilation machinery) are paid before timing starts.
negsample uses shared negatives (every ``chunk_size`` triples of a batch share their K corruptions,
scored as one matrix product); PyKEEN draws K corruptions per triple (its basic sampler). Both corrupt
the head or the tail with probability 1/2 and neither filters the training negatives.

Run (each inside ``flock /tmp/negsample-bench.lock`` so that timed runs do not overlap)::

    python benchmarks/kg.py --scenario small
    python benchmarks/kg.py --scenario curve
    python benchmarks/kg.py --scenario target

Writes ``benchmarks/results/kg_<scenario>.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("NEGSAMPLE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "kg"
SYSTEMS = ("negsample", "pykeen")
SMALL_GRAPHS = ("nations", "umls", "kinships")

# The settings both systems get. "rotate" is scored as PyKEEN scores it (p=2, the L2 norm of the
# complex difference), so that the two run the same model.
SMALL_COMMON = dict(dim=128, negatives=32, batch_size=512, lr=0.01, epochs=100)
SMALL_MODELS = {
    "transe": dict(model="transe", p=1, loss="margin", margin=1.0),
    "distmult": dict(model="distmult", loss="softplus"),
    "complex": dict(model="complex", loss="softplus"),
    "rotate": dict(model="rotate", p=2, loss="self_adversarial", margin=9.0, temperature=1.0),
}
SMALL_CHUNK = 32  # negsample's shared negatives: triples per chunk
CURVE = dict(model="complex", loss="softmax", dim=200, negatives=128, batch_size=512, lr=0.003, epochs=8,
             inverse=True, eval_every=2)
CURVE_CHUNK = 512
TARGET = dict(model="complex", loss="softmax", dim=200, negatives=2048, chunk_size=512, batch_size=512, lr=0.003,
              inverse=True, regularizer="n3", regularization=0.05, epochs=1000, eval_every=2, patience=3,
              max_seconds=3600.0)

PYKEEN_MODELS = {"transe": "TransE", "distmult": "DistMult", "complex": "ComplEx", "rotate": "RotatE"}
PYKEEN_LOSSES = {"margin": "marginranking", "softplus": "softplus", "self_adversarial": "nssa",
                 "softmax": "crossentropy"}


# ---------------------------------------------------------------------- workers (one run each)
def _warm_up(torch) -> None:
    """Pay the one-time import of torch's optimizer machinery before any clock starts."""
    parameter = torch.nn.Parameter(torch.zeros(2))
    parameter.grad = torch.zeros(2)
    torch.optim.Adam([parameter]).step()


def _read(graph: str, data: Path):
    from negsample.kg import Triples

    root = data / graph
    return Triples.from_files(root / "train.txt", root / "valid.txt", root / "test.txt", unseen="keep")


def _negsample_run(spec: dict) -> dict:
    import torch

    from negsample.kg import KGModel

    _warm_up(torch)
    triples = _read(spec["graph"], Path(spec["data"]))
    settings = dict(spec["settings"], seed=spec["seed"])
    settings.setdefault("eval_every", 0)
    curve = []

    def on_epoch(record):
        if "metrics" in record:
            curve.append({"epoch": record["epoch"], "seconds": record["elapsed"],
                          "valid_mrr": record["metrics"]["valid_mrr"]})

    started = time.perf_counter()
    model = KGModel(progress=False, **settings).fit(triples, on_epoch=on_epoch)
    wall = time.perf_counter() - started
    train_seconds = model.history[-1]["elapsed"]
    started = time.perf_counter()
    result = model.evaluate(triples, "test")
    eval_seconds = time.perf_counter() - started
    epochs = len(model.history)
    return {"mrr": result.mrr, "hits@1": result.hits[1], "hits@10": result.hits[10],
            "train_seconds": train_seconds, "fit_seconds": wall, "eval_seconds": eval_seconds, "epochs": epochs,
            "triples_per_second": len(triples.train) * (2 if settings.get("inverse") else 1) * epochs / train_seconds,
            "curve": curve, "unseen_test_triples": len({(u.line) for u in triples.unseen if u.split == "test"})}


def _pykeen_run(spec: dict) -> dict:
    import torch
    from pykeen.evaluation import RankBasedEvaluator
    from pykeen.pipeline import pipeline
    from pykeen.training.callbacks import TrainingCallback
    from pykeen.triples import TriplesFactory

    _warm_up(torch)
    settings = spec["settings"]
    triples = _read(spec["graph"], Path(spec["data"]))
    entity_to_id = {label: i for i, label in enumerate(triples.entities)}
    relation_to_id = {label: i for i, label in enumerate(triples.relations)}
    inverse = bool(settings.get("inverse"))

    def factory(ids):  # the very ids negsample uses
        return TriplesFactory(mapped_triples=torch.as_tensor(ids), entity_to_id=entity_to_id,
                              relation_to_id=relation_to_id, create_inverse_triples=inverse)

    training, validation, testing = factory(triples.train), factory(triples.valid), factory(triples.test)
    model_kwargs = {"embedding_dim": settings["dim"]}
    if settings["model"] == "transe":
        model_kwargs["scoring_fct_norm"] = settings["p"]
    if settings["model"] in ("distmult", "complex"):
        model_kwargs["regularizer"] = None  # negsample trains these without a regulariser too
    loss_kwargs = {}
    if settings["loss"] in ("margin", "self_adversarial"):
        loss_kwargs["margin"] = settings["margin"]
    if settings["loss"] == "self_adversarial":
        loss_kwargs["adversarial_temperature"] = settings["temperature"]
    every = settings.get("eval_every", 0)
    curve = []

    class Curve(TrainingCallback):
        """Filtered validation MRR every ``every`` epochs against training time (validation excluded)."""

        def __init__(self):
            super().__init__()
            self.training, self.last, self.paused = 0.0, time.perf_counter(), 0.0

        def post_epoch(self, epoch, epoch_loss, **kwargs):
            now = time.perf_counter()
            self.training += now - self.last
            if every and epoch % every == 0:
                evaluator = RankBasedEvaluator(filtered=True)
                metrics = evaluator.evaluate(self.model, validation.mapped_triples,
                                             additional_filter_triples=[training.mapped_triples], use_tqdm=False)
                curve.append({"epoch": epoch, "seconds": self.training,
                              "valid_mrr": metrics.get_metric("both.realistic.inverse_harmonic_mean_rank")})
            self.last = time.perf_counter()
            self.paused += self.last - now

    callback = Curve()
    result = pipeline(
        training=training, validation=validation, testing=testing, model=PYKEEN_MODELS[settings["model"]],
        model_kwargs=model_kwargs, loss=PYKEEN_LOSSES[settings["loss"]], loss_kwargs=loss_kwargs,
        negative_sampler="basic", negative_sampler_kwargs={"num_negs_per_pos": settings["negatives"]},
        optimizer="adam", optimizer_kwargs={"lr": settings["lr"]},
        training_kwargs={"num_epochs": settings["epochs"], "batch_size": settings["batch_size"], "use_tqdm": False,
                         "callbacks": [callback]},
        evaluator_kwargs={"filtered": True}, random_seed=spec["seed"], device="cpu", use_tqdm=False,
    )
    metrics = result.metric_results
    train_seconds = result.train_seconds - callback.paused
    return {"mrr": metrics.get_metric("both.realistic.inverse_harmonic_mean_rank"),
            "hits@1": metrics.get_metric("both.realistic.hits_at_1"),
            "hits@10": metrics.get_metric("both.realistic.hits_at_10"),
            "train_seconds": train_seconds, "fit_seconds": result.train_seconds,
            "eval_seconds": result.evaluate_seconds, "epochs": settings["epochs"],
            "triples_per_second": training.num_triples * (2 if inverse else 1) * settings["epochs"] / train_seconds,
            "curve": curve}


def _worker(spec: dict) -> None:
    import torch

    torch.set_num_threads(spec["threads"])
    run = _negsample_run if spec["system"] == "negsample" else _pykeen_run
    print("RESULT " + json.dumps(run(spec)), flush=True)


def _spawn(spec: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True,
                          env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{spec['system']} on {spec['graph']} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


# ---------------------------------------------------------------------- scenarios
def _summary(runs: list[dict]) -> dict:
    out = {"runs": runs}
    for key in ("mrr", "hits@10", "train_seconds", "triples_per_second", "eval_seconds"):
        values = [r[key] for r in runs]
        out[key] = {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    return out


def scenario_small(args) -> dict:
    results = {}
    for graph in args.graphs or SMALL_GRAPHS:
        for name in args.models or list(SMALL_MODELS):
            settings = {**SMALL_COMMON, **SMALL_MODELS[name]}
            for system in SYSTEMS:
                runs = []
                for seed in args.seeds:
                    own = dict(settings, chunk_size=SMALL_CHUNK) if system == "negsample" else settings
                    spec = {"system": system, "graph": graph, "data": str(args.data), "settings": own,
                            "seed": seed, "threads": args.threads}
                    runs.append(_spawn(spec))
                    r = runs[-1]
                    print(f"{graph:9s} {name:9s} {system:9s} seed {seed}: MRR {r['mrr']:.4f} H@10 {r['hits@10']:.4f} "
                          f"train {r['train_seconds']:6.1f} s ({r['triples_per_second']:9,.0f} triples/s) "
                          f"eval {r['eval_seconds']:.2f} s", flush=True)
                results.setdefault(graph, {}).setdefault(name, {})[system] = _summary(runs)
    return {"settings": {"common": SMALL_COMMON, "models": SMALL_MODELS, "negsample_chunk_size": SMALL_CHUNK},
            "results": results}


def scenario_curve(args) -> dict:
    results = {}
    for system in SYSTEMS:
        own = dict(CURVE, chunk_size=CURVE_CHUNK) if system == "negsample" else CURVE
        spec = {"system": system, "graph": "wn18rr", "data": str(args.data), "settings": own,
                "seed": args.seeds[0], "threads": args.threads}
        r = _spawn(spec)
        results[system] = r
        print(f"wn18rr {system}: curve {[(round(p['seconds']), round(p['valid_mrr'], 4)) for p in r['curve']]}; "
              f"test MRR {r['mrr']:.4f}, {r['triples_per_second']:,.0f} triples/s, eval {r['eval_seconds']:.1f} s",
              flush=True)
    return {"settings": {"both": CURVE, "negsample_chunk_size": CURVE_CHUNK}, "results": results}


def scenario_target(args) -> dict:
    spec = {"system": "negsample", "graph": "wn18rr", "data": str(args.data), "settings": TARGET,
            "seed": args.seeds[0], "threads": args.threads}
    r = _spawn(spec)
    print(f"wn18rr target: test MRR {r['mrr']:.4f} H@10 {r['hits@10']:.4f} after {r['epochs']} epochs, "
          f"{r['train_seconds']:.0f} s training, test evaluation {r['eval_seconds']:.1f} s", flush=True)
    return {"settings": TARGET, "results": {"negsample": r}}


# ---------------------------------------------------------------------- report
def _pm(stat: dict, digits: int = 4) -> str:
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def markdown(report: dict) -> str:
    scenario = report["scenario"]
    lines = [f"# Knowledge-graph embeddings: negsample vs PyKEEN ({scenario})", "", "Reproduce with:", "",
             "```", *report.get("commands", [report["command"]]), "```", ""]
    if scenario == "small":
        common = report["settings"]["common"]
        lines += [f"Settings of both systems: dim {common['dim']}, {common['negatives']} negatives per positive, "
                  f"batch {common['batch_size']}, Adam lr {common['lr']}, {common['epochs']} epochs; models and "
                  f"losses as in the rows. negsample shares each chunk of {report['settings']['negsample_chunk_size']} "
                  f"triples' negatives. Mean ± std over seeds {report['seeds']}; {report['threads']} torch "
                  "thread(s). Filtered test MRR and Hits@10 (realistic ties); train = training wall time.", "",
                  "| graph | model (loss) | system | MRR | Hits@10 | train s | triples/s | eval s | speed-up |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for graph, models in report["results"].items():
            for name, systems in models.items():
                loss = SMALL_MODELS[name]["loss"]
                base = systems["pykeen"]["triples_per_second"]["mean"]
                for system, s in systems.items():
                    speed = s["triples_per_second"]["mean"] / base
                    lines.append(f"| {graph} | {name} ({loss}) | {system} | {_pm(s['mrr'])} | {_pm(s['hits@10'])} | "
                                 f"{s['train_seconds']['mean']:.1f} | {s['triples_per_second']['mean']:,.0f} | "
                                 f"{s['eval_seconds']['mean']:.2f} | {speed:.1f}x |")
    elif scenario == "curve":
        lines += [f"Settings of both: {json.dumps(report['settings']['both'])}; negsample chunk size "
                  f"{report['settings']['negsample_chunk_size']}; seed {report['seeds'][0]}; {report['threads']} "
                  "torch thread(s). Validation MRR (filtered) against training seconds (validation not counted).", "",
                  "| system | epoch | training s | valid MRR |", "|---|---|---|---|"]
        for system, r in report["results"].items():
            lines += [f"| {system} | {p['epoch']} | {p['seconds']:.0f} | {p['valid_mrr']:.4f} |" for p in r["curve"]]
        lines += ["", "| system | test MRR | Hits@10 | train s | triples/s | test eval s |",
                  "|---|---|---|---|---|---|"]
        for system, r in report["results"].items():
            lines.append(f"| {system} | {r['mrr']:.4f} | {r['hits@10']:.4f} | {r['train_seconds']:.0f} | "
                         f"{r['triples_per_second']:,.0f} | {r['eval_seconds']:.1f} |")
    else:
        r = report["results"]["negsample"]
        lines += [f"Configuration: {json.dumps(report['settings'])}; seed {report['seeds'][0]}; {report['threads']} "
                  "torch thread(s).", "",
                  "| epoch | training s | valid MRR |", "|---|---|---|"]
        lines += [f"| {p['epoch']} | {p['seconds']:.0f} | {p['valid_mrr']:.4f} |" for p in r["curve"]]
        lines += ["", f"Test (best validated weights): filtered MRR {r['mrr']:.4f}, Hits@1 {r['hits@1']:.4f}, "
                  f"Hits@10 {r['hits@10']:.4f} after {r['epochs']} epochs and {r['train_seconds']:.0f} s of training "
                  f"({r['triples_per_second']:,.0f} triples/s); whole test set evaluated in {r['eval_seconds']:.1f} s."]
    lines += ["", f"Total {report['total_seconds']:.0f} s; {report['platform']}."]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=("small", "curve", "target"), default="small")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory with nations/ umls/ ...")
    parser.add_argument("--graphs", nargs="+", choices=SMALL_GRAPHS, help="small scenario: graphs (default all)")
    parser.add_argument("--models", nargs="+", choices=list(SMALL_MODELS), help="small scenario: models (default all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=2, help="torch threads of every run")
    parser.add_argument("--update", action="store_true",
                        help="small scenario: replace only the rows run now in an existing kg_small.json")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> dict | None:
    args = parse_args(argv)
    if args.worker:
        _worker(json.loads(args.worker))
        return None
    if not args.data.is_dir():
        sys.exit(f"kg.py: no knowledge-graph data at {args.data} (expected ../shared/data/kg); pass --data DIR")
    import pykeen
    import torch

    command = "python benchmarks/kg.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    report = {"scenario": args.scenario, "command": command.strip(), "seeds": args.seeds, "threads": args.threads}
    report.update({"small": scenario_small, "curve": scenario_curve, "target": scenario_target}[args.scenario](args))
    report["total_seconds"] = time.perf_counter() - started
    report["commands"] = [report["command"]]
    stem = args.out / f"kg_{args.scenario}"
    if args.update and stem.with_suffix(".json").is_file():
        old = json.loads(stem.with_suffix(".json").read_text())
        for graph, models in report["results"].items():
            old["results"].setdefault(graph, {}).update(models)
        old["commands"] = old.get("commands", [old["command"]]) + [report["command"]]
        old["total_seconds"] += report["total_seconds"]
        report = old
    report["platform"] = (f"python {platform.python_version()}, torch {torch.__version__}, "
                          f"pykeen {pykeen.get_version()}, {os.cpu_count()} CPUs")
    args.out.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(report, indent=1))
    stem.with_suffix(".md").write_text(markdown(report))
    print(f"wrote {stem}.json and {stem}.md")
    return report


if __name__ == "__main__":
    main()
