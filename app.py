"""Start policybot: the API under /api and /v1, and the chat at /, on one port.

    python app.py            # http://127.0.0.1:8000 (POLICYBOT_HOST, POLICYBOT_PORT, ...)

The first start prepares the embedding model and ingests corpus/ (logged as it goes); later
starts load the saved index in seconds. Every setting comes from ``policybot.config.Settings``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

try:
    import policybot  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from pydantic import ValidationError
from pydantic_settings import SettingsError

from policybot.config import Settings
from policybot.errors import PolicybotError
from policybot.surfaces.cli import quiet_libraries
from policybot.surfaces.server import configure_logging, serve

log = logging.getLogger("policybot.app")


def main() -> int:
    configure_logging()
    quiet_libraries()
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "settings"
        log.error("invalid setting %s: %s", where, first.get("msg"))
        return 2
    except SettingsError as exc:
        log.error("invalid setting: %s", exc)
        return 2
    try:
        serve(settings)
    except PolicybotError as exc:
        log.error("%s", exc.message)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
