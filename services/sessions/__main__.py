"""``python -m services.sessions``: serve the sessions service with uvicorn."""

from shared.serve import serve

if __name__ == "__main__":
    serve("sessions")
