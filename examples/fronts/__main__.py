import sys

from .fronts import main

sys.exit(main())
