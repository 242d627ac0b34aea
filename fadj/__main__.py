import sys

from fadj.cli import main

sys.exit(main())
