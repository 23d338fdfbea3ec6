FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
# collectstatic needs a key but no database; the real key comes from the environment.
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input

RUN useradd --create-home catalogue && chown -R catalogue /app
USER catalogue
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && gunicorn archive.wsgi --bind 0.0.0.0:8000 --workers 2 --access-logfile -"]
