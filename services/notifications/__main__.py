"""``python -m services.notifications [serve | migrate ...]``: serve the notifications service, or
run its migrations."""

import sys

from services.notifications.app import create_app
from services.notifications.settings import get_settings
from shared.serve import command_line

if __name__ == "__main__":
    sys.exit(command_line(sys.argv[1:], settings=get_settings(), create_app=create_app))
