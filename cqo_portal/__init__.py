"""CQO Portal: the application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from cqo_portal.config import REPO_ROOT, settings_from_env

__version__ = "0.1.0"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the portal: configuration, extensions, blueprints, error handlers, commands."""
    instance = Path(os.environ.get("CQO_INSTANCE_PATH") or REPO_ROOT / "instance").resolve()
    app = Flask(
        __name__,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
        instance_path=str(instance),
        instance_relative_config=True,
    )
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings_from_env(instance))
    if test_config:
        app.config.update(test_config)

    from cqo_portal import app_setup

    app_setup.configure_logging(app)
    app_setup.register_extensions(app)
    app_setup.register_blueprints(app)
    app_setup.register_errorhandlers(app)
    app_setup.register_request_hooks(app)
    app_setup.register_template_helpers(app)
    app_setup.register_commands(app)
    return app
