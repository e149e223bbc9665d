"""``python -m services.billing``: serve the billing service with uvicorn."""

from shared.serve import serve

if __name__ == "__main__":
    serve("billing")
