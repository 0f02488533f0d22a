import sys

from r1eval.cli import main

sys.exit(main())
