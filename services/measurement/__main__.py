"""``python -m services.measurement``: serve the measurement service with uvicorn."""

from shared.serve import serve

if __name__ == "__main__":
    serve("measurement")
