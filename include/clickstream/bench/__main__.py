"""``python -m clickstream.bench`` runs the benchmark; ``--worker SPEC`` is one measured child task."""

import argparse
import sys
from pathlib import Path

import clickstream.bench
from clickstream.bench.command import add_arguments, main

if len(sys.argv) == 3 and sys.argv[1] == "--worker":
    from clickstream.bench.worker import worker

    sys.exit(worker(Path(sys.argv[2])))
parser = argparse.ArgumentParser(prog="python -m clickstream.bench", description=clickstream.bench.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
add_arguments(parser)
sys.exit(main(parser.parse_args()))
