#!/bin/sh
# Create the sandman2 peer's virtual environment (default benchmarks/peers/.venv-sandman2).
# sandman2 1.2.3 pins SQLAlchemy==1.3.3 and Flask-SQLAlchemy==2.4.0 and needs the Flask 1.x
# family; these pins are the newest that install and run together on Python 3.11.
set -eu
VENV="${1:-$(dirname "$0")/.venv-sandman2}"
PYTHON="${PYTHON:-python3}"
if "$VENV/bin/python" -c "import sandman2, gunicorn" 2>/dev/null; then
  exit 0
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q \
  "sandman2==1.2.3" "SQLAlchemy==1.3.3" "Flask-SQLAlchemy==2.4.0" \
  "Flask==1.1.4" "Werkzeug==1.0.1" "Jinja2==2.11.3" "MarkupSafe==2.0.1" \
  "itsdangerous==1.1.0" "click==7.1.2" "Flask-Admin==1.5.8" "WTForms==2.3.3" \
  "Flask-HTTPAuth==4.4.0" "gunicorn==22.0.0" "psycopg2-binary==2.9.9" "PyMySQL==1.1.0"
echo "sandman2 peer environment ready in $VENV"
