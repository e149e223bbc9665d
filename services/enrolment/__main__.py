"""``python -m services.enrolment [serve | migrate ...]``: serve the enrolment service, or run its migrations."""

import sys

from services.enrolment.app import create_app
from services.enrolment.settings import get_settings
from shared.serve import command_line

if __name__ == "__main__":
    sys.exit(command_line(sys.argv[1:], settings=get_settings(), create_app=create_app))
