"""sandman2 over the benchmark database: `gunicorn sandman2_app:app` in the peer's own venv.

sandman2 reflects every table at start-up and serves `/<table>/` with `limit`, one `sort`, equality
filters and `LIKE` when a value starts with `%`.
"""

import os

from sandman2 import get_app

app = get_app(os.environ["DB_URL"])
