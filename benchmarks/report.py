"""Summarise pytest-benchmark JSON files: per group, each benchmark's median and its ratio to the group's
fastest (the plain endpoint is the physical limit). ``python -m benchmarks.report run1.json run2.json``"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def summarise(path: Path) -> str:
    data = json.loads(path.read_text())
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for bench in data["benchmarks"]:
        groups[bench["group"] or bench["name"]].append(bench)
    lines = [f"## {path.name}"]
    for group, benches in groups.items():
        fastest = min(float(b["stats"]["median"]) for b in benches)  # type: ignore[index]
        lines.append(f"### {group}")
        for b in sorted(benches, key=lambda b: float(b["stats"]["median"])):  # type: ignore[index]
            stats = b["stats"]
            median = float(stats["median"])  # type: ignore[index]
            lines.append(
                f"- {b['name']}: median {median * 1000:.2f} ms, mean {float(stats['mean']) * 1000:.2f} ms, "  # type: ignore[index]
                f"{1 / median:.1f} ops/s, rounds {stats['rounds']}, x{median / fastest:.2f} of fastest"  # type: ignore[index]
            )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    for name in argv:
        print(summarise(Path(name)))


if __name__ == "__main__":
    main(sys.argv[1:])
