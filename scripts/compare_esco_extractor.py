"""esco-skill-extractor (PyPI), measured the way scripts/eval-skills measures coproduce.

Run by scripts/compare-esco-extractor inside its virtualenv:

    python scripts/compare_esco_extractor.py FILE.jsonl... [--model DIR] [--top K] [--threads N]

The method is the installed package's own, called through its own code:
`SkillExtractor` loads the sentence-embedding model, reads its skills.csv
and embeds each skill's `description` column (or loads those embeddings from
the pickle it caches inside its package folder); a text is cut into pieces
by its `_texts_to_tokens`, the pieces are embedded with its model, and each
piece is compared with every skill by cosine similarity (a dot product of
normalised vectors). Where `get_skills` keeps each piece's best skill when it
scores over 0.6, here every skill is ranked by its best similarity over the
text's pieces, so that it can be scored like a ranker.

What it measures, for each FILE of {"text", "skills": [gold ESCO URIs]} lines:
  start-up   wall (and CPU) time of a fresh Python process that imports the package
             (and so torch, sentence-transformers, pandas) and builds a
             SkillExtractor, split into phases; once "cold" (the package's
             cached embeddings removed first, so it embeds 13,939 skills and
             the occupations) and then with its cache in place;
  texts/s    the texts ranked in one call (wall and CPU time), as get_skills takes a list, with
             torch limited to --threads threads (2 by default), after start-up;
  quality    hit@5, RP@5 and MRR from scripts/skill_metrics.py, the same code
             that scripts/eval-skills uses.

The model is only ever read from --model (models/all-MiniLM-L6-v2 by
default); nothing is downloaded (HF_HUB_OFFLINE is set).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

# Never reach for a model hub: the model is a local folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
sys.dont_write_bytecode = True  # leave no __pycache__ in scripts/
import skill_metrics  # noqa: E402  (found beside this file)

REPO = SCRIPTS.parent
PACKAGE = "esco_skill_extractor"
# The files SkillExtractor caches its embeddings in, inside its package folder.
CACHE_FILES = ("skill_embeddings.bin", "occupation_embeddings.bin")


def package_data_dir() -> Path:
    """The installed package's data folder, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        sys.exit(f"compare_esco_extractor: {PACKAGE} is not installed in {sys.prefix}")
    return Path(spec.origin).parent / "data"


def load_extractor(model: str, threads: int):
    """Imports the package and builds its SkillExtractor, timing each phase.

    Returns the extractor and {phase: seconds}. The phases are the
    constructor's own steps, timed by wrapping them, not rewritten.
    """
    phases: dict[str, float] = {}
    start = time.perf_counter()
    import torch
    from esco_skill_extractor import SkillExtractor

    torch.set_num_threads(threads)
    phases["import"] = time.perf_counter() - start

    def timed(name, step):
        def run(self):
            began = time.perf_counter()
            step(self)
            phases[name] = time.perf_counter() - began

        return run

    class TimedExtractor(SkillExtractor):
        _load_models = timed("model", SkillExtractor._load_models)
        _load_skills = timed("skills csv", SkillExtractor._load_skills)
        _load_occupations = timed("occupations csv", SkillExtractor._load_occupations)
        _create_skill_embeddings = timed("skill embeddings", SkillExtractor._create_skill_embeddings)
        _create_occupation_embeddings = timed(
            "occupation embeddings", SkillExtractor._create_occupation_embeddings
        )

    extractor = TimedExtractor(model=model, device="cpu")
    return extractor, phases


def rank(extractor, texts: list[str], top: int) -> list[list[str]]:
    """The `top` skill URIs for each text, best first, by the package's method.

    The same steps as its `_get_entity`, with the per-piece threshold replaced
    by a ranking of every skill by its best similarity over the text's pieces.
    """
    import torch
    from sentence_transformers import util

    pieces_per_text = extractor._texts_to_tokens(texts)
    pieces = [p for text_pieces in pieces_per_text for p in text_pieces]
    if not pieces:
        return [[] for _ in texts]
    embeddings = extractor._model.encode(
        pieces, device=extractor.device, normalize_embeddings=True, convert_to_tensor=True
    )
    similarity = util.dot_score(embeddings, extractor._skill_embeddings)
    ids = extractor._skill_ids
    k = min(top, similarity.shape[1])
    rankings, row = [], 0
    for text_pieces in pieces_per_text:
        count = len(text_pieces)
        if count == 0:
            rankings.append([])
            continue
        best, _ = torch.max(similarity[row : row + count], dim=0)
        rankings.append([ids[i] for i in torch.topk(best, k).indices.tolist()])
        row += count
    return rankings


