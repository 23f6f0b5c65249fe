"""``python -m posture_watch``."""

import sys

from .launch import main

sys.exit(main())
