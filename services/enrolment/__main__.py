"""``python -m services.enrolment``: serve the enrolment service with uvicorn."""

from shared.serve import serve

if __name__ == "__main__":
    serve("enrolment")
