# One image for the web process (gunicorn) and the workers (`python manage.py qcluster`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system desk && useradd --system --gid desk --home-dir /app --shell /usr/sbin/nologin desk

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=desk:desk . .
# collectstatic needs settings but no secrets: a throwaway key only for this build step.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R desk:desk /app/var /app/staticfiles

USER desk
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
