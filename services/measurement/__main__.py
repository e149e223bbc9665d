"""``python -m services.measurement [serve | migrate ...]``: serve the measurement service, or run its migrations."""

import sys

from services.measurement.app import create_app
from services.measurement.settings import get_settings
from shared.serve import command_line

if __name__ == "__main__":
    sys.exit(command_line(sys.argv[1:], settings=get_settings(), create_app=create_app))
