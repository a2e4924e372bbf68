"""Bilans dashboard at national size (100 organisations, 1 500 posts, 10 years of bilans).

The data generation and timing live in reporting/bench.py; this wrapper lets `make bench` run it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.bench import main  # noqa: E402

if __name__ == "__main__":
    main()
