"""The baseline for benchmarks/load.py: Flask's hello world under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