def check_against_get_skills(extractor, texts: list[str]) -> str:
    """Checks that the ranking uses the package's own scores.

    Each skill that get_skills finds is some piece's best skill over its
    threshold, so it must be among the skills that `rank` scores over the
    threshold; and the top skill of a ranking, if over the threshold, must be
    one that get_skills finds.
    """
    import torch

    found = extractor.get_skills(texts)
    pieces_per_text = extractor._texts_to_tokens(texts)
    threshold = extractor.skills_threshold
    index = {uri: i for i, uri in enumerate(extractor._skill_ids)}
    problems = 0
    for text_pieces, skills in zip(pieces_per_text, found):
        if not text_pieces:
            problems += bool(skills)
            continue
        vectors = extractor._model.encode(
            text_pieces, device=extractor.device, normalize_embeddings=True, convert_to_tensor=True
        )
        best, _ = torch.max(vectors @ extractor._skill_embeddings.T, dim=0)
        over = {i for i in torch.nonzero(best > threshold).flatten().tolist()}
        if not {index[uri] for uri in skills} <= over:
            problems += 1
        top = int(torch.argmax(best))
        if best[top] > threshold and extractor._skill_ids[top] not in skills:
            problems += 1
    return f"{len(texts)} texts checked against get_skills: {problems} disagreements"


def startup_child(args) -> None:
    """--startup-only: build the extractor, print the phases as JSON, exit."""
    _, phases = load_extractor(args.model, args.threads)
    print(json.dumps(phases))


def children_cpu() -> float:
    """CPU seconds (user and system) used so far by this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_startup(args, cold: bool) -> tuple[float, float, dict[str, float]]:
    """Wall and CPU time of a fresh process that imports the package and builds a SkillExtractor.

    The CPU time, which the other work on a shared machine does not inflate
    as much as the wall time, is reported beside it.
    """
    if cold:
        for name in CACHE_FILES:
            (package_data_dir() / name).unlink(missing_ok=True)
    command = [sys.executable, __file__, "--startup-only", "--model", args.model,
               "--threads", str(args.threads)]
    began, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    wall, cpu = time.perf_counter() - began, children_cpu() - cpu
    return wall, cpu, json.loads(done.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def describe(phases: dict[str, float]) -> str:
    return ", ".join(f"{name} {secs:.2f}" for name, secs in phases.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="JSON lines of {text, skills}")
    parser.add_argument("--model", default=str(REPO / "models" / "all-MiniLM-L6-v2"))
    parser.add_argument("--top", type=int, default=100, help="skills ranked per text (MRR's cut)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--warm-runs", type=int, default=3,
                        help="start-ups timed with the cache in place (the median is reported)")
    parser.add_argument("--no-cold", action="store_true",
                        help="keep the package's cached embeddings: skip the cold start-up")
    parser.add_argument("--check", type=int, default=50,
                        help="texts of each file checked against get_skills (0: none)")
    parser.add_argument("--startup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not Path(args.model, "config.json").is_file():
        sys.exit(f"compare_esco_extractor: no model in {args.model} (run scripts/fetch-models)")
    args.model = str(Path(args.model).resolve())
    if args.startup_only:
        startup_child(args)
        return
    if not args.files:
        parser.error("give at least one FILE.jsonl")

    import esco_skill_extractor
    import sentence_transformers
    import torch

    print(f"esco-skill-extractor {importlib.metadata.version('esco-skill-extractor')}, "
          f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}, "
          f"model {args.model}, {args.threads} torch threads")
    del esco_skill_extractor

    if not args.no_cold:
        wall, cpu, phases = time_startup(args, cold=True)
        print(f"start-up, cold (no cached embeddings): {wall:.2f} s, CPU {cpu:.2f} s"
              f"  [{describe(phases)}]  load {load_average()}")
    warm = []
    for _ in range(args.warm_runs):
        # With --no-cold and no cache yet, the first of these is the cold one.
        cached = all((package_data_dir() / name).exists() for name in CACHE_FILES)
        wall, cpu, phases = time_startup(args, cold=False)
        if cached:
            warm.append(wall)
        kind = "cached embeddings" if cached else "cold (no cached embeddings)"
        print(f"start-up, {kind}: {wall:.2f} s, CPU {cpu:.2f} s  [{describe(phases)}]"
              f"  load {load_average()}")
    startup = sorted(warm)[len(warm) // 2] if warm else 0.0

    extractor, _ = load_extractor(args.model, args.threads)
    for path in args.files:
        texts = skill_metrics.read_texts(path)
        golds = skill_metrics.read_gold(path)
        began, cpu = time.perf_counter(), time.process_time()
        rankings = rank(extractor, texts, args.top)
        secs, cpu = time.perf_counter() - began, time.process_time() - cpu
        scores = skill_metrics.score(golds, rankings)
        system = "esco-skill-extractor's method, ranked by similarity"
        print(skill_metrics.report(path, system, scores, startup, len(texts), secs)
              + f"  load {load_average()}")
        print(f"  ranking used {cpu:.2f} CPU s ({len(texts) / cpu:.1f} texts per CPU second)")
        if args.check:
            print("  " + check_against_get_skills(extractor, texts[: args.check]))


if __name__ == "__main__":
    main()
