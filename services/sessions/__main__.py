"""``python -m services.sessions [serve | migrate ...]``: serve the sessions service, or run its migrations."""

import sys

from services.sessions.app import create_app
from services.sessions.settings import get_settings
from shared.serve import command_line

if __name__ == "__main__":
    sys.exit(command_line(sys.argv[1:], settings=get_settings(), create_app=create_app))
