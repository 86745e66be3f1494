import sys

from ._reproduce import main

sys.exit(main())
