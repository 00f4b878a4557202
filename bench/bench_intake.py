"""Benchmark: OCR of scanned letters (saraban.intake): exact-match accuracy of each field per
noise level and dpi, time per page and peak memory, over the corpus the tests make
(tests/intake_corpus.py: letters in Laksaman, rasterised by pdftoppm, with scan noise).

    .venv/bin/python bench/bench_intake.py --per-level 6
    .venv/bin/python bench/bench_intake.py --per-level 4 --steps ""        # stock Tesseract
    .venv/bin/python bench/bench_intake.py --per-level 4 --no-laksaman    # templates without it
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from saraban.intake.fields import STEPS as F_STEPS  # noqa: E402
from tests.intake_corpus import FIELDS, LEVELS, corpus, read_item, same  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-level", type=int, default=6)
    parser.add_argument("--dpi", default="200,300")
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--steps", default=",".join(F_STEPS),
                        help="corrections after Tesseract, comma-separated ('' for none)")
    parser.add_argument("--no-laksaman", action="store_true",
                        help="digit templates without the corpus's own font")
    args = parser.parse_args()
    from saraban.intake import fields as F
    from saraban.intake.ocr import available

    if not available():
        sys.exit("tesseract with Thai data is not installed")
    if args.no_laksaman:
        F.TEMPLATE_FONTS[:] = [f for f in F.TEMPLATE_FONTS if "Laksaman" not in f.name]
    steps = tuple(s for s in args.steps.split(",") if s)
    items = corpus(args.per_level, levels=args.levels.split(","),
                   dpis=tuple(int(d) for d in args.dpi.split(",")))
    hits: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[tuple, int] = defaultdict(int)
    seconds = 0.0
    misses = []
    for item in items:
        start = time.perf_counter()
        read = read_item(item, steps)
        seconds += time.perf_counter() - start
        group = (item.dpi, item.level)
        counts[group] += 1
        for name in FIELDS:
            if same(name, read[name], item.truth[name]):
                hits[group][name] += 1
            else:
                misses.append((item.name, name, read[name], item.truth[name]))
    print(f"steps: {','.join(steps) or 'none (stock Tesseract)'}; pages: {len(items)}")
    print(f"{'dpi':>4} {'level':<8} {'n':>3} " + " ".join(f"{n[:9]:>9}" for n in FIELDS))
    for group in sorted(counts):
        n = counts[group]
        print(f"{group[0]:>4} {group[1]:<8} {n:>3} "
              + " ".join(f"{100 * hits[group][f] / n:>8.0f}%" for f in FIELDS))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"time per page: {seconds / len(items):.2f} s (Tesseract and the fields)")
    print(f"peak memory: {peak:.0f} MB (Python), {child:.0f} MB (largest Tesseract or pdftoppm)")
    for miss in misses[:40]:
        print("miss", *miss, sep=" | ")


if __name__ == "__main__":
    main()
