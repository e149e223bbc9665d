"""``python -m services.improvement [serve | migrate ...]``: serve the improvement service, or run
its migrations."""

import sys

from services.improvement.app import create_app
from services.improvement.settings import get_settings
from shared.serve import command_line

if __name__ == "__main__":
    sys.exit(command_line(sys.argv[1:], settings=get_settings(), create_app=create_app))
