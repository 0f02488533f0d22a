"""`python -m r1eval ...` (`python -m r1eval.cli` runs cli.py as __main__, a second copy of the module on which
the command modules never register their commands)."""
import sys

from r1eval.cli import main

sys.exit(main())
